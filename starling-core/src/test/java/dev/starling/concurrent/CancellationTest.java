package dev.starling.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CancellationTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void close() {
        threads.shutdownNow();
    }

    @Test
    void aTaskCancelledBeforeItStartsNeverRunsAndTakesNoToken() throws Exception {
        CapacityLimiter limiter = CapacityLimiter.create(1);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        var first = Concurrency.runInExecutor(threads, limiter, () -> {
            holding.countDown();
            release.await(10, TimeUnit.SECONDS);
            return "first";
        }).toCompletableFuture();
        assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
        AtomicBoolean ran = new AtomicBoolean();
        var queued = Concurrency.runInExecutor(threads, limiter, () -> ran.getAndSet(true)).toCompletableFuture();
        assertThat(queued.cancel(true)).isTrue();
        assertThat(limiter.waiting()).isZero();
        release.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("first");
        // A task queued after the cancelled one runs; the cancelled one never did.
        assertThat(Concurrency.runInExecutor(threads, limiter, () -> "after").toCompletableFuture()
                .get(5, TimeUnit.SECONDS)).isEqualTo("after");
        assertThat(ran).isFalse();
        assertThat(limiter.borrowedTokens()).isZero();
        assertThat(limiter.acquiredCount()).isEqualTo(2);
    }

    @Test
    void cancellingARunningTaskInterruptsItAndReleasesItsTokenOnlyAfterItReturns() throws Exception {
        CapacityLimiter limiter = CapacityLimiter.create(1);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch mayReturn = new CountDownLatch(1);
        var task = Concurrency.runInExecutor(threads, limiter, () -> {
            started.countDown();
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
                // Keep the thread busy after the interrupt: the token must stay borrowed until we return.
                mayReturn.await(10, TimeUnit.SECONDS);
            }
            return null;
        }).toCompletableFuture();
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(task.cancel(true)).isTrue();
        assertThat(task).isCancelled();
        assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(limiter.borrowedTokens()).as("the thread has not returned yet").isEqualTo(1);
        var next = Concurrency.runInExecutor(threads, limiter, () -> "next").toCompletableFuture();
        assertThat(next).isNotDone();
        mayReturn.countDown();
        assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo("next");
        assertThat(limiter.borrowedTokens()).isZero();
    }

    @Test
    void withInterruptOnCancelOffTheThreadRunsOnButTheTaskSeesItIsCancelled() throws Exception {
        var pool = dev.starling.internal.concurrent.WorkerPool.create("polite",
                Threadpool.platform(1).interruptOnCancel(false));
        try {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch cancelled = new CountDownLatch(1);
            CompletableFuture<Boolean> observed = new CompletableFuture<>();
            CompletableFuture<Throwable> checked = new CompletableFuture<>();
            var task = pool.submit(() -> {
                started.countDown();
                cancelled.await(10, TimeUnit.SECONDS);
                observed.complete(!Thread.currentThread().isInterrupted() && Cancellation.isCancelled());
                try {
                    Cancellation.check();
                    checked.complete(null);
                } catch (Throwable t) {
                    checked.complete(t);
                }
                return "not reached";
            });
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            task.cancel(true);
            cancelled.countDown();
            assertThat(observed.get(5, TimeUnit.SECONDS)).as("not interrupted, but told").isTrue();
            assertThat(checked.get(5, TimeUnit.SECONDS))
                    .isInstanceOf(java.util.concurrent.CancellationException.class)
                    .hasMessageStartingWith("The offloaded task running on starling-worker-")
                    .hasMessageEndingWith(" was cancelled.");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void checkDoesNothingOutsideAnOffloadedTask() {
        assertThat(Cancellation.isCancelled()).isFalse();
        Cancellation.check();
    }
}
