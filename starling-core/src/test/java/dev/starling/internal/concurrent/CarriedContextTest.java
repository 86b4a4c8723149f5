package dev.starling.internal.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.concurrent.Concurrency;
import dev.starling.concurrent.Threadpool;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * What an offloaded task carries, white-box: the caller's MDC in place on the worker, and nothing left from the
 * task before it on the same thread, nor from whichever thread started that thread.
 */
class CarriedContextTest {

    private final LoopAndPools fixture = new LoopAndPools();

    @AfterEach
    void close() {
        fixture.close();
        MDC.clear();
    }

    @Test
    void theMdcATaskSetsOnAThreadOfAPlainExecutorIsGoneForTheNextTask() throws Exception {
        ExecutorService one = fixture.executor(Executors.newSingleThreadExecutor());
        MDC.clear();
        Concurrency.runInExecutor(one, () -> {
            MDC.put("user", "alice");
            return null;
        }).toCompletableFuture().get(5, TimeUnit.SECONDS);

        // Neither caller has an MDC, so there is nothing to replace the thread's with: it must have been restored.
        Map<String, String> seen = Concurrency.runInExecutor(one, MDC::getCopyOfContextMap).toCompletableFuture()
                .get(5, TimeUnit.SECONDS);

        assertThat(seen).as("the second task's MDC").isNullOrEmpty();
    }

    @Test
    void onAVirtualThreadTheCallersMdcIsSeenAndWhatATaskSetsIsGoneForTheWaiterRunNextOnIt() throws Exception {
        WorkerPool pool = fixture.pool(Threadpool.virtual(1));
        CountDownLatch bQueued = new CountDownLatch(1);
        AtomicReference<Thread> aThread = new AtomicReference<>();
        AtomicReference<String> aSaw = new AtomicReference<>();
        // From a loop, the token a gives back goes straight to b on a's (virtual) thread.
        OffloadTask<Object[]> b = fixture.onLoop(() -> {
            MDC.put("request", "r-1");
            try {
                pool.submit(() -> {
                    aThread.set(Thread.currentThread());
                    aSaw.set(MDC.get("request"));
                    bQueued.await(5, TimeUnit.SECONDS);
                    MDC.put("user", "alice");
                    return null;
                });
            } finally {
                MDC.clear();
            }
            return pool.submit(() -> new Object[] {Thread.currentThread(), MDC.getCopyOfContextMap()});
        });
        assertThat(pool.limiter().waiting()).as("b waits for a's token").isEqualTo(1);
        bQueued.countDown();

        Object[] seen = b.get(5, TimeUnit.SECONDS);
        assertThat(aSaw.get()).as("the caller's MDC on a's virtual thread").isEqualTo("r-1");
        assertThat(seen[0]).as("b ran on a's thread").isSameAs(aThread.get());
        assertThat(aThread.get().isVirtual()).isTrue();
        @SuppressWarnings("unchecked")
        Map<String, String> bMdc = (Map<String, String>) seen[1];
        assertThat(bMdc).as("b's MDC, whose caller had none").isNullOrEmpty();
    }

    @Test
    void aVirtualThreadInheritsNothingFromTheThreadThatHappenedToStartIt() throws Exception {
        // Some SLF4J bindings keep the MDC in an InheritableThreadLocal: a new virtual thread must not copy the
        // locals of whoever gave the token back (here the test thread, with another request's value set).
        InheritableThreadLocal<String> request = new InheritableThreadLocal<>();
        WorkerPool pool = fixture.pool(Threadpool.virtual(1));
        pool.limiter().acquire();   // a token borrowed by hand, as CapacityLimiter allows
        OffloadTask<String> task = pool.submit(() -> String.valueOf(request.get()), pool);
        assertThat(pool.limiter().waiting()).as("the task waits for the borrowed token").isEqualTo(1);

        request.set("someone else's");
        try {
            pool.limiter().release();   // starts the task's thread from this thread
        } finally {
            request.remove();
        }

        assertThat(task.get(5, TimeUnit.SECONDS)).isEqualTo("null");
    }
}
