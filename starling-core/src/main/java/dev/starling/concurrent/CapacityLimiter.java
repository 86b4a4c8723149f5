package dev.starling.concurrent;

import dev.starling.internal.concurrent.DefaultCapacityLimiter;

/**
 * A pool of tokens that bounds how many offloaded tasks run at once, with a FIFO waiting room.
 *
 * <p>Like anyio's {@code CapacityLimiter}: a task takes one token before it starts and gives it back when
 * its thread returns. Waiters are served in arrival order; raising {@link #totalTokens(int)} wakes them.
 * Zero tokens is legal (everything waits). Unlike anyio, the waiting room is bounded: past
 * {@link #maxWaiting()} waiters, an offload fails at once with {@link CapacityExceededException}.
 *
 * <pre>{@code
 * CapacityLimiter limiter = CapacityLimiter.create(3);
 * Concurrency.runInExecutor(executor, limiter, () -> slowCall());
 * }</pre>
 */
public interface CapacityLimiter {

    /** Returns a limiter with {@code tokens} tokens and a waiting room of ten waiters per token. */
    static CapacityLimiter create(int tokens) {
        return new DefaultCapacityLimiter(tokens, (int) Math.min(Integer.MAX_VALUE, Math.max(1L, tokens) * 10L));
    }

    /** Returns a limiter with {@code tokens} tokens and room for at most {@code maxWaiting} waiters. */
    static CapacityLimiter create(int tokens, int maxWaiting) {
        return new DefaultCapacityLimiter(tokens, maxWaiting);
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
}
