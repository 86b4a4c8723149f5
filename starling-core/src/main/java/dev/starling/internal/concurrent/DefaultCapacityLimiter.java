package dev.starling.internal.concurrent;

import dev.starling.concurrent.CapacityLimiter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;

/** The limiter behind {@link CapacityLimiter}: a counter and a FIFO queue under one lock, no {@code synchronized}. */
public final class DefaultCapacityLimiter implements CapacityLimiter {

    /** Something that waits for a token and is told when it has one. */
    public interface Waiter {
        /** Called, outside the limiter's lock, once a token has been taken on the waiter's behalf. */
        void granted();
    }

    /** What {@link #acquire(Waiter)} did. */
    public enum Outcome { GRANTED, QUEUED, REJECTED }

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int total;
    private int borrowed;
    private final int maxWaiting;
    private long acquired;
    private long rejected;
    private long timedOut;
    /** How long a waiter may wait for a token, in nanoseconds; 0 for no limit. */
    private final long queueTimeoutNanos;
    /** Who holds the tokens taken by hand (see {@link ManualBorrowing}), by identity; guarded by the lock. */
    private final Set<Object> borrowers = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ManualBorrowing manual = new ManualBorrowing(this);

    public DefaultCapacityLimiter(int tokens, int maxWaiting) {
        this(tokens, maxWaiting, Duration.ZERO);
    }

    public DefaultCapacityLimiter(int tokens, int maxWaiting, Duration queueTimeout) {
        if (tokens < 0) {
            throw new IllegalArgumentException("A capacity limiter needs zero or more tokens, but " + tokens
                    + " were given.");
        }
        if (maxWaiting < 0) {
            throw new IllegalArgumentException("maxWaiting must be zero or more, but " + maxWaiting + " was given.");
        }
        if (queueTimeout.isNegative()) {
            throw new IllegalArgumentException("queueTimeout must be zero (no limit) or more, but " + queueTimeout
                    + " was given.");
        }
        this.total = tokens;
        this.maxWaiting = maxWaiting;
        this.queueTimeoutNanos = queueTimeout.toNanos();
    }

    @Override
    public Duration queueTimeout() {
        return Duration.ofNanos(queueTimeoutNanos);
    }

    /** Returns the queue timeout in nanoseconds, 0 for none. */
    public long queueTimeoutNanos() {
        return queueTimeoutNanos;
    }

