package dev.starling.internal.app;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * Says once per JVM, on stderr, that no SLF4J backend is bound. Starling ships none, and without one the
 * error behind every 500, every warning and the start-up line go nowhere: a newcomer would see silent 500s.
 */
final class LoggingCheck {

    private static final AtomicBoolean SAID = new AtomicBoolean();

    private LoggingCheck() {
    }

    /** Prints the warning on {@code err} when SLF4J has fallen back to its no-operation logger. */
    static void warnIfNoBackend(PrintStream err) {
        if (LoggerFactory.getILoggerFactory() instanceof NOPLoggerFactory && SAID.compareAndSet(false, true)) {
            err.println("Starling: no SLF4J logging backend is on the class path, so the errors behind 500"
                    + " answers, warnings and the start-up line are logged nowhere. Add one, such as"
                    + " ch.qos.logback:logback-classic (see docs/use-in-your-project.md).");
        }
    }
}
