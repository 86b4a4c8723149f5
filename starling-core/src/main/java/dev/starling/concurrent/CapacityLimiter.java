package dev.starling.concurrent;

import dev.starling.internal.concurrent.DefaultCapacityLimiter;
import java.time.Duration;

/**
 * A pool of tokens that bounds how many offloaded tasks run at once, with a FIFO waiting room.
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
}
