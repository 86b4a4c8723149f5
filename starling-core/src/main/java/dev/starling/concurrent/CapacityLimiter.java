package dev.starling.concurrent;

import dev.starling.internal.concurrent.DefaultCapacityLimiter;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * A pool of tokens that bounds how many offloaded tasks run at once, with a FIFO waiting room; code that is not
 * offloaded can borrow tokens by hand ({@link #acquire()}, {@link #release()}).
 *
 * <p>Like anyio's {@code CapacityLimiter}: a task takes one token before it starts and gives it back when
 * its thread returns. Waiters are served in arrival order; raising {@link #totalTokens(int)} wakes them.
 * Zero tokens is legal (everything waits). Unlike anyio, the waiting room is bounded: past
 * {@link #maxWaiting()} waiters, an offload fails at once with {@link CapacityExceededException}, and so does a
 * task that waited longer than the {@link #queueTimeout()} (30 seconds unless the limiter was made with another).
 *
 * <pre>{@code
 * CapacityLimiter limiter = CapacityLimiter.create(3);
 * Concurrency.runInExecutor(executor, limiter, () -> slowCall());
 * }</pre>
 */
public interface CapacityLimiter {

    /**
     * Returns a limiter with {@code tokens} tokens, a waiting room of ten waiters per token and the default
     * queue timeout of {@link Threadpool#DEFAULT_QUEUE_TIMEOUT}.
     */
    static CapacityLimiter create(int tokens) {
        return new DefaultCapacityLimiter(tokens, (int) Math.min(Integer.MAX_VALUE, Math.max(1L, tokens) * 10L),
                Threadpool.DEFAULT_QUEUE_TIMEOUT);
    }

    /** Returns a limiter with {@code tokens} tokens, room for at most {@code maxWaiting} waiters and the default queue timeout. */
    static CapacityLimiter create(int tokens, int maxWaiting) {
        return new DefaultCapacityLimiter(tokens, maxWaiting, Threadpool.DEFAULT_QUEUE_TIMEOUT);
    }

    /**
     * Returns a limiter with {@code tokens} tokens, room for {@code maxWaiting} waiters, and a queue timeout: a
     * task that waits longer for a token is refused with {@link CapacityExceededException} (a request gets 503);
     * {@code Duration.ZERO} waits without limit.
     */
    static CapacityLimiter create(int tokens, int maxWaiting, Duration queueTimeout) {
        return new DefaultCapacityLimiter(tokens, maxWaiting, queueTimeout);
    }

    /** Returns the number of tokens; at most this many tasks run at once. */
    int totalTokens();

    /**
     * Sets the number of tokens while tasks run; raising it starts waiters at once, lowering it lets running
     * tasks finish and holds new ones back until the borrowed count falls below the new total.
     */
    void totalTokens(int tokens);

    /** Returns how many tokens are held by running (or starting) tasks. */
    int borrowedTokens();

    /** Returns how many tokens are free now; never negative. */
    int availableTokens();

    /** Returns how many tasks wait for a token. */
    int waiting();

    /** Returns the most tasks that may wait for a token. */
    int maxWaiting();

    /** Returns the number of tokens ever granted. */
    long acquiredCount();

    /** Returns the number of tasks refused because the waiting room was full. */
    long rejectedCount();

    /** Returns how long a task may wait for a token before it is refused; zero means without limit. */
    Duration queueTimeout();

    /** Returns the number of tasks refused because they waited longer than {@link #queueTimeout()}. */
    long timedOutCount();

    // ---- borrowing by hand (anyio's acquire / release) ----

    /**
     * Takes a token for the current thread, waiting in the same FIFO waiting room as offloaded tasks; guards work
     * that is not offloaded with the same bulkhead. Release it with {@link #release()}, in a {@code finally}.
     *
     * <pre>{@code
     * limiter.acquire();
     * try { useTheScarceThing(); } finally { limiter.release(); }
     * }</pre>
     *
     * @throws CapacityExceededException when the waiting room is full or the wait passed {@link #queueTimeout()}
     * @throws IllegalStateException when the current thread already holds a token of this limiter
     * @throws java.util.concurrent.CancellationException when the thread is interrupted while it waits
     */
    void acquire();

    /** Takes a token for {@code borrower} (any object that names who holds it), waiting as {@link #acquire()} does. */
    void acquireOnBehalfOf(Object borrower);

    /** Takes a token for the current thread if one is free now, without waiting; returns whether it did. */
    boolean tryAcquire();

    /** Takes a token for {@code borrower} if one is free now, without waiting; returns whether it did. */
    boolean tryAcquireOnBehalfOf(Object borrower);

    /**
     * Takes a token for {@code borrower} without blocking the caller, for code on an event loop; the stage
     * completes once the token is held, or fails with {@link CapacityExceededException}.
     */
    CompletionStage<Void> acquireAsync(Object borrower);

    /**
     * Gives back the token the current thread took by hand.
     *
     * @throws IllegalStateException when the current thread holds no token of this limiter
     */
    void release();

    /** Gives back the token {@code borrower} took by hand; throws {@code IllegalStateException} when it holds none. */
    void releaseOnBehalfOf(Object borrower);

    /**
     * Returns who holds tokens taken by hand, in no order; tokens held by offloaded tasks are counted in
     * {@link #borrowedTokens()} but not named here.
     */
    Set<Object> borrowers();
}
