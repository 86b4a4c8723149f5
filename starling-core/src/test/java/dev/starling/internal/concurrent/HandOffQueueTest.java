package dev.starling.internal.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The platform threadpool's queue: a task waits only for an idle worker promised to it, never behind busy ones. */
class HandOffQueueTest {

    private final HandOffQueue queue = new HandOffQueue();
    private ThreadPoolExecutor pool = pool(60_000);

    private ThreadPoolExecutor pool(long idleMillis) {
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, idleMillis, TimeUnit.MILLISECONDS, queue);
    }

    @AfterEach
    void close() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void everyTaskStartsAtOnceEvenWhenAllWorkersAreBlocked() throws Exception {
        int tasks = 60;
        CountDownLatch started = new CountDownLatch(tasks);
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < tasks; i++) {
            pool.execute(() -> {
                started.countDown();
                await(release);
            });
        }
        // A fixed pool or a plain queue would leave some of them waiting behind the blocked ones.
        assertThat(started.await(10, TimeUnit.SECONDS)).as("all %d tasks running together", tasks).isTrue();
        assertThat(pool.getPoolSize()).isEqualTo(tasks);
        release.countDown();
    }

    @Test
    void anIdleWorkerTakesTheNextTaskInsteadOfANewThread() throws Exception {
        for (int i = 0; i < 200; i++) {
            until(() -> pool.getPoolSize() == 0 || queue.spare() == 1);
            pool.submit(() -> { }).get(10, TimeUnit.SECONDS);
        }
        assertThat(pool.getLargestPoolSize()).isEqualTo(1);
        assertThat(pool.getCompletedTaskCount()).isEqualTo(200);
    }

    @Test
    void aBurstWaitsForThePromisedIdleWorkersWithoutNewThreads() throws Exception {
        int workers = 4;
        CountDownLatch started = new CountDownLatch(workers);
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < workers; i++) {
            pool.execute(() -> {
                started.countDown();
                await(release);
            });
        }
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        release.countDown();
        until(() -> queue.spare() == workers);
        List<Future<?>> burst = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            burst.add(pool.submit(() -> { }));
        }
        for (Future<?> f : burst) {
            f.get(10, TimeUnit.SECONDS);
        }
        assertThat(pool.getLargestPoolSize()).isEqualTo(workers);
    }

    @Test
    void workersRetireWhenIdleAndTasksSubmittedAsTheyRetireStillRun() throws Exception {
        pool.shutdownNow();
        pool = pool(1);   // workers retire after 1 ms idle, so submissions race with retirements
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 3_000; i++) {
            List<Future<?>> round = new ArrayList<>();
            int n = 1 + random.nextInt(4);
            for (int j = 0; j < n; j++) {
                round.add(pool.submit(() -> { }));
            }
            for (Future<?> f : round) {
                f.get(10, TimeUnit.SECONDS);   // a task stranded in the queue would time out here
            }
            LockSupport.parkNanos(random.nextInt(1_500_000));
        }
        until(() -> pool.getPoolSize() == 0);
        assertThat(queue).isEmpty();
        assertThat(queue.spare()).isZero();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void until(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition reached within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
