package dev.starling.internal.concurrent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Marks when user code starts and ends on one event loop, so the watchdog can see code that holds the loop.
 * Written only by its loop thread; read by the watchdog thread.
 */
public final class LoopProbe {

    private static final VarHandle ENTERED_AT;
    private static final VarHandle ROUTE;
    private static final VarHandle WRITING;
    private static final VarHandle SENDING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ENTERED_AT = lookup.findVarHandle(LoopProbe.class, "enteredAt", long.class);
            ROUTE = lookup.findVarHandle(LoopProbe.class, "route", String.class);
            WRITING = lookup.findVarHandle(LoopProbe.class, "writing", boolean.class);
            SENDING = lookup.findVarHandle(LoopProbe.class, "sending", String.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Thread thread;
    // Written with release stores on the hot path (a plain store on x86, where a volatile store costs a fence);
    // the watchdog reads them with acquire loads, a few milliseconds late at worst.
    private long enteredAt;
    private String route;
    private boolean writing;
    private String sending;
    private int depth;
    // The watchdog's own notes (written and read by its thread only): the span it reported or excused, the
    // loop's CPU clock and the collector's pauses at its last look, and at the last look before the span began.
    long reportedFor;
    long excusedFor;
    long watchedSpan;
    long cpuAtLook;
    long pausesAtLook;
    long cpuBeforeSpan;
    long pausesBeforeSpan;

    /** Creates the probe of {@code thread}; public for the benchmark that prices enter and exit. */
    public LoopProbe(Thread thread) {
        this.thread = thread;
    }

    /** Returns the probe of the current thread when it is a Starling loop watched by a watchdog, or null. */
    public static LoopProbe current() {
        return Thread.currentThread() instanceof LoopThread loop ? loop.probe() : null;
    }

    /** User code for {@code route} (may be null) starts running on this loop. */
    public void enter(String route) {
        if (depth++ == 0) {
            ROUTE.setRelease(this, route);
            ENTERED_AT.setRelease(this, System.nanoTime() | 1L);
        }
    }

    /** The user code that {@link #enter(String)} announced has returned. */
    public void exit() {
        if (--depth == 0) {
            ENTERED_AT.setRelease(this, 0L);
        }
    }

    /**
     * Starling itself starts (or stops) encoding and writing a response inside user code's span: the time still
     * counts, but the watchdog reports it as Starling's work for the route, not as the route's blocking code.
     * Returns what it was before, to put back.
     */
    public boolean writing(boolean now) {
        boolean before = writing;
        WRITING.setRelease(this, now);
        return before;
    }

    /**
     * Starling starts (or, with null, stops) handing a task to the remote executor named {@code executor},
     * whose submit serializes it on this loop: the time still counts, but the watchdog reports it as the
     * executor's work for the route. Returns what it was before, to put back.
     */
    public String sending(String executor) {
        String before = sending;
        SENDING.setRelease(this, executor);
        return before;
    }

    Thread thread() {
        return thread;
    }

    long enteredAt() {
        return (long) ENTERED_AT.getAcquire(this);
    }

    String route() {
        return (String) ROUTE.getAcquire(this);
    }

    boolean isWriting() {
        return (boolean) WRITING.getAcquire(this);
    }

    String sendingTo() {
        return (String) SENDING.getAcquire(this);
    }
}
