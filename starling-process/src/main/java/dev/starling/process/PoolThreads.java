package dev.starling.process;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The pool's own threads (readers, watchers, stderr forwarders, timer), on which close() must not wait. */
final class PoolThreads {

    private final Set<Thread> ownThreads = ConcurrentHashMap.newKeySet();

    /** Returns an unstarted daemon thread of this pool, counted as one of its own while it runs. */
    Thread newThread(String threadName, Runnable body) {
        return Thread.ofPlatform().daemon().name(threadName).unstarted(() -> {
            ownThreads.add(Thread.currentThread());
            try {
                body.run();
            } finally {
                ownThreads.remove(Thread.currentThread());
            }
        });
    }

    /** Starts a daemon thread of this pool; see {@link #newThread}. */
    Thread startThread(String threadName, Runnable body) {
        Thread thread = newThread(threadName, body);
        thread.start();
        return thread;
    }

    /** Returns whether the calling thread is one of this pool's own, which report workers' results and exits. */
    boolean onOwnThread() {
        return ownThreads.contains(Thread.currentThread());
    }
}
