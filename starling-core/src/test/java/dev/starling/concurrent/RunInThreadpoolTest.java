package dev.starling.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.internal.concurrent.Context;
import dev.starling.internal.concurrent.OffloadTask;
import dev.starling.internal.concurrent.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class RunInThreadpoolTest {

    private final TestLoop loop = new TestLoop();

    @AfterEach
    void close() {
        loop.close();
    }

    @Test
    void aValueComesBackFromThePool() throws Exception {
        String value = Concurrency.runInThreadpool(() -> "hello from " + Thread.currentThread().getName())
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(value).startsWith("hello from starling-worker-");
    }

    @Test
    void anExceptionComesBackWithItsTypeAndTheOffloadingCallSite() {
        CompletableFuture<Object> result = loop.on(() -> Concurrency.runInThreadpool(() -> {
            throw new IllegalStateException("boom");
        }));
        assertThatThrownBy(result::join)
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("boom")
                .satisfies(e -> {
                    assertThat(e.getStackTrace()[0].getClassName()).startsWith(RunInThreadpoolTest.class.getName());
                    assertThat(e.getSuppressed()).hasSize(1);
                    assertThat(e.getSuppressed()[0].getMessage()).contains("offloaded to 'default' from thread");
                    assertThat(e.getSuppressed()[0].getStackTrace())
                            .anySatisfy(f -> assertThat(f.getClassName()).startsWith(TestLoop.class.getName()));
                });
    }

    @Test
    void aLaterFailureOfTheSameCodeInARouteCarriesTheStackOfItsFirstOffloadAndSaysSo() {
        Callable<Object> failing = () -> {
            throw new IllegalStateException("boom");
        };
        Throwable first = failure(loop.on(() -> inRoute("GET /reports", () -> Concurrency.runInThreadpool(failing))));
        Throwable second = failure(loop.on(() -> inRoute("GET /reports", () -> Concurrency.runInThreadpool(failing))));

        assertThat(first.getSuppressed()[0].getMessage()).endsWith("' here.");
        assertThat(second.getSuppressed()[0].getMessage()).contains("offloaded to 'default' from thread")
                .endsWith("here (the stack of the first offload of this code in route GET /reports).");
        assertThat(second.getSuppressed()[0].getStackTrace()).isEqualTo(first.getSuppressed()[0].getStackTrace())
                .anySatisfy(f -> assertThat(f.getClassName()).startsWith(TestLoop.class.getName()));
    }

    @Test
    void outsideARequestEveryFailureCarriesItsOwnCallersStack() {
        // One lambda class for both callers: outside a request nothing tells their ways to it apart.
        Throwable first = failure(loop.on(RunInThreadpoolTest::callerOne));
        Throwable second = failure(loop.on(RunInThreadpoolTest::callerTwo));

        assertThat(first.getSuppressed()[0].getStackTrace())
                .anySatisfy(f -> assertThat(f.getMethodName()).isEqualTo("callerOne"));
        assertThat(second.getSuppressed()[0].getMessage()).endsWith("' here.");
        assertThat(second.getSuppressed()[0].getStackTrace())
                .anySatisfy(f -> assertThat(f.getMethodName()).isEqualTo("callerTwo"))
                .noneSatisfy(f -> assertThat(f.getMethodName()).isEqualTo("callerOne"));
    }

    private static CompletionStage<Object> callerOne() {
        return failingHelper();
    }

    private static CompletionStage<Object> callerTwo() {
        return failingHelper();
    }

    private static CompletionStage<Object> failingHelper() {
        return Concurrency.runInThreadpool(() -> {
            throw new IllegalStateException("boom");
        });
    }

    private static <T> T inRoute(String route, Callable<T> call) throws Exception {
        Context previous = Context.set(Context.forScope(new Scope() {
            @Override
            public void track(OffloadTask<?> task) {
            }

            @Override
            public void untrack(OffloadTask<?> task) {
            }

            @Override
            public String routeName() {
                return route;
            }
        }));
        try {
            return call.call();
        } finally {
            Context.set(previous);
        }
    }

    private static Throwable failure(CompletableFuture<Object> result) {
        assertThatThrownBy(result::join).isInstanceOf(CompletionException.class);
        return result.handle((v, e) -> e instanceof CompletionException ? e.getCause() : e).join();
    }

    @Test
    void argumentsAreCapturedLikeKeywordArguments() throws Exception {
        record Greeting(String name, int times) {
        }
        Greeting args = new Greeting("Ada", 3);
        String value = Concurrency.runInThreadpool(() -> (args.name() + "!").repeat(args.times()))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(value).isEqualTo("Ada!Ada!Ada!");
    }

    @Test
    void theCallRunsExactlyOnce() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CompletionStage<Integer> stage = Concurrency.runInThreadpool(runs::incrementAndGet);
        assertThat(stage.toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo(1);
        // A second completion path would show up as a second run on a later offload.
        Concurrency.runInThreadpool(() -> null).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(runs).hasValue(1);
    }

    @Test
    void tenConcurrentCallsGiveTenRuns() throws Exception {
        CyclicBarrier allRunning = new CyclicBarrier(10);
        AtomicInteger runs = new AtomicInteger();
        List<CompletableFuture<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            calls.add(Concurrency.runInThreadpool(() -> {
                allRunning.await(10, TimeUnit.SECONDS);
                return runs.incrementAndGet();
            }).toCompletableFuture());
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(runs).hasValue(10);
        assertThat(calls).extracting(CompletableFuture::join).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    }

    @Test
    void theContinuationRunsOnTheLoopThreadThatOffloaded() throws Exception {
        String loopName = loop.threadName();
        CompletableFuture<List<String>> threads = loop.on(() -> {
            String caller = Thread.currentThread().getName();
            return Concurrency.runInThreadpool(() -> Thread.currentThread().getName())
                    .thenApply(worker -> List.of(caller, worker, Thread.currentThread().getName()));
        });
        List<String> names = threads.get(5, TimeUnit.SECONDS);
        assertThat(names.get(0)).isEqualTo(loopName);
        assertThat(names.get(1)).startsWith("starling-worker-");
        assertThat(names.get(2)).isEqualTo(loopName);
    }

    @Test
    void runInExecutorWithNullUsesTheDefaultThreadpool() throws Exception {
        String name = Concurrency.runInExecutor((Executor) null, () -> Thread.currentThread().getName())
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(name).startsWith("starling-worker-");
    }

    @Test
    void runInExecutorRunsOnTheGivenExecutorAndCompletesOnTheLoop() throws Exception {
        ExecutorService mine = Executors.newSingleThreadExecutor(r -> new Thread(r, "my-executor"));
        try {
            String loopName = loop.threadName();
            List<String> names = loop.on(() -> Concurrency.runInExecutor(mine, () -> Thread.currentThread().getName())
                    .thenApply(worker -> List.of(worker, Thread.currentThread().getName()))).get(5, TimeUnit.SECONDS);
            assertThat(names).containsExactly("my-executor", loopName);
        } finally {
            mine.shutdownNow();
        }
    }

    static final ContextKey<String> TENANT = ContextKey.create("tenant");

    @Test
    void theWorkerSeesTheCallersContextAndItsChangesDoNotFlowBack() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        Map<String, Object> seen = new java.util.concurrent.ConcurrentHashMap<>();
        loop.on(() -> {
            TENANT.set("acme");
            MDC.put("request-id", "r-42");
            try {
                return Concurrency.runInThreadpool(() -> {
                    seen.put("tenant on worker", TENANT.get().orElse("none"));
                    seen.put("mdc on worker", String.valueOf(MDC.get("request-id")));
                    TENANT.set("changed on worker");
                    MDC.put("request-id", "changed");
                    return null;
                }).thenApply(v -> {
                    seen.put("tenant after", TENANT.get().orElse("none"));
                    seen.put("mdc after", String.valueOf(MDC.get("request-id")));
                    done.countDown();
                    return v;
                });
            } finally {
                TENANT.remove();
                MDC.remove("request-id");
            }
        });
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(seen).containsEntry("tenant on worker", "acme").containsEntry("mdc on worker", "r-42");
        // The continuation runs in the caller's context: the worker's change did not flow back.
        assertThat(seen).containsEntry("tenant after", "acme");
    }

    @Test
    void aWorkerThreadKeepsNothingOfThePreviousTasksContext() throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            CapacityLimiter limiter = CapacityLimiter.create(1);
            loop.on(() -> {
                TENANT.set("first");
                MDC.put("request-id", "r-1");
                try {
                    return Concurrency.runInExecutor(one, limiter, () -> {
                        TENANT.set("changed");
                        MDC.put("request-id", "changed");
                        return null;
                    });
                } finally {
                    TENANT.remove();
                    MDC.remove("request-id");
                }
            }).get(5, TimeUnit.SECONDS);
            // Same single thread, no context given this time: nothing of the first task is left on it.
            String seen = Concurrency.runInExecutor(one, limiter,
                    () -> TENANT.get().orElse("none") + "/" + MDC.get("request-id"))
                    .toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(seen).isEqualTo("none/null");
        } finally {
            one.shutdownNow();
        }
    }

    @Test
    void anMdcSetOnAWorkerByATaskWhoseCallerHadNoneIsGoneForTheNextTask() throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            CapacityLimiter limiter = CapacityLimiter.create(1);
            Concurrency.runInExecutor(one, limiter, () -> {
                MDC.put("request-id", "set on the worker");
                return null;
            }).toCompletableFuture().get(5, TimeUnit.SECONDS);
            String seen = Concurrency.runInExecutor(one, limiter, () -> String.valueOf(MDC.get("request-id")))
                    .toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(seen).isEqualTo("null");
        } finally {
            one.shutdownNow();
        }
    }

    @Test
    void aValueSetBeforeTheOffloadIsSeenAndTheCallersValueIsUnchangedAfter() throws Exception {
        TENANT.set("outer");
        try {
            String onWorker = Concurrency.runInThreadpool(() -> {
                String seen = TENANT.get().orElse("none");
                TENANT.set("inner");
                return seen;
            }).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(onWorker).isEqualTo("outer");
            assertThat(TENANT.get()).hasValue("outer");
        } finally {
            TENANT.remove();
        }
    }

    @Test
    void runInExecutorCopiesTheContextToo() throws Exception {
        ExecutorService mine = Executors.newSingleThreadExecutor();
        TENANT.set("acme");
        try {
            assertThat(Concurrency.runInExecutor(mine, () -> TENANT.get().orElse("none"))
                    .toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("acme");
        } finally {
            TENANT.remove();
            mine.shutdownNow();
        }
    }

    @Test
    void aStageStartedOffALoopCompletesOnTheWorker() throws Exception {
        CountDownLatch chained = new CountDownLatch(1);
        CompletableFuture<String> thread = Concurrency.runInThreadpool(() -> chained.await(5, TimeUnit.SECONDS))
                .thenApply(x -> Thread.currentThread().getName()).toCompletableFuture();
        chained.countDown();
        assertThat(thread.get(5, TimeUnit.SECONDS)).startsWith("starling-worker-");
    }

    @Test
    void workerThreadsAreNamedReusedAndRetiredWhenIdle() throws Exception {
        var pool = dev.starling.internal.concurrent.WorkerPool.create("short-lived",
                Threadpool.platform(1).namePrefix("short-lived-").idleTimeout(java.time.Duration.ofMillis(50)));
        try {
            Thread first = pool.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
            // The stage completes just before the thread goes back to wait for work; wait until it does.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (first.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            Thread second = pool.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
            assertThat(first.getName()).isEqualTo("short-lived-1");
            assertThat(second).as("reused").isSameAs(first);
            first.join(10_000);
            assertThat(first.isAlive()).as("retired after 50 ms idle").isFalse();
            assertThat(pool.submit(() -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS))
                    .isEqualTo("short-lived-2");
        } finally {
            pool.shutdownNow();
        }
    }
}
