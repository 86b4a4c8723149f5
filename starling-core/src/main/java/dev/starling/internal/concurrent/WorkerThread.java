package dev.starling.internal.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** A platform worker thread of a Starling threadpool; it tells the watchdog what it is running. */
final class WorkerThread extends Thread {

    private volatile long taskStartedAt;
    private volatile String taskName;
    long reportedFor;
    private final ThreadState state = new ThreadState();

    WorkerThread(Runnable task, String name) {
        super(task, name);
        setDaemon(true);
    }

    static ThreadFactory factory(String prefix, Watchdog watchdog) {
        AtomicInteger counter = new AtomicInteger();
        return r -> {
            WorkerThread thread = new WorkerThread(r, prefix + counter.incrementAndGet());
            if (watchdog != null) {
                watchdog.watch(thread);
            }
            return thread;
        };
    }

    /** Returns the context and task this thread runs with. */
    ThreadState threadState() {
        return state;
    }

    void began(String name) {
        taskName = name;
        taskStartedAt = System.nanoTime() | 1L;
    }

    void ended() {
        taskStartedAt = 0L;
    }

    long taskStartedAt() {
        return taskStartedAt;
    }

    String taskName() {
        return taskName;
    }
}
