package dev.starling.internal.concurrent;

/**
 * Marks when user code starts and ends on one event loop, so the watchdog can see code that holds the loop.
 * Written only by its loop thread; read by the watchdog thread.
 */
public final class LoopProbe {

    private final Thread thread;
    private volatile long enteredAt;
    private volatile String route;
    private int depth;
    long reportedFor;

    LoopProbe(Thread thread) {
        this.thread = thread;
    }

    /** Returns the probe of the current thread when it is a Starling loop, or null. */
    public static LoopProbe current() {
        return Thread.currentThread() instanceof LoopThread loop ? loop.probe() : null;
    }

    /** User code for {@code route} (may be null) starts running on this loop. */
    public void enter(String route) {
        if (depth++ == 0) {
            this.route = route;
            this.enteredAt = System.nanoTime() | 1L;
        }
    }

    /** The user code that {@link #enter(String)} announced has returned. */
    public void exit() {
        if (--depth == 0) {
            enteredAt = 0L;
        }
    }

    Thread thread() {
        return thread;
    }

    long enteredAt() {
        return enteredAt;
    }

    String route() {
        return route;
    }
}
