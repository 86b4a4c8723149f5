package dev.starling.internal.concurrent;

/**
 * What Starling keeps per thread: the thread's {@link Context} and the offloaded task running on it. Starling's
 * own threads (event loops, platform workers) hold it in a field; any other thread, a virtual one included,
 * in a plain thread local.
 *
 * <p>Netty's {@code FastThreadLocal} is fast only on Netty's own threads. On any other thread its first use
 * builds an indexed table and an identity map of the thread's locals: about 700 bytes on every new virtual
 * thread, for two values (see starling-bench/results/2026-12-03-issue17-profiles.md).
 */
final class ThreadState {

    /** A thread that holds its own state in a field. */
    interface Owner {
        ThreadState threadState();
    }

    private static final ThreadLocal<ThreadState> OTHERS = ThreadLocal.withInitial(ThreadState::new);

    Context context = Context.EMPTY;
    OffloadTask<?> task;

    /** Returns the state of the current thread. */
    static ThreadState current() {
        return Thread.currentThread() instanceof Owner owner ? owner.threadState() : OTHERS.get();
    }
}
