package dev.starling.internal.http;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Counts the requests being answered, so that a graceful stop can wait for them; and says when it has begun. */
public final class InFlight {

    private final AtomicInteger count = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private volatile boolean draining;

    /** A request has been read and is about to be dispatched. */
    void started() {
        count.incrementAndGet();
    }

    /** A request's response has been written (or its connection is gone). */
    void done() {
        if (count.decrementAndGet() == 0 && draining) {
            lock.lock();
            try {
                idle.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Returns how many requests are being answered now. */
    public int count() {
        return count.get();
    }

    /** Returns true once shutdown has begun: responses close their connections. */
    public boolean draining() {
        return draining;
    }

    /** Marks the start of shutdown, so that every response written from now on closes its connection. */
    public void drain() {
        draining = true;
    }

    /** Waits until no request is in flight or {@code nanos} have passed; returns true when none is left. */
    public boolean awaitIdle(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        lock.lock();
        try {
            while (count.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                idle.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "InFlight[" + count.get() + (draining ? ", draining]" : "]");
    }
}
