package dev.starling.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.starling.Starling;
import dev.starling.concurrent.CapacityLimiter;
import dev.starling.concurrent.Concurrency;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.ObjectOutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How ProcessPool survives failures around its workers: results that cannot be read, hostile frames, workers
 * that die unseen, shutdown with queued work, and callbacks that close the pool. A hang is turned into a
 * failure by a bounded get; tasks and tests synchronize through files ({@link Sync}).
 */
class ProcessPoolFailuresTest {

    private static final long HANG_SECONDS = 20;

    @TempDir
    Path tmp;

    private String dir(String name) {
        return tmp.resolve(name).toString();
    }

    /** Initializes only in a worker JVM, as a class whose static state needs the workers' JVM options would. */
    static final class OnlyInWorkers implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        static {
            if (!"yes".equals(System.getProperty("review.worker"))) {
                throw new IllegalStateException("OnlyInWorkers is only usable with -Dreview.worker=yes.");
            }
        }
    }

    /**
     * finished() detaches the job from its worker, then reads the result catching only IOException,
     * ClassNotFoundException and RuntimeException: an Error while reading it (ExceptionInInitializerError,
     * OutOfMemoryError, StackOverflowError) reaches the reader thread, which kills the now idle worker, and
     * nobody ever completes the future.
     */
    @Test
    void anErrorWhileReadingAResultFailsItsFutureWithASentenceAndTheWorkerGoesOn() throws Exception {
        ProcessPool pool = ProcessPool.builder().name("review-error").maxWorkers(1)
                .jvmOptions("-Dreview.worker=yes").build();
        try {
            long pid = pool.submit(Sync::pid).get(HANG_SECONDS, TimeUnit.SECONDS);
            CompletableFuture<OnlyInWorkers> result = pool.submit(() -> new OnlyInWorkers());

            Throwable thrown = catchThrowable(() -> result.get(HANG_SECONDS, TimeUnit.SECONDS));

            assertThat(thrown).as("the future must fail, not hang").isInstanceOf(ExecutionException.class);
            assertThat(thrown.getCause()).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("the result of task")
                    .hasMessageContaining("ExceptionInInitializerError");
            assertThat(thrown.getCause().getMessage()).endsWith(".");
            assertThat(pool.submit(Sync::pid).get(HANG_SECONDS, TimeUnit.SECONDS))
                    .as("the worker, which did nothing wrong, takes the next task").isEqualTo(pid);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The filter checks depth and stream bytes but not FilterInfo.arrayLength: a 50-byte result that declares a
     * long[] of two billion elements makes the parent allocate it. Here the allocation fails with an
     * OutOfMemoryError, which (see above) also loses the future; with a smaller length it would succeed and
     * pin gigabytes in the parent.
     */
    @Test
    void anArrayLongerThanItsMessageCouldHoldIsRefusedBeforeItIsAllocated() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(bytes)) {
            oos.writeObject(new long[0]);
        }
        byte[] payload = bytes.toByteArray();
        int n = payload.length;
        payload[n - 4] = 0x7f;
        payload[n - 3] = (byte) 0xff;
        payload[n - 2] = (byte) 0xff;
        payload[n - 1] = (byte) 0xf0;
        AllowList.Check check = AllowList.check("java.**", 64L << 20);

        Throwable thrown = catchThrowable(() -> Frames.deserialize(payload, check));

        assertThat(thrown).isInstanceOf(java.io.InvalidClassException.class);
        assertThat(check.overLimit).isTrue();
        assertThat(AllowList.failure(check, thrown instanceof Exception e ? e : new Exception(thrown), "a test message", "unit")).hasMessageContaining(
                "deserialization limits");
        // An honest array of the same type still reads.
        ByteArrayOutputStream honest = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(honest)) {
            oos.writeObject(new long[1000]);
        }
        assertThat((long[]) Frames.deserialize(honest.toByteArray(), AllowList.check("java.**", 64L << 20)))
                .hasSize(1000);
    }

    @Test
    void aResultDeclaringAHugeArrayIsRefusedByTheFilter() throws Exception {
        ProcessPool pool = ProcessPool.builder().name("review-array").maxWorkers(1).build();
        try {
            CompletableFuture<Object> result = pool.submit(() -> {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (ObjectOutputStream oos = new ObjectOutputStream(bytes)) {
                    oos.writeObject(new long[0]);
                }
                byte[] payload = bytes.toByteArray();
                int n = payload.length;   // the stream ends with the array's length
                payload[n - 4] = 0x7f;
                payload[n - 3] = (byte) 0xff;
                payload[n - 2] = (byte) 0xff;
                payload[n - 1] = (byte) 0xf0;
                // Native code or a careless library writing to fd 1 reaches the protocol pipe just the same.
                DataOutputStream out = new DataOutputStream(new FileOutputStream(FileDescriptor.out));
                out.writeInt(17 + payload.length);
                out.writeByte(5);        // RESULT
                out.writeLong(0L);       // the first task's id
                out.writeInt(payload.length);
                out.write(payload);
                out.writeInt(0);
                out.flush();
                new CountDownLatch(1).await();
                return null;
            });

            Throwable thrown = catchThrowable(() -> result.get(HANG_SECONDS, TimeUnit.SECONDS));

            assertThat(thrown).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(UncheckedIOException.class).hasMessageContaining("deserialization limits");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * shutdownNow leaves the futures of queued tasks incomplete (it hands back runnables instead). Through
     * runInExecutor nobody holds those runnables, so the stage never completes and the limiter's token is
     * never returned.
     */
    @Test
    void shutdownNowCancelsQueuedTasksSoTheirStagesCompleteAndTheirTokensReturn() throws Exception {
        String running = dir("running");
        ProcessPool pool = ProcessPool.builder().name("review-now").maxWorkers(1).build();
        CapacityLimiter limiter = CapacityLimiter.create(2);
        CompletableFuture<Long> blocked = Concurrency.runInExecutor(pool, limiter, () -> {
            Sync.touch(running + "/" + Sync.pid());
            Sync.awaitFile(running + "/never");
            return 0L;
        }).toCompletableFuture();
        CompletableFuture<Long> queued = Concurrency.runInExecutor(pool, limiter, () -> 7L).toCompletableFuture();
        Sync.awaitEntries(running, 1);

        List<Runnable> never = pool.shutdownNow();

        assertThat(never).as("the queued task is still handed back").hasSize(1);
        Throwable thrown = catchThrowable(() -> queued.get(HANG_SECONDS, TimeUnit.SECONDS));
        assertThat(thrown).as("the queued stage must complete").isNotInstanceOf(java.util.concurrent.TimeoutException.class);
        assertThat(catchThrowable(() -> blocked.get(HANG_SECONDS, TimeUnit.SECONDS)))
                .isNotInstanceOf(java.util.concurrent.TimeoutException.class);
        assertThat(blocked).isCompletedExceptionally();
        assertThat(limiter.borrowedTokens()).isZero();
        assertThat(pool.awaitTermination(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * The reader reports a worker's death only at EOF on its stdout. A child process the task started with
     * inherited stdout keeps that pipe open after the worker dies: the task's future never fails, the worker is
     * never replaced (the pool stays one worker short) and its reader thread stays blocked.
     */
    @Test
    void aWorkerThatDiesWhileItsChildHoldsStdoutStillFailsItsTaskIsReplacedAndLetsThePoolTerminate()
            throws Exception {
        String dir = dir("grandchild");
        ProcessPool pool = ProcessPool.builder().name("review-grandchild").maxWorkers(1).build();
        try {
            CompletableFuture<Integer> died = pool.submit(() -> {
                Process child = new ProcessBuilder("sleep", "300")
                        .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
                Files.createDirectories(Path.of(dir));
                Files.writeString(Path.of(dir, "child"), Long.toString(child.pid()));
                Runtime.getRuntime().halt(3);
                return 0;
            });

            Throwable thrown = catchThrowable(() -> died.get(HANG_SECONDS, TimeUnit.SECONDS));

            assertThat(thrown).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(WorkerDiedException.class);
            assertThat(thrown.getCause().getMessage()).endsWith(".");
            assertThat(pool.submit(() -> 5).get(HANG_SECONDS, TimeUnit.SECONDS)).as("a replacement runs tasks")
                    .isEqualTo(5);
            pool.shutdown();
            assertThat(pool.awaitTermination(HANG_SECONDS, TimeUnit.SECONDS))
                    .as("a reader stuck on the grandchild's pipe does not hold termination").isTrue();
        } finally {
            Path child = Path.of(dir, "child");
            if (Files.exists(child)) {
                ProcessHandle.of(Long.parseLong(Files.readString(child).strip()))
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
            pool.shutdownNow();
        }
    }

    /**
     * A named executor gets a 40-token limiter by default, so with a ProcessPool whose maxQueued is smaller
     * the pool's own refusal (RejectedExecutionException) reaches the exchange, which answers a logged 500
     * instead of the 503 + Retry-After that DESIGN §4 promises for saturation.
     */
    @Test
    void aFullQueueIsRefusedWithASentenceNamingThePoolAndItsBound() throws Exception {
        String running = dir("running");
        try (ProcessPool pool = ProcessPool.builder().name("full").maxWorkers(1).maxQueued(1).build()) {
            CompletableFuture<Integer> first = pool.submit(() -> {
                Sync.touch(running + "/first");
                Sync.awaitFile(running + "/release");
                return 1;
            });
            Sync.awaitFile(running + "/first");
            CompletableFuture<Integer> second = pool.submit(() -> 2);

            Throwable refused = catchThrowable(() -> pool.submit(() -> 3));

            assertThat(refused).isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("Process pool 'full'").hasMessageContaining("queue is full")
                    .hasMessageContaining("maxQueued is 1");
            assertThat(refused.getMessage()).endsWith(".");
            Sync.touch(running + "/release");
            assertThat(first.join() + second.join()).isEqualTo(3);
        }
    }

    @Test
    void aProcessPoolWhoseQueueIsFullAnswers503() throws Exception {
        ProcessPool pool = ProcessPool.builder().name("review-full").maxWorkers(1).maxQueued(1).build();
        Starling app = Starling.create(c -> c.port(0).executor("processes", pool));
        String started = tmp.resolve("started").toString();
        String release = tmp.resolve("release").toString();
        app.getAsync("/held", request -> Concurrency.runInExecutor("processes", () -> {
            Sync.touch(started);
            Sync.awaitFile(release);
            return 1L;
        }));
        TestClient client = TestClient.create(app, false);
        try {
            CompletableFuture<TestResponse> first = CompletableFuture.supplyAsync(() -> client.get("/held"));
            Sync.awaitFile(started);
            CompletableFuture<TestResponse> second = CompletableFuture.supplyAsync(() -> client.get("/held"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_SECONDS);
            while (pool.queued() < 1 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            assertThat(pool.queued()).isEqualTo(1);

            TestResponse third = client.get("/held");
            Sync.touch(release);

            assertThat(third.status()).as(third.text()).isEqualTo(503);
            first.get(HANG_SECONDS, TimeUnit.SECONDS);
            second.get(HANG_SECONDS, TimeUnit.SECONDS);
        } finally {
            Sync.touch(release);
            client.close();
            app.close();
            pool.close();
        }
    }

    /**
     * Futures complete on a worker's reader thread, and close() waits for that worker's exit, which only its
     * reader can report: closing the pool from code chained on a future waits for itself forever.
     */
    @Test
    void closingThePoolFromACallbackOfAResultDoesNotWaitForItself() throws Exception {
        String release = dir("release");
        ProcessPool pool = ProcessPool.builder().name("review-close").maxWorkers(1).build();
        try {
            CompletableFuture<Integer> result = pool.submit(() -> {
                Sync.awaitFile(release);
                return 1;
            });
            CompletableFuture<Void> closed = result.thenRun(pool::close);
            Sync.touch(release);

            Throwable thrown = catchThrowable(() -> closed.get(HANG_SECONDS, TimeUnit.SECONDS));

            assertThat(thrown).as("close() from the callback must return").isNull();
        } finally {
            pool.shutdownNow();
        }
    }

    /** A worker's exit is reported on the pool's own thread too: closing from there must not wait for itself. */
    @Test
    void closingThePoolFromACallbackOfADeadWorkersTaskDoesNotWaitForItself() throws Exception {
        String go = dir("go");
        ProcessPool pool = ProcessPool.builder().name("close-died").maxWorkers(1).build();
        try {
            CompletableFuture<Integer> died = pool.submit(() -> {
                Sync.awaitFile(go);
                Runtime.getRuntime().halt(4);
                return 0;
            });
            CompletableFuture<String> closedOn = died.handle((value, error) -> {
                pool.close();
                return Thread.currentThread().getName();
            });
            Sync.touch(go);

            Throwable thrown = catchThrowable(() -> closedOn.get(HANG_SECONDS, TimeUnit.SECONDS));

            assertThat(thrown).as("close() from the callback must return").isNull();
            assertThat(closedOn.join()).startsWith("starling-process-close-died-");
            assertThat(pool.awaitTermination(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The pool's watcher sees a worker's exit before the pool hears of it; the hook holds that report, so
     * the test sees the window in which the pool still counts the worker.
     */
    private static void holdExitReports(ProcessPool pool, String seen, String release) {
        pool.exitHookForTests = pid -> {
            Sync.touch(seen + "/" + pid);
            Sync.awaitFile(release);
        };
    }

    @Test
    void whenEndedOfARunningTaskCancelledWithInterruptCompletesOnlyOnceItsWorkerHasExited() throws Exception {
        String running = dir("running");
        String seen = dir("seen");
        String release = dir("release");
        ProcessPool pool = ProcessPool.builder().name("ended-kill").maxWorkers(1).build();
        holdExitReports(pool, seen, release);
        try {
            CompletableFuture<Long> task = pool.submit(() -> {
                Sync.touch(running + "/" + Sync.pid());
                Sync.awaitFile(running + "/never");
                return 0L;
            });
            Sync.awaitEntries(running, 1);
            long pid = Long.parseLong(tmp.resolve("running").toFile().list()[0]);
            CompletableFuture<?> ended = pool.whenEnded(task).toCompletableFuture();
            CompletableFuture<Boolean> aliveWhenEnded = ended.thenApply(
                    ignored -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));

            assertThat(task.cancel(true)).isTrue();

            assertThat(task).isCancelled();
            assertThat(ended).as("the worker is being killed, not yet gone").isNotDone();
            Sync.awaitEntries(seen, 1);
            assertThat(ended).as("the exit is not reported yet").isNotDone();
            Sync.touch(release);
            assertThat(aliveWhenEnded.get(HANG_SECONDS, TimeUnit.SECONDS)).isFalse();
        } finally {
            Sync.touch(release);
            pool.shutdownNow();
            // The hook writes into the temporary directory until the last worker's exit is reported.
            assertThat(pool.awaitTermination(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void whenEndedCompletesAtOnceForDoneOrQueuedTasksAndAfterTheRunOfOneCancelledWithoutInterrupt()
            throws Exception {
        String running = dir("running");
        String finish = dir("finish");
        try (ProcessPool pool = ProcessPool.builder().name("ended-run").maxWorkers(1).build()) {
            CompletableFuture<Integer> done = pool.submit(() -> 1);
            done.get(HANG_SECONDS, TimeUnit.SECONDS);
            assertThat(pool.whenEnded(done).toCompletableFuture()).as("a completed task").isDone();
            CompletableFuture<Long> task = pool.submit(() -> {
                Sync.touch(running + "/" + Sync.pid());
                Sync.awaitFile(finish);
                return Sync.pid();
            });
            Sync.awaitEntries(running, 1);
            long pid = Long.parseLong(tmp.resolve("running").toFile().list()[0]);
            CompletableFuture<Integer> queued = pool.submit(() -> 3);
            CompletableFuture<?> queuedEnded = pool.whenEnded(queued).toCompletableFuture();
            assertThat(queuedEnded).isNotDone();
            assertThat(queued.cancel(true)).isTrue();
            assertThat(queuedEnded).as("a task cancelled while queued never runs").isDone();
            CompletableFuture<?> ended = pool.whenEnded(task).toCompletableFuture();

            assertThat(task.cancel(false)).isTrue();

            assertThat(ended).as("the task still runs in its worker").isNotDone();
            Sync.touch(finish);
            ended.get(HANG_SECONDS, TimeUnit.SECONDS);
            assertThat(pool.submit(Sync::pid).get(HANG_SECONDS, TimeUnit.SECONDS)).as("its worker was not killed")
                    .isEqualTo(pid);
        }
    }

    @Test
    void aTaskHandedToAnIdleWorkerThatDiedUnseenIsRequeuedAndRunsOnItsReplacement() throws Exception {
        String seen = dir("seen");
        String release = dir("release");
        ProcessPool pool = ProcessPool.builder().name("requeue").maxWorkers(1).build();
        holdExitReports(pool, seen, release);
        try {
            long pid = pool.submit(Sync::pid).get(HANG_SECONDS, TimeUnit.SECONDS);
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            Sync.awaitEntries(seen, 1);
            assertThat(pool.pids()).as("the pool has not heard of the death yet").containsExactly(pid);

            CompletableFuture<Long> next = pool.submit(Sync::pid);
            Sync.touch(release);

            assertThat(next.get(HANG_SECONDS, TimeUnit.SECONDS)).isNotEqualTo(pid);
            assertThat(pool.failedTasks()).isZero();
        } finally {
            Sync.touch(release);
            pool.shutdownNow();
            // The hook writes into the temporary directory until the last worker's exit is reported.
            assertThat(pool.awaitTermination(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aWorkerPrintingALongLineToStderrHasItCut() throws Exception {
        try (ProcessPool pool = ProcessPool.builder().name("long-line").maxWorkers(1).build()) {
            CompletableFuture<Integer> died = pool.submit(() -> {
                System.err.print("x".repeat(50_000));
                System.err.flush();
                Runtime.getRuntime().halt(5);
                return 0;
            });

            Throwable thrown = catchThrowable(() -> died.get(HANG_SECONDS, TimeUnit.SECONDS));

            assertThat(thrown).isInstanceOf(ExecutionException.class).cause().isInstanceOf(WorkerDiedException.class)
                    .hasMessageContaining("line cut at 8192 characters");
            assertThat(thrown.getCause().getMessage().length()).isLessThan(8192 + 400);
            assertThat(thrown.getCause().getMessage()).endsWith(".");
        }
    }
}
