package dev.starling.internal.concurrent;

import dev.starling.concurrent.Threadpool;
import java.util.concurrent.locks.ReentrantLock;

/** Finds the default threadpool of the code running on the current thread. */
public final class Pools {

    private static volatile WorkerPool global;

    private Pools() {
    }

    /**
     * Returns the app's default pool on a loop or worker of a Starling app; elsewhere (a plain thread, no app)
     * a process-wide default pool with the standard settings, created on first use.
     */
    public static WorkerPool currentDefault() {
        if (Thread.currentThread() instanceof LoopThread loop && loop.defaultPool() != null) {
            return loop.defaultPool();
        }
        OffloadTask<?> task = OffloadTask.current();
        if (task != null) {
            return task.home();
        }
        return global();
    }

    static WorkerPool global() {
        WorkerPool pool = global;
        if (pool == null) {
            LockHolder.LOCK.lock();
            try {
                pool = global;
                if (pool == null) {
                    pool = WorkerPool.create("default", Threadpool.create());
                    global = pool;
                }
            } finally {
                LockHolder.LOCK.unlock();
            }
        }
        return pool;
    }

    private static final class LockHolder {
        static final ReentrantLock LOCK = new ReentrantLock();
    }
}
