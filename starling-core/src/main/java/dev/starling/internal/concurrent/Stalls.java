package dev.starling.internal.concurrent;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

/**
 * What stops a thread without its code being the cause: the JVM's stop-the-world collections, and time
 * without a CPU. The watchdog takes both out of a loop's span before it blames the route.
 */
final class Stalls {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    // The collectors whose time is pauses: every bean but the ones that time concurrent cycles (ZGC's and
    // Shenandoah's "... Cycles"); G1's "G1 Concurrent GC" times its Remark and Cleanup pauses.
    private static final List<GarbageCollectorMXBean> PAUSING = ManagementFactory.getGarbageCollectorMXBeans()
            .stream().filter(gc -> !gc.getName().endsWith("Cycles")).toList();
    private static final boolean CPU_TIME = THREADS.isThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();

    private Stalls() {
    }

    /** Returns the JVM's stop-the-world collection time so far, in nanoseconds (the beans count milliseconds). */
    static long pauses() {
        long millis = 0;
        for (GarbageCollectorMXBean gc : PAUSING) {
            millis += Math.max(0, gc.getCollectionTime());
        }
        return millis * 1_000_000L;
    }

    /** Returns the CPU time {@code thread} has used, in nanoseconds, or -1 when the JVM does not tell it. */
    static long cpu(Thread thread) {
        return CPU_TIME ? THREADS.getThreadCpuTime(thread.threadId()) : -1L;
    }

    /**
     * Returns true when a thread in {@code state} at {@code stack} would be running if it had a CPU: runnable,
     * and not in a native read or wait of the JDK's sockets, channels or files, which is blocking (a file system
     * call too: an open or a stat on a hung network mount, a FIFO's open, uses no CPU either).
     */
    static boolean wantsCpu(Thread.State state, StackTraceElement[] stack) {
        if (state != Thread.State.RUNNABLE) {
            return false;
        }
        if (stack.length == 0 || !stack[0].isNativeMethod()) {
            return true;
        }
        String type = stack[0].getClassName();
        return !(type.startsWith("sun.nio.ch.") || type.startsWith("java.net.") || type.startsWith("sun.net.")
                || type.startsWith("java.io.") || type.startsWith("sun.nio.fs."));
    }
}
