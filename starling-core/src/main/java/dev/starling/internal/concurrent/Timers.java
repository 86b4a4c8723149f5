package dev.starling.internal.concurrent;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Schedules the few timeouts the kernel needs: on the caller's event loop, or on one shared timer thread. */
final class Timers {

    private static final class Shared {
        static final ScheduledThreadPoolExecutor TIMER;

        static {
            TIMER = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("starling-timer").daemon().factory());
            // Cancelled timeouts (the usual case: the task got its token) leave the queue at once.
            TIMER.setRemoveOnCancelPolicy(true);
        }
    }

    private Timers() {
    }

    /** Runs {@code action} after {@code nanos} on {@code loop}, or on the shared timer thread when there is none. */
    static Future<?> schedule(EventExecutor loop, Runnable action, long nanos) {
        if (loop != null && !loop.isShuttingDown()) {
            return loop.schedule(action, nanos, TimeUnit.NANOSECONDS);
        }
        return Shared.TIMER.schedule(action, nanos, TimeUnit.NANOSECONDS);
    }
}
