package dev.starling.internal.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** A platform worker thread of a Starling threadpool. */
final class WorkerThread extends Thread {

    WorkerThread(Runnable task, String name) {
        super(task, name);
        setDaemon(true);
    }

    static ThreadFactory factory(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return r -> new WorkerThread(r, prefix + counter.incrementAndGet());
    }
}
