package dev.starling.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CapacityLimiterTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void close() {
        threads.shutdownNow();
    }

    @Test
    void withThreeTokensAndFourTasksAtMostThreeRunAtOnce() throws Exception {
        CapacityLimiter limiter = CapacityLimiter.create(3);
        CountDownLatch threeRunning = new CountDownLatch(3);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<CompletableFuture<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tasks.add(Concurrency.runInExecutor(threads, limiter, () -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                threeRunning.countDown();
                release.await(10, TimeUnit.SECONDS);
                running.decrementAndGet();
                return null;
            }).toCompletableFuture());
        }
        assertThat(threeRunning.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(limiter.borrowedTokens()).isEqualTo(3);
        assertThat(limiter.waiting()).isEqualTo(1);
        release.countDown();
        CompletableFuture.allOf(tasks.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(most).hasValue(3);
        assertThat(limiter.borrowedTokens()).isZero();
        assertThat(limiter.acquiredCount()).isEqualTo(4);
    }

    @Test
    void raisingTotalTokensWakesAWaiter() throws Exception {
        CapacityLimiter limiter = CapacityLimiter.create(1);
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(1);
        Concurrency.runInExecutor(threads, limiter, () -> {
            first.countDown();
            release.await(10, TimeUnit.SECONDS);
            return null;
        });
        assertThat(first.await(5, TimeUnit.SECONDS)).isTrue();
        var waiter = Concurrency.runInExecutor(threads, limiter, () -> {
            second.countDown();
            return null;
        }).toCompletableFuture();
        assertThat(limiter.waiting()).isEqualTo(1);
        limiter.totalTokens(2);
        assertThat(second.await(5, TimeUnit.SECONDS)).as("the waiter runs while the first task still holds its token")
                .isTrue();
        waiter.get(5, TimeUnit.SECONDS);
        release.countDown();
    }

    @Test
    void waitersAreServedFirstInFirstOut() throws Exception {
        CapacityLimiter limiter = CapacityLimiter.create(1);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Concurrency.runInExecutor(threads, limiter, () -> {
            holding.countDown();
            release.await(10, TimeUnit.SECONDS);
            return null;
        });
        assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Object>> waiters = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int n = i;
            waiters.add(Concurrency.runInExecutor(threads, limiter, () -> order.add(n)).toCompletableFuture()
                    .thenApply(x -> null));
        }
        assertThat(limiter.waiting()).isEqualTo(8);
        release.countDown();
        CompletableFuture.allOf(waiters.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(order).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void zeroTokensIsLegalAndEverythingWaits() throws Exception {
        CapacityLimiter limiter = CapacityLimiter.create(0);
        var task = Concurrency.runInExecutor(threads, limiter, () -> "ran").toCompletableFuture();
        assertThat(limiter.waiting()).isEqualTo(1);
        assertThat(task).isNotDone();
        limiter.totalTokens(1);
        assertThat(task.get(5, TimeUnit.SECONDS)).isEqualTo("ran");
    }

    @Test
    void negativeTokensFailWithAClearMessage() {
        assertThatThrownBy(() -> CapacityLimiter.create(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A capacity limiter needs zero or more tokens, but -1 were given.");
        assertThatThrownBy(() -> CapacityLimiter.create(1).totalTokens(-5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-5");
        assertThatThrownBy(() -> Threadpool.platform(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFullWaitingRoomRefusesAtOnce() throws Exception {
        CapacityLimiter limiter = CapacityLimiter.create(0, 2);
        Concurrency.runInExecutor(threads, limiter, () -> null);
        Concurrency.runInExecutor(threads, limiter, () -> null);
        var refused = Concurrency.runInExecutor(threads, limiter, () -> null).toCompletableFuture();
        assertThat(refused).isCompletedExceptionally();
        assertThatThrownBy(refused::join).cause().isInstanceOf(CapacityExceededException.class)
                .hasMessageContaining("2 tasks already wait");
        assertThat(limiter.rejectedCount()).isEqualTo(1);
        assertThat(limiter.waiting()).isEqualTo(2);
    }

    @Test
    void loweringTotalTokensLetsRunningTasksFinishAndHoldsNewOnesBack() throws Exception {
        CapacityLimiter limiter = CapacityLimiter.create(2);
        CountDownLatch bothRunning = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        List<CompletableFuture<Object>> running = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            running.add(Concurrency.runInExecutor(threads, limiter, () -> {
                bothRunning.countDown();
                release.await(10, TimeUnit.SECONDS);
                return null;
            }).toCompletableFuture());
        }
        assertThat(bothRunning.await(5, TimeUnit.SECONDS)).isTrue();
        limiter.totalTokens(1);
        assertThat(limiter.borrowedTokens()).as("running tasks keep their tokens").isEqualTo(2);
        assertThat(limiter.availableTokens()).isZero();
        CountDownLatch thirdStarted = new CountDownLatch(1);
        var third = Concurrency.runInExecutor(threads, limiter, () -> {
            thirdStarted.countDown();
            return "third";
        }).toCompletableFuture();
        assertThat(limiter.waiting()).isEqualTo(1);
        release.countDown();
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertThat(third.get(5, TimeUnit.SECONDS)).isEqualTo("third");
        assertThat(limiter.borrowedTokens()).isZero();
        assertThat(limiter.totalTokens()).isEqualTo(1);
    }

    // ---- borrowing by hand ----

    @Test
    void aTokenTakenByHandHoldsBackOffloadedWorkUntilItIsReleased() throws Exception {
        CapacityLimiter limiter = CapacityLimiter.create(1);
        limiter.acquire();
        assertThat(limiter.borrowers()).containsExactly(Thread.currentThread());
        assertThat(limiter.availableTokens()).isZero();
        CompletableFuture<String> offloaded = Concurrency.<String>runInExecutor(threads, limiter, () -> "ran")
                .toCompletableFuture();
        assertThat(limiter.waiting()).isEqualTo(1);
        assertThat(offloaded).isNotDone();
        limiter.release();
        assertThat(offloaded.get(10, TimeUnit.SECONDS)).isEqualTo("ran");
        assertThat(limiter.borrowers()).isEmpty();
    }

    @Test
    void aBorrowerWaitsInLineForATokenAndGetsItWhenOneIsReleased() throws Exception {
        CapacityLimiter limiter = CapacityLimiter.create(1);
        Object first = "first job";
        Object second = "second job";
        limiter.acquireOnBehalfOf(first);
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> limiter.acquireOnBehalfOf(second), threads);
        // No latch can say that a thread has entered the waiting room; the limiter's count can.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (limiter.waiting() != 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(limiter.waiting()).isEqualTo(1);
        assertThat(waiting).isNotDone();
        limiter.releaseOnBehalfOf(first);
        waiting.get(10, TimeUnit.SECONDS);
        assertThat(limiter.borrowers()).containsExactly(second);
        limiter.releaseOnBehalfOf(second);
        assertThat(limiter.borrowedTokens()).isZero();
    }

    @Test
    void tryAcquireTakesAFreeTokenAndNeverWaits() {
        CapacityLimiter limiter = CapacityLimiter.create(1);
        assertThat(limiter.tryAcquireOnBehalfOf("a")).isTrue();
        assertThat(limiter.tryAcquireOnBehalfOf("b")).isFalse();
        assertThat(limiter.waiting()).isZero();
        limiter.releaseOnBehalfOf("a");
        assertThat(limiter.tryAcquire()).isTrue();
        limiter.release();
    }

    @Test
    void acquireAsyncCompletesWhenATokenIsFree() throws Exception {
        CapacityLimiter limiter = CapacityLimiter.create(1);
        limiter.acquireOnBehalfOf("holder");
        CompletableFuture<Void> later = limiter.acquireAsync("async").toCompletableFuture();
        assertThat(later).isNotDone();
        limiter.releaseOnBehalfOf("holder");
        later.get(10, TimeUnit.SECONDS);
        assertThat(limiter.borrowers()).containsExactly("async");
    }

    @Test
    void takingASecondTokenOrReleasingOneNotHeldFailsWithASentence() {
        CapacityLimiter limiter = CapacityLimiter.create(2);
        limiter.acquire();
        String me = Thread.currentThread().getName();
        assertThatThrownBy(limiter::acquire).isInstanceOf(IllegalStateException.class)
                .hasMessage("The thread '" + me + "' already holds a token of " + limiter
                        + "; release it before taking another.");
        limiter.release();
        assertThatThrownBy(limiter::release).isInstanceOf(IllegalStateException.class)
                .hasMessage("The thread '" + me + "' holds no token of " + limiter
                        + " taken by hand, so it has none to release.");
        assertThatThrownBy(() -> limiter.releaseOnBehalfOf("nobody")).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("The borrower nobody holds no token");
    }

    @Test
    void aBorrowerThatWaitsPastTheQueueTimeoutOrFindsTheRoomFullIsRefused() {
        CapacityLimiter limiter = CapacityLimiter.create(1, 0, Duration.ofMillis(50));
        limiter.acquireOnBehalfOf("holder");
        assertThatThrownBy(() -> limiter.acquireOnBehalfOf("late")).isInstanceOf(CapacityExceededException.class)
                .hasMessageContaining("is full");
        CapacityLimiter timed = CapacityLimiter.create(1, 1, Duration.ofMillis(50));
        timed.acquireOnBehalfOf("holder");
        assertThatThrownBy(() -> timed.acquireOnBehalfOf("late")).isInstanceOf(CapacityExceededException.class)
                .hasMessageContaining("within its queue timeout");
        assertThat(timed.timedOutCount()).isEqualTo(1);
        assertThat(timed.waiting()).isZero();
    }
}
