package dev.starling.internal.concurrent;

import dev.starling.concurrent.CapacityExceededException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Tokens taken by hand from a {@link DefaultCapacityLimiter} (anyio's {@code acquire}, {@code acquire_nowait},
 * {@code acquire_on_behalf_of}): the same FIFO waiting room, bound and queue timeout as offloaded tasks, with the
 * borrower recorded so that it can release only what it holds.
 */
final class ManualBorrowing {

    private final DefaultCapacityLimiter limiter;

    ManualBorrowing(DefaultCapacityLimiter limiter) {
        this.limiter = limiter;
    }

    /** Names a borrower in a sentence: a thread by its name, anything else as it prints itself. */
    static String describe(Object borrower) {
        return borrower instanceof Thread t ? "The thread '" + t.getName() + "'" : "The borrower " + borrower;
    }

    /** Waits for a token for {@code borrower}. */
    void acquire(Object borrower) {
        limiter.checkNotHolding(borrower);
        CountDownLatch granted = new CountDownLatch(1);
        DefaultCapacityLimiter.Waiter waiter = granted::countDown;
        switch (limiter.acquire(waiter)) {
            case GRANTED -> {
                limiter.holding(borrower);
                return;
            }
            case REJECTED -> throw full();
            case QUEUED -> { }
        }
        long timeout = limiter.queueTimeoutNanos();
        try {
            boolean got = timeout == 0 ? await(granted) : granted.await(timeout, TimeUnit.NANOSECONDS);
            if (!got && limiter.expire(waiter)) {
                throw waitedTooLong();
            }
            // Not expired: the token came as the wait ended.
        } catch (InterruptedException e) {
            if (!limiter.remove(waiter)) {
                limiter.giveBack();   // granted while the interrupt came: not ours to keep
            }
            Thread.currentThread().interrupt();
            throw new CancellationException(describe(borrower) + " was interrupted while it waited for a token of "
                    + limiter + ".");
        }
        limiter.holding(borrower);
    }

    private static boolean await(CountDownLatch latch) throws InterruptedException {
        latch.await();
        return true;
    }

    /** Takes a token for {@code borrower} if one is free and nobody waits; never queues. */
    boolean tryAcquire(Object borrower) {
        limiter.checkNotHolding(borrower);
        if (!limiter.tryTake()) {
            return false;
        }
        limiter.holding(borrower);
        return true;
    }

    /** Takes a token for {@code borrower} without blocking; the stage completes once it is held. */
    CompletionStage<Void> acquireAsync(Object borrower) {
        try {
            limiter.checkNotHolding(borrower);
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> held = new CompletableFuture<>();
        Future<?>[] timer = new Future<?>[1];
        DefaultCapacityLimiter.Waiter waiter = () -> {
            Future<?> t = timer[0];
            if (t != null) {
                t.cancel(false);
            }
            limiter.holding(borrower);
            held.complete(null);
        };
        switch (limiter.acquire(waiter)) {
            case GRANTED -> {
                limiter.holding(borrower);
                held.complete(null);
            }
            case REJECTED -> held.completeExceptionally(full());
            case QUEUED -> {
                long timeout = limiter.queueTimeoutNanos();
                if (timeout > 0) {
                    timer[0] = Timers.schedule(Loops.current(), () -> {
                        if (limiter.expire(waiter)) {
                            held.completeExceptionally(waitedTooLong());
                        }
                    }, timeout);
                }
            }
        }
        return held;
    }

    private CapacityExceededException full() {
        return new CapacityExceededException("The waiting room of " + limiter + " is full, so no token can be "
                + "waited for now.");
    }

    private CapacityExceededException waitedTooLong() {
        return new CapacityExceededException("No token of " + limiter + " came within its queue timeout of "
                + limiter.queueTimeout() + ".");
    }
}
