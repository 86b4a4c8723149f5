package dev.starling.internal.concurrent;

import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An event-loop thread of a Starling app: it knows the app's default pool and, when the app has a watchdog,
 * carries the probe the watchdog reads (without a watchdog there is no probe and nothing to update).
 */
public final class LoopThread extends FastThreadLocalThread {

    private final WorkerPool defaultPool;
    private final LoopProbe probe;
    private final ThreadState state = new ThreadState();

    private LoopThread(Runnable task, String name, WorkerPool defaultPool, Watchdog watchdog) {
        super(task, name);
        this.defaultPool = defaultPool;
        this.probe = watchdog == null ? null : new LoopProbe(this);
        if (watchdog != null) {
            watchdog.watch(probe);
        }
    }

    /** Returns a factory of loop threads named {@code prefix} + number. */
    public static ThreadFactory factory(String prefix, WorkerPool defaultPool, Watchdog watchdog) {
        AtomicInteger counter = new AtomicInteger();
        return r -> new LoopThread(r, prefix + counter.incrementAndGet(), defaultPool, watchdog);
    }

    public WorkerPool defaultPool() {
        return defaultPool;
    }

    /** Returns the context and task this thread runs with. */
    ThreadState threadState() {
        return state;
    }

    /** Returns this loop's watchdog probe, or null when the app runs without a watchdog. */
    public LoopProbe probe() {
        return probe;
    }
}
