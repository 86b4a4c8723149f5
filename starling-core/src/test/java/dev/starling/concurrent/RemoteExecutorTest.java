package dev.starling.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** runInExecutor with an executor in "another JVM": tasks and results really go through Java serialization. */
class RemoteExecutorTest {

    /** Started and released by tasks that run "remotely"; static because the task object is a copy. */
    static volatile CountDownLatch started;
    static volatile CountDownLatch release;
    static final ContextKey<String> TENANT = ContextKey.create("tenant");
    static final ContextKey<Object> HANDLE = ContextKey.create("handle");

    private final TestLoop loop = new TestLoop();
    private final Elsewhere elsewhere = new Elsewhere();

    @AfterEach
    void close() {
        loop.close();
        elsewhere.threads.shutdownNow();
    }

    @Test
    void aLambdaTravelsSerializedAndItsResultComesBackOnTheCallersLoop() throws Exception {
        String loopThread = loop.threadName();
        int base = 40;
        String seenOn = loop.<String>on(() -> Concurrency.runInExecutor(elsewhere, () -> base + 2)
                .thenApply(v -> v + " on " + Thread.currentThread().getName())).get(5, TimeUnit.SECONDS);

        assertThat(seenOn).isEqualTo("42 on " + loopThread);
        assertThat(elsewhere.sent).hasSize(1);
    }

    @Test
    void theMdcAndSerializableContextValuesTravelButOthersDoNot() throws Exception {
        String seen = loop.<String>on(() -> {
            MDC.put("requestId", "r-17");
            TENANT.set("acme");
            HANDLE.set(new Object());   // not serializable: stays home
            try {
                return Concurrency.runInExecutor(elsewhere, () -> MDC.get("requestId") + " "
                        + TENANT.get().orElse("none") + " " + HANDLE.get().isPresent());
            } finally {
                MDC.clear();
                TENANT.remove();
                HANDLE.remove();
            }
        }).get(5, TimeUnit.SECONDS);

        assertThat(seen).isEqualTo("r-17 acme false");
    }

    @Test
    void aTaskThatIsNotSerializableIsRefusedAtSubmissionWithASentence() {
        Executor asPlainExecutor = elsewhere;
        Callable<String> plain = () -> "never";

        assertThatThrownBy(() -> Concurrency.runInExecutor(asPlainExecutor, plain))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("The executor 'Elsewhere' (elsewhere) runs tasks in another JVM, so a task "
                        + "must be serializable, but ")
                .hasMessageEndingWith(" is not; pass a SerializableCallable (a lambda whose target type is "
                        + "SerializableCallable is one).");
        assertThat(elsewhere.sent).isEmpty();
    }