    /**
     * Takes {@code waiter} out of the queue because it waited too long; returns false when it is no longer
     * there (it got its token, or was removed otherwise).
     */
    public boolean expire(Waiter waiter) {
        lock.lock();
        try {
            if (!waiters.remove(waiter)) {
                return false;
            }
            timedOut++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long timedOutCount() {
        lock.lock();
        try {
            return timedOut;
        } finally {
            lock.unlock();
        }
    }

    /** Takes a token for {@code waiter} now, queues it, or refuses it when the waiting room is full. */
    public Outcome acquire(Waiter waiter) {
        return acquire(waiter, true);
    }

    /**
     * Same as {@link #acquire(Waiter)}; with {@code bounded} false the waiter queues even past the waiting room,
     * for work already promised to a client (whose number the requests in flight bound).
     */
    public Outcome acquire(Waiter waiter, boolean bounded) {
        lock.lock();
        try {
            if (borrowed < total && waiters.isEmpty()) {
                borrowed++;
                acquired++;
                return Outcome.GRANTED;
            }
            if (bounded && waiters.size() >= maxWaiting) {
                rejected++;
                return Outcome.REJECTED;
            }
            waiters.addLast(waiter);
            return Outcome.QUEUED;
        } finally {
            lock.unlock();
        }
    }

    /** Removes a waiter that no longer wants a token; false if it was not waiting (already granted or never queued). */
    public boolean remove(Waiter waiter) {
        lock.lock();
        try {
            return waiters.remove(waiter);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives a token back. The first waiter that now gets a token is returned, not told, so that the caller
     * can run it on its own thread; any further waiters (after a resize) are told through {@link Waiter#granted()}.
     */
    public Waiter releaseAndPoll() {
        Waiter first;
        List<Waiter> more;
        lock.lock();
        try {
            if (borrowed <= 0) {
                throw new IllegalStateException("A token was released that was never borrowed.");
            }
            borrowed--;
            first = pollLocked();
            more = first == null ? null : drainLocked();
        } finally {
            lock.unlock();
        }
        grant(more);
        return first;
    }

    /** Removes and returns every waiter, for a pool that shuts down: none of them will get a token. */
    public List<Waiter> drainWaiters() {
        lock.lock();
        try {
            List<Waiter> all = new ArrayList<>(waiters);
            waiters.clear();
            return all;
        } finally {
            lock.unlock();
        }
    }

    /** Gives a token back and tells whichever waiters now get one. */
    void giveBack() {
        Waiter next = releaseAndPoll();
        if (next != null) {
            next.granted();
        }
    }

    private Waiter pollLocked() {
        if (borrowed < total && !waiters.isEmpty()) {
            borrowed++;
            acquired++;
            return waiters.pollFirst();
        }
        return null;
    }

    private List<Waiter> drainLocked() {
        List<Waiter> granted = null;
        Waiter w;
        while ((w = pollLocked()) != null) {
            if (granted == null) {
                granted = new ArrayList<>();
            }
            granted.add(w);
        }
        return granted;
    }

    private static void grant(List<Waiter> granted) {
        if (granted != null) {
            for (Waiter w : granted) {
                w.granted();
            }
        }
    }

    @Override
    public int totalTokens() {
        lock.lock();
        try {
            return total;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void totalTokens(int tokens) {
        if (tokens < 0) {
            throw new IllegalArgumentException("A capacity limiter needs zero or more tokens, but " + tokens
                    + " were given.");
        }
        List<Waiter> granted;
        lock.lock();
        try {
            total = tokens;
            granted = drainLocked();
        } finally {
            lock.unlock();
        }
        grant(granted);
    }

    @Override
    public int borrowedTokens() {
        lock.lock();
        try {
            return borrowed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int availableTokens() {
        lock.lock();
        try {
            return Math.max(0, total - borrowed);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int waiting() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int maxWaiting() {
        return maxWaiting;
    }

    @Override
    public long acquiredCount() {
        lock.lock();
        try {
            return acquired;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long rejectedCount() {
        lock.lock();
        try {
            return rejected;
        } finally {
            lock.unlock();
        }
    }

    // ---- borrowing by hand: the waiting is ManualBorrowing's, the bookkeeping here under the lock ----

    @Override
    public void acquire() {
        manual.acquire(Thread.currentThread());
    }

    @Override
    public void acquireOnBehalfOf(Object borrower) {
        manual.acquire(Objects.requireNonNull(borrower, "The borrower must not be null."));
    }

    @Override
    public boolean tryAcquire() {
        return manual.tryAcquire(Thread.currentThread());
    }

    @Override
    public boolean tryAcquireOnBehalfOf(Object borrower) {
        return manual.tryAcquire(Objects.requireNonNull(borrower, "The borrower must not be null."));
    }

    @Override
    public CompletionStage<Void> acquireAsync(Object borrower) {
        return manual.acquireAsync(Objects.requireNonNull(borrower, "The borrower must not be null."));
    }

    @Override
    public void release() {
        releaseOnBehalfOf(Thread.currentThread());
    }

    @Override
    public void releaseOnBehalfOf(Object borrower) {
        Objects.requireNonNull(borrower, "The borrower must not be null.");
        lock.lock();
        try {
            if (!borrowers.remove(borrower)) {
                throw new IllegalStateException(ManualBorrowing.describe(borrower) + " holds no token of " + this
                        + " taken by hand, so it has none to release.");
            }
        } finally {
            lock.unlock();
        }
        giveBack();
    }

    @Override
    public Set<Object> borrowers() {
        lock.lock();
        try {
            return Set.copyOf(borrowers);
        } finally {
            lock.unlock();
        }
    }

    /** Takes a token when one is free and nobody waits for one; never queues. */
    boolean tryTake() {
        lock.lock();
        try {
            if (borrowed < total && waiters.isEmpty()) {
                borrowed++;
                acquired++;
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Fails when {@code borrower} already holds a token taken by hand. */
    void checkNotHolding(Object borrower) {
        lock.lock();
        try {
            if (borrowers.contains(borrower)) {
                throw new IllegalStateException(ManualBorrowing.describe(borrower) + " already holds a token of "
                        + this + "; release it before taking another.");
            }
        } finally {
            lock.unlock();
        }
    }

    /** Records that {@code borrower} holds a token just granted to it. */
    void holding(Object borrower) {
        lock.lock();
        try {
            borrowers.add(borrower);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "CapacityLimiter[borrowed " + borrowed + " of " + total + ", waiting " + waiters.size() + " of "
                    + maxWaiting + "]";
        } finally {
            lock.unlock();
        }
    }
}
