package dev.starling.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
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
import java.util.concurrent.atomic.AtomicInteger;
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

    /**
     * prepare() only checks {@code fn instanceof Serializable}, but sendRemote casts to SerializableCallable:
     * a serializable Callable that is not a SerializableCallable passes the check and then fails with a
     * ClassCastException instead of running.
     */
    @Test
    void aSerializableCallableOfAnotherTypeRunsRemotelyToo() throws Exception {
        Elsewhere elsewhere = new Elsewhere();
        try {
            Callable<String> task = (Callable<String> & Serializable) () -> "ran";
            CompletionStage<String> stage = Concurrency.runInExecutor((Executor) elsewhere, task);

            assertThat(stage.toCompletableFuture().handle((v, e) -> v != null ? v : e.toString())
                    .get(5, TimeUnit.SECONDS)).isEqualTo("ran");
        } finally {
            elsewhere.threads.shutdownNow();
        }
    }

    /**
     * DESIGN §4: a cancelled running task's token is released only when the work actually returns. On the
     * remote path the token comes back as soon as the remote future is cancelled, which CompletableFuture does
     * at once, while the remote run (a member that does not answer interrupts) goes on: a limiter of one then
     * lets a second task run next to it.
     */
    @Test
    void aCancelledRemoteTaskKeepsItsTokenUntilTheExecutorSaysTheRunEnded() throws Exception {
        Stubborn remote = new Stubborn();
        try {
            CapacityLimiter limiter = CapacityLimiter.create(1);
            CompletionStage<String> first = Concurrency.runInExecutor(remote, limiter, () -> "first");
            assertThat(remote.started.await(5, TimeUnit.SECONDS)).isTrue();

            first.toCompletableFuture().cancel(true);

            assertThat(remote.ended.getCount()).as("the remote run is still going").isEqualTo(1);
            Concurrency.runInExecutor(remote, limiter, () -> "second");
            assertThat(remote.submitted.get()).as("tasks sent while the first still runs").isEqualTo(1);
            assertThat(limiter.waiting()).as("the second task waits for the token").isEqualTo(1);
        } finally {
            remote.release.countDown();
            remote.threads.shutdownNow();
        }
    }

    @Test
    void theTokenOfACancelledRemoteTaskComesBackWhenTheExecutorSaysTheRunEnded() throws Exception {
        Stubborn remote = new Stubborn();
        try {
            CapacityLimiter limiter = CapacityLimiter.create(1);
            CompletionStage<String> first = Concurrency.runInExecutor(remote, limiter, () -> "first");
            assertThat(remote.started.await(5, TimeUnit.SECONDS)).isTrue();
            first.toCompletableFuture().cancel(true);
            CompletionStage<String> second = Concurrency.runInExecutor(remote, limiter, () -> "second");

            remote.release.countDown();

            assertThat(second.toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo("second");
            assertThat(remote.submitted.get()).isEqualTo(2);
        } finally {
            remote.release.countDown();
            remote.threads.shutdownNow();
        }
    }

    static final ContextKey<String> REMOTE_TENANT = ContextKey.create("remote-tenant");

    /**
     * On the remote side a travelled value lives in Context.byName, and Context.with(key, null) only removes
     * from the key map: ContextKey.remove() in a remote task leaves the caller's value visible.
     */
    @Test
    void removingATravelledContextValueOnTheRemoteSideRemovesIt() throws Exception {
        Elsewhere elsewhere = new Elsewhere();
        REMOTE_TENANT.set("acme");
        try {
            CompletionStage<String> stage = Concurrency.runInExecutor(elsewhere, () -> {
                String before = REMOTE_TENANT.get().orElse("none");
                REMOTE_TENANT.remove();
                return before + " then " + REMOTE_TENANT.get().orElse("none");
            });

            assertThat(stage.toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("acme then none");
        } finally {
            REMOTE_TENANT.remove();
            elsewhere.threads.shutdownNow();
        }
    }

    static final ContextKey<java.util.ArrayList<Object>> CART = ContextKey.create("remote-cart");

    /**
     * portableValues() sends every value whose class says Serializable, whether or not it serializes: an
     * ArrayList holding a plain object, set by some unrelated code, fails every remote task of the request,
     * which never asked for it (docs: "Other values stay home").
     */
    @Test
    void aContextValueThatDoesNotSerializeStaysHomeInsteadOfFailingTheTask() throws Exception {
        Elsewhere elsewhere = new Elsewhere();
        CART.set(new java.util.ArrayList<>(java.util.List.of(new Object())));
        try {
            CompletionStage<String> stage = Concurrency.runInExecutor(elsewhere, () -> "ok");

            assertThat(stage.toCompletableFuture().handle((v, e) -> v != null ? v : e.toString())
                    .get(5, TimeUnit.SECONDS)).isEqualTo("ok");
        } finally {
            CART.remove();
            elsewhere.threads.shutdownNow();
        }
    }

    /** A member that runs its task to the end whatever happens to the future (CPU-bound code ignores interrupts). */
    static final class Stubborn implements RemoteExecutor {
        final ExecutorService threads = Executors.newCachedThreadPool();
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch ended = new CountDownLatch(1);
        final AtomicInteger submitted = new AtomicInteger();
        final CompletableFuture<Void> runEnded = new CompletableFuture<>();

        @Override
        public CompletionStage<?> whenEnded(CompletableFuture<?> submitted) {
            return runEnded;
        }

        @Override
        public <T> CompletableFuture<T> submit(SerializableCallable<T> task) {
            submitted.incrementAndGet();
            CompletableFuture<T> result = new CompletableFuture<>();
            threads.execute(() -> {
                started.countDown();
                boolean done = false;
                while (!done) {
                    try {
                        release.await();
                        done = true;
                    } catch (InterruptedException ignored) {
                        // keeps running, like a tight loop would
                    }
                }
                ended.countDown();
                runEnded.complete(null);
                try {
                    result.complete(task.call());
                } catch (Exception e) {
                    result.completeExceptionally(e);
                }
            });
            return result;
        }

        @Override
        public String name() {
            return "stubborn";
        }

        @Override
        public void execute(Runnable command) {
            throw new UnsupportedOperationException("Only serializable callables.");
        }
    }

    private static void until(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    @Test
    void aRemoteExecutorThatRefusesEverythingFailsEachWaiterWith503sCauseAndWithoutRecursion() throws Exception {
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
                .cause().isInstanceOf(CapacityExceededException.class)
                .hasMessage("The executor 'Elsewhere' refused the task, which was not run: Elsewhere is shut down."));
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