    @Test
    void aRemoteExceptionKeepsItsTypeMessageAndTheCallSite() {
        CompletableFuture<Object> failed = loop.on(() -> Concurrency.runInExecutor(elsewhere, () -> {
            throw new IllegalStateException("no such report");
        }));

        assertThatThrownBy(() -> failed.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no such report")
                .satisfies(e -> assertThat(e.getSuppressed()).anySatisfy(s ->
                        assertThat(s).hasMessageContaining("was offloaded to 'Elsewhere'")));
    }

    @Test
    void cancellingARunningTaskCancelsItElsewhereAndTheTokenComesBackWhenItHasStopped() throws Exception {
        started = new CountDownLatch(1);
        release = new CountDownLatch(1);
        CapacityLimiter limiter = CapacityLimiter.create(1);
        CompletableFuture<CompletionStage<String>> stage = new CompletableFuture<>();
        loop.loop.execute(() -> stage.complete(Concurrency.runInExecutor(elsewhere, limiter, () -> {
            started.countDown();
            release.await();
            return "late";
        })));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(limiter.borrowedTokens()).isEqualTo(1);

        stage.get(5, TimeUnit.SECONDS).toCompletableFuture().cancel(true);

        // The double interrupts the remote thread on cancel(true), as a process pool kills its worker.
        assertThat(elsewhere.stopped.await(5, TimeUnit.SECONDS)).isTrue();
        until("the token is back", () -> limiter.borrowedTokens() == 0);
        assertThatThrownBy(() -> stage.get().toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(CancellationException.class);
        assertThat(elsewhere.cancelled).containsExactly(true);
    }

    @Test
    void aLimiterInFrontOfARemoteExecutorHoldsTheSecondTaskBack() throws Exception {
        started = new CountDownLatch(1);
        release = new CountDownLatch(1);
        CapacityLimiter limiter = CapacityLimiter.create(1);
        CompletableFuture<String> first = loop.on(() -> Concurrency.runInExecutor(elsewhere, limiter, () -> {
            started.countDown();
            release.await();
            return "first";
        }));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<String> second = loop.on(() -> Concurrency.runInExecutor(elsewhere, limiter, () -> "second"));
        until("the second task waits", () -> limiter.waiting() == 1);
        assertThat(elsewhere.sent).hasSize(1);

        release.countDown();

        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("first");
        assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo("second");
        assertThat(elsewhere.sent).hasSize(2);
    }

    private static void until(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    @Test
    void aRemoteExecutorThatRefusesEverythingFailsEachWaiterWithoutRecursion() throws Exception {
        started = new CountDownLatch(1);
        release = new CountDownLatch(1);
        CapacityLimiter limiter = CapacityLimiter.create(1, 5_000);
        CompletableFuture<String> holder = loop.on(() -> Concurrency.runInExecutor(elsewhere, limiter, () -> {
            started.countDown();
            release.await();
            return "held";
        }));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<String>> waiters = new java.util.ArrayList<>();
        CompletableFuture<Void> queued = new CompletableFuture<>();
        loop.loop.execute(() -> {
            for (int i = 0; i < 5_000; i++) {
                waiters.add(Concurrency.runInExecutor(elsewhere, limiter, () -> "never").toCompletableFuture());
            }
            queued.complete(null);
        });
        queued.get(10, TimeUnit.SECONDS);
        elsewhere.refuse = true;

        release.countDown();

        assertThat(holder.get(10, TimeUnit.SECONDS)).isEqualTo("held");
        CompletableFuture.allOf(waiters.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get(30, TimeUnit.SECONDS);
        assertThat(waiters).allSatisfy(w -> assertThatThrownBy(w::join)
                .cause().isInstanceOf(java.util.concurrent.RejectedExecutionException.class)
                .hasMessage("The executor 'Elsewhere' refused the task; it was not run."));
        assertThat(limiter.borrowedTokens()).isZero();
    }

    /**
     * A stand-in for a process pool: the task is serialized, deserialized and run on another thread, and the
     * result goes back the same way, so anything not serializable fails as it would between JVMs.
     */
    static final class Elsewhere implements RemoteExecutor {
        final ExecutorService threads = Executors.newCachedThreadPool(Thread.ofPlatform().name("elsewhere-", 1).factory());
        final List<Object> sent = new CopyOnWriteArrayList<>();
        final List<Boolean> cancelled = new CopyOnWriteArrayList<>();
        final CountDownLatch stopped = new CountDownLatch(1);
        volatile boolean refuse;

        @Override
        public <T> CompletableFuture<T> submit(SerializableCallable<T> task) {
            if (refuse) {
                throw new java.util.concurrent.RejectedExecutionException("Elsewhere is shut down.");
            }
            byte[] bytes;
            try {
                bytes = serialize(task);
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
            sent.add(task);
            CompletableFuture<T> result = new CompletableFuture<>() {
                @Override
                public boolean cancel(boolean mayInterruptIfRunning) {
                    cancelled.add(mayInterruptIfRunning);
                    return super.cancel(mayInterruptIfRunning);
                }
            };
            Future<?> run = threads.submit(() -> {
                try {
                    @SuppressWarnings("unchecked")
                    Callable<T> copy = (Callable<T>) deserialize(bytes);
                    T value = copy.call();
                    @SuppressWarnings("unchecked")
                    T back = (T) deserialize(serialize(value));
                    result.complete(back);
                } catch (InterruptedException e) {
                    stopped.countDown();
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
            result.whenComplete((v, e) -> {
                if (result.isCancelled()) {
                    run.cancel(true);
                }
            });
            return result;
        }

        @Override
        public String name() {
            return "elsewhere";
        }

        @Override
        public void execute(Runnable command) {
            throw new UnsupportedOperationException("Only serializable callables go elsewhere.");
        }

        private static byte[] serialize(Object o) throws Exception {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ObjectOutputStream oos = new ObjectOutputStream(out)) {
                oos.writeObject(o);
            }
            return out.toByteArray();
        }

        private static Object deserialize(byte[] bytes) throws Exception {
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
                return in.readObject();
            }
        }
    }
}
