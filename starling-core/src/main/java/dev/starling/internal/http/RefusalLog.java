package dev.starling.internal.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;

/**
 * Logs refusals (503s) at most once a second: under overload they come by the thousand, and each log line
 * would be written on an event loop exactly when it is busiest.
 */
final class RefusalLog {

    private static final long INTERVAL = TimeUnit.SECONDS.toNanos(1);

    private final Logger log;
    private final AtomicLong nextReport = new AtomicLong(System.nanoTime());
    private final LongAdder quiet = new LongAdder();

    RefusalLog(Logger log) {
        this.log = log;
    }

    void warn(String route, String why) {
        long now = System.nanoTime();
        long next = nextReport.get();
        if (now - next >= 0 && nextReport.compareAndSet(next, now + INTERVAL)) {
            long more = quiet.sumThenReset();
            log.warn("{} was answered 503: {}{}", route, why,
                    more == 0 ? "" : " (" + more + " more refusals since the last report)");
        } else {
            quiet.increment();
        }
    }
}
