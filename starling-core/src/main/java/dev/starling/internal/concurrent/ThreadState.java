package dev.starling.internal.concurrent;

/**
 * What Starling keeps per thread: the thread's {@link Context} and the offloaded task running on it. Starling's
 * own threads (event loops, platform workers) hold it in a field; any other thread, a virtual one included,
 * in a plain thread local.
 *
 * <p>Netty's {@code FastThreadLocal} is fast only on Netty's own threads. On any other thread its first use
 * builds an indexed table and an identity map of the thread's locals: about 500 bytes on every new virtual
 * thread, for two values (see starling-bench/results/2026-12-03-issue17-profiles.md).
 */
final class ThreadState {

    private static final ThreadLocal<ThreadState> OTHERS = ThreadLocal.withInitial(ThreadState::new);

    Context context = Context.EMPTY;
    OffloadTask<?> task;

    /** Returns the state of the current thread. */
    static ThreadState current() {
        Thread thread = Thread.currentThread();
        // Two checks against final classes are one compare each; an interface check may scan the supertypes.
        if (thread instanceof LoopThread loop) {
            return loop.threadState();
        }
        return thread instanceof WorkerThread worker ? worker.threadState() : OTHERS.get();
    }
}
