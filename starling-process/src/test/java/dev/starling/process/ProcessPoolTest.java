package dev.starling.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.example.outside.Payload;
import dev.starling.concurrent.SerializableCallable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ProcessPool, with tests ported from CPython's test_concurrent_futures where they apply and Starling's own
 * for failures Python does not survive. Tasks synchronize with the test through files (see {@link Sync}).
 */
class ProcessPoolTest {

    /** Two workers that only ever run well-behaved tasks, shared by the tests that do not kill or break. */
    private static ProcessPool shared;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startShared() {
        shared = ProcessPool.builder().name("shared").maxWorkers(2).maxQueued(64).build();
    }

    @AfterAll
    static void stopShared() {
        shared.close();
    }

    private String dir(String name) {
        return tmp.resolve(name).toString();
    }

    private static Throwable failure(CompletableFuture<?> future) {
        Throwable thrown = catchThrowable(future::join);
        assertThat(thrown).as("the future should have failed").isInstanceOf(CompletionException.class);
        return thrown.getCause();
    }

    static int explode() {
        throw new IllegalStateException("boom in the worker");
    }

    /** An exception whose field does not serialize, so it cannot travel as itself. */
    static final class Unsendable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        @SuppressWarnings({"unused", "serial"})
        private final Object handle = new Object();

        Unsendable(String message) {
            super(message);
        }
    }

    // ---- Ported from CPython -------------------------------------------------------------------------------

    @Test
    void sequentialJobsReuseOneProcess() {
        String ready = dir("ready");
        // Both workers must be up first, or one becoming ready later would take the next task.
        List<CompletableFuture<Long>> warm = List.of(
                shared.submit(() -> Sync.barrier(ready, 2)), shared.submit(() -> Sync.barrier(ready, 2)));
        warm.forEach(CompletableFuture::join);
        Set<Long> pids = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            pids.add(shared.submit(Sync::pid).join());
        }
        assertThat(pids).hasSize(1);
    }

    @Test
    void fifteenTimesMaxWorkersBlockedJobsUseOnlyMaxWorkersProcesses() {
        String started = dir("started");
        long replacedBefore = shared.replacedWorkers();
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            futures.add(shared.submit(() -> Sync.barrier(started, 2)));
        }
        Set<Long> pids = new HashSet<>();
        futures.forEach(future -> pids.add(future.join()));
        assertThat(pids).hasSize(2);
        assertThat(Sync.entries(started)).isEqualTo(2);
        assertThat(shared.replacedWorkers()).isEqualTo(replacedBefore);
        assertThat(shared.pids()).containsExactlyInAnyOrderElementsOf(pids);
    }

    @Test
    void killedChildFailsItsTaskAndQueuedTasksSurvive() throws Exception {
        String running = dir("running");
        try (ProcessPool pool = ProcessPool.builder().name("killed").maxWorkers(1).build()) {
            CompletableFuture<Long> victim = pool.submit(() -> {
                Sync.touch(running + "/" + Sync.pid());
                Sync.awaitFile(running + "/never");
                return Sync.pid();
            });
            CompletableFuture<Long> queued1 = pool.submit(Sync::pid);
            CompletableFuture<Long> queued2 = pool.submit(Sync::pid);
            Sync.awaitEntries(running, 1);
            long pid;
            try (Stream<Path> files = Files.list(Path.of(running))) {
                pid = Long.parseLong(files.findFirst().orElseThrow().getFileName().toString());
            }
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();

            Throwable died = failure(victim);
            assertThat(died).isInstanceOf(WorkerDiedException.class)
                    .hasMessageContaining("pid " + pid).hasMessageContaining("137").hasMessageContaining("signal 9")
                    .hasMessageContaining(ProcessPoolTest.class.getName());
            assertThat(((WorkerDiedException) died).exitCode()).isEqualTo(137);
            assertThat(queued1.join()).isNotEqualTo(pid).isEqualTo(queued2.join());
            assertThat(pool.replacedWorkers()).isEqualTo(1);
        }
    }

    @Test
    void remoteTracebackKeepsTypeMessageAndWorkerFrames() {
        Throwable error = failure(shared.submit(ProcessPoolTest::explode));
        assertThat(error).isInstanceOf(IllegalStateException.class).hasMessage("boom in the worker");
        assertThat(error.getStackTrace()).anyMatch(frame -> frame.getMethodName().equals("explode"))
                .anyMatch(frame -> frame.getClassName().equals(Worker.class.getName()));
        assertThat(error.getSuppressed()).singleElement().asString().contains("worker pid")
                .contains("process pool 'shared'");
    }

    @Test
    void exceptionThatCannotTravelComesBackAsRemoteTaskException() {
        Throwable error = failure(shared.submit(() -> {
            throw new Unsendable("with a handle");
        }));
        assertThat(error).isInstanceOf(RemoteTaskException.class)
                .hasMessage(Unsendable.class.getName() + ": with a handle");
        assertThat(((RemoteTaskException) error).remoteClassName()).isEqualTo(Unsendable.class.getName());
        assertThat(error.getStackTrace()).anyMatch(frame -> frame.getClassName().equals(Worker.class.getName()));
    }

    @Test
    void initializerRunsOnceInEveryWorker() {
        String inits = dir("inits");
        String ready = dir("ready");
        try (ProcessPool pool = ProcessPool.builder().name("init").maxWorkers(2)
                .initializer(() -> Sync.touch(inits + "/" + Sync.pid())).build()) {
            Set<Long> pids = new HashSet<>();
            List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                futures.add(pool.submit(() -> Sync.barrier(ready, 2)));
            }
            futures.forEach(future -> pids.add(future.join()));
            assertThat(pids).hasSize(2);
            assertThat(Sync.entries(inits)).isEqualTo(2);
            for (long pid : pids) {
                assertThat(Path.of(inits, Long.toString(pid))).exists();
            }
        }
    }

    @Test
    void failingInitializerBreaksThePool() throws Exception {
        ProcessPool pool = ProcessPool.builder().name("badinit").maxWorkers(1)
                .initializer(() -> {
                    throw new IllegalStateException("no model file");
                }).build();
        Throwable first = catchThrowable(() -> pool.submit(() -> 1).join());
        Throwable rejected = first instanceof CompletionException ? first.getCause() : first;
        assertThat(rejected).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("initializer").hasMessageContaining("no model file");
        assertThatThrownBy(() -> pool.submit(() -> 2)).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("is broken").hasMessageContaining("no model file")
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThat(pool.isShutdown()).isTrue();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void maxTasksPerChildOneGivesEveryTaskANewProcess() {
        try (ProcessPool pool = ProcessPool.builder().name("once").maxWorkers(1).maxTasksPerChild(1).build()) {
            Set<Long> pids = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                pids.add(pool.submit(Sync::pid).join());
            }
            assertThat(pids).hasSize(3);
        }
    }

    @Test
    void shutdownWithCancelFuturesCancelsQueuedTasksOnly() throws Exception {
        String running = dir("running");
        String ran = dir("ran");
        ProcessPool pool = ProcessPool.builder().name("cancel").maxWorkers(1).build();
        CompletableFuture<Integer> first = pool.submit(() -> {
            Sync.touch(running + "/first");
            Sync.awaitFile(running + "/release");
            return 1;
        });
        List<CompletableFuture<Integer>> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            queued.add(pool.submit(() -> {
                Sync.touch(ran + "/" + System.nanoTime());
                return 2;
            }));
        }
        Sync.awaitFile(running + "/first");
        pool.shutdown(false, true);
        assertThat(queued).allMatch(CompletableFuture::isCancelled);
        Sync.touch(running + "/release");
        assertThat(first.join()).isEqualTo(1);
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Sync.entries(ran)).isZero();
    }

    @Test
    void submitAfterShutdownIsRejected() {
        ProcessPool pool = ProcessPool.builder().name("closed").maxWorkers(1).build();
        pool.shutdown();
        assertThatThrownBy(() -> pool.submit(() -> 1)).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("shut down");
        assertThatThrownBy(() -> pool.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        pool.close();
        assertThat(pool.isTerminated()).isTrue();
    }

    // ---- Starling's own ------------------------------------------------------------------------------------

    @Test
    void exitHaltAndOutOfMemoryEachFailOnlyTheirTask() {
        try (ProcessPool pool = ProcessPool.builder().name("deaths").maxWorkers(1).jvmOptions("-Xmx32m").build()) {
            Throwable exit = failure(pool.submit(() -> {
                System.exit(3);
                return 0;
            }));
            assertThat(exit).isInstanceOf(WorkerDiedException.class).hasMessageContaining("exit code 3 ");
            assertThat(((WorkerDiedException) exit).exitCode()).isEqualTo(3);

            Throwable halt = failure(pool.submit(() -> {
                Runtime.getRuntime().halt(7);
                return 0;
            }));
            assertThat(((WorkerDiedException) halt).exitCode()).isEqualTo(7);

            Throwable oom = failure(pool.submit(() -> {
                List<long[]> hog = new ArrayList<>();
                while (true) {
                    hog.add(new long[1 << 20]);
                }
            }));
            assertThat(oom).isInstanceOf(WorkerDiedException.class).hasMessageContaining("OutOfMemoryError");
            assertThat(pool.submit(() -> 40 + 2).join()).isEqualTo(42);
            assertThat(pool.replacedWorkers()).isEqualTo(3);
        }
    }

    @Test
    void timeoutKillsTheWorkerAndTheNextTaskRuns() {
        String never = dir("never");
        try (ProcessPool pool = ProcessPool.builder().name("slow").maxWorkers(1)
                .taskTimeout(Duration.ofSeconds(3)).build()) {
            long before = pool.submit(Sync::pid).join();
            Throwable timeout = failure(pool.submit(() -> {
                Sync.awaitFile(never);
                return 0;
            }));
            assertThat(timeout).isInstanceOf(TaskTimeoutException.class)
                    .hasMessageContaining("pid " + before).hasMessageContaining("PT3S")
                    .hasMessageContaining(ProcessPoolTest.class.getName());
            // Reaped already (empty) or exiting: either way it must end up dead.
            assertThat(ProcessHandle.of(before).map(handle -> handle.onExit().join().isAlive()).orElse(false))
                    .isFalse();
            assertThat(pool.submit(Sync::pid).join()).isNotEqualTo(before);
        }
    }

    @Test
    void cancelRemovesAQueuedTaskAndKillsTheWorkerOfARunningOne() {
        String running = dir("running");
        String ran = dir("ran");
        try (ProcessPool pool = ProcessPool.builder().name("cancels").maxWorkers(1).build()) {
            CompletableFuture<Long> first = pool.submit(() -> {
                Sync.touch(running + "/" + Sync.pid());
                Sync.awaitFile(running + "/never");
                return Sync.pid();
            });
            CompletableFuture<Integer> queued = pool.submit(() -> {
                Sync.touch(ran + "/queued");
                return 1;
            });
            Sync.awaitEntries(running, 1);
            long pid = Long.parseLong(tmp.resolve("running").toFile().list()[0]);
            assertThat(queued.cancel(true)).isTrue();
            assertThat(first.cancel(true)).isTrue();
            assertThat(ProcessHandle.of(pid).map(handle -> handle.onExit().join().isAlive()).orElse(false))
                    .isFalse();
            assertThat(pool.submit(Sync::pid).join()).isNotEqualTo(pid);
            assertThat(Path.of(ran, "queued")).doesNotExist();
        }
    }

    @Test
    void nonSerializableTaskFailsAtSubmissionNamingTheClass() {
        Object handle = new Object();
        CompletableFuture<Integer> future = shared.submit(() -> handle.hashCode());
        assertThat(future).isCompletedExceptionally();
        assertThat(failure(future)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("java.lang.Object").hasMessageContaining("not serializable");

        Callable<Integer> plain = () -> 1;
        Future<Integer> notSerializable = shared.submit(plain);
        assertThat(catchThrowable(notSerializable::get)).isInstanceOf(ExecutionException.class)
                .cause().hasMessageContaining(ProcessPoolTest.class.getName() + "$$Lambda");
        assertThat(shared.submit(() -> 1 + 1).join()).isEqualTo(2);
    }

    @Test
    void nonSerializableResultFailsThatTaskOnly() {
        long replacedBefore = shared.replacedWorkers();
        Throwable error = failure(shared.submit(Object::new));
        assertThat(error).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("java.lang.Object").hasMessageContaining("cannot be sent back");
        assertThat(shared.submit(() -> "still here").join()).isEqualTo("still here");
        assertThat(shared.replacedWorkers()).isEqualTo(replacedBefore);
    }

    @Test
    void classOutsideTheAllowListIsRefusedWithASentenceSayingHowToAllowIt() {
        Throwable error = failure(shared.submit(() -> new Payload("hi")));
        assertThat(error).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("Class com.example.outside.Payload was refused")
                .hasMessageContaining("allowClasses(\"com.example.outside.Payload\")");
        try (ProcessPool pool = ProcessPool.builder().name("allowed").maxWorkers(1)
                .allowClasses("com.example.outside.*").build()) {
            assertThat(pool.submit(() -> new Payload("hi")).join()).isEqualTo(new Payload("hi"));
        }
        // Sending an instance of the class allows its package: the parent made that data itself.
        Payload captured = new Payload("there");
        assertThat(shared.submit(() -> captured.text()).join()).isEqualTo("there");
        assertThat(shared.submit(() -> new Payload("back")).join()).isEqualTo(new Payload("back"));
    }

    @Test
    void workersHaveNoSocketFileDescriptors() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux's /proc");
        long pid = shared.submit(Sync::pid).join();
        List<String> targets = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    targets.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException ignored) {
                    // Closed while listing.
                }
            }
        }
        assertThat(targets).anyMatch(target -> target.startsWith("pipe:"));
        assertThat(targets).noneMatch(target -> target.startsWith("socket:"));
    }

    @Test
    void noOrphanWorkersAfterClose() {
        String ready = dir("ready");
        ProcessPool pool = ProcessPool.builder().name("orphans").maxWorkers(2).build();
        List<CompletableFuture<Long>> futures = List.of(
                pool.submit(() -> Sync.barrier(ready, 2)), pool.submit(() -> Sync.barrier(ready, 2)));
        List<Long> pids = futures.stream().map(CompletableFuture::join).toList();
        assertThat(pool.pids()).containsExactlyInAnyOrderElementsOf(pids);
        pool.close();
        assertThat(pool.isTerminated()).isTrue();
        assertThat(pool.pids()).isEmpty();
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid " + pid).isFalse();
        }
    }

    @Test
    void invokeAllAndInvokeAnyFollowTheExecutorServiceContract() throws Exception {
        List<Callable<Integer>> tasks = List.of((SerializableCallable<Integer>) () -> 1,
                (SerializableCallable<Integer>) () -> 2, () -> 3);
        List<Future<Integer>> futures = shared.invokeAll(tasks);
        assertThat(futures.get(0).get()).isEqualTo(1);
        assertThat(futures.get(1).get()).isEqualTo(2);
        assertThat(catchThrowable(futures.get(2)::get)).isInstanceOf(ExecutionException.class)
                .cause().hasMessageContaining("not serializable");
        assertThat(shared.invokeAny(tasks)).isIn(1, 2);
    }

    @Test
    void queueIsBounded() {
        String running = dir("running");
        try (ProcessPool pool = ProcessPool.builder().name("bounded").maxWorkers(1).maxQueued(1).build()) {
            CompletableFuture<Integer> first = pool.submit(() -> {
                Sync.touch(running + "/first");
                Sync.awaitFile(running + "/release");
                return 1;
            });
            Sync.awaitFile(running + "/first");
            CompletableFuture<Integer> second = pool.submit(() -> 2);
            assertThatThrownBy(() -> pool.submit(() -> 3)).isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("maxQueued");
            Sync.touch(running + "/release");
            assertThat(first.join() + second.join()).isEqualTo(3);
        }
    }

    @Test
    void shutdownNowKillsWorkersAndReturnsTasksThatNeverStarted() throws Exception {
        String running = dir("running");
        ProcessPool pool = ProcessPool.builder().name("now").maxWorkers(1).build();
        CompletableFuture<Long> blocked = pool.submit(() -> {
            Sync.touch(running + "/" + Sync.pid());
            Sync.awaitFile(running + "/never");
            return 0L;
        });
        CompletableFuture<Long> queued = pool.submit(() -> 7L);
        Sync.awaitEntries(running, 1);
        long pid = Long.parseLong(tmp.resolve("running").toFile().list()[0]);
        List<Runnable> never = pool.shutdownNow();
        assertThat(blocked).isCancelled();
        assertThat(never).hasSize(1);
        assertThat(queued).as("a never-started task's future is cancelled, so nobody waits for it").isCancelled();
        never.get(0).run();
        assertThat(queued).as("running the returned task drops its result").isCancelled();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void builderRefusesSettingsThatMakeNoSense() {
        assertThatThrownBy(() -> ProcessPool.builder().maxWorkers(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one worker");
        assertThatThrownBy(() -> ProcessPool.builder().maxQueued(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcessPool.builder().taskTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcessPool.builder().allowClasses("a;b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void workersThatCannotStartBreakThePoolWithTheirStderr() {
        ProcessPool pool = ProcessPool.builder().name("badjvm").maxWorkers(1).jvmOptions("-XX:+NoSuchOption").build();
        Throwable first = catchThrowable(() -> pool.submit(() -> 1).join());
        Throwable rejected = first instanceof CompletionException ? first.getCause() : first;
        assertThat(rejected).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("before it was ready").hasMessageContaining("NoSuchOption");
        assertThatThrownBy(() -> pool.submit(() -> 2)).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("is broken");
        pool.close();
        assertThat(pool.isTerminated()).isTrue();
    }

    @Test
    void workersDieWithAParentThatIsKilled() throws Exception {
        Process parent = parentJvm("orphan", 1);
        try {
            ProcessHandle worker = workerPids(parent).get(0);
            assertThat(worker.parent().map(ProcessHandle::pid)).contains(parent.pid());
            // SIGKILL: no shutdown hook runs, so only the worker's own watch on stdin and its parent can end it.
            parent.toHandle().destroyForcibly();
            worker.onExit().get(30, TimeUnit.SECONDS);
            assertThat(worker.isAlive()).isFalse();
        } finally {
            parent.destroyForcibly();
        }
    }

    @Test
    void sigtermToTheParentClosesItsWorkersWithoutWarningsOrReplacements() throws Exception {
        Process parent = parentJvm("exit-term", 2);
        try {
            List<ProcessHandle> workers = workerPids(parent);
            // As systemd or docker stop would (Process.destroy would also close the pipe the test reads).
            assertThat(new ProcessBuilder("kill", "-TERM", "" + parent.pid()).start().waitFor()).isZero();
            assertThat(parent.waitFor(60, TimeUnit.SECONDS)).as("the parent exits").isTrue();
            assertThat(parent.exitValue()).isEqualTo(143);
            assertEndedQuietly(parent, workers);
        } finally {
            parent.destroyForcibly();
        }
    }

    @Test
    void ctrlCInATerminalClosesTheWorkersWithoutWarningsOrReplacements() throws Exception {
        // Ctrl-C signals the terminal's whole process group: the parent and every worker get SIGINT.
        Process parent = parentJvm("exit-int", 2, "setsid");
        try {
            List<ProcessHandle> workers = workerPids(parent);
            String stat = Files.readString(Path.of("/proc/" + parent.pid() + "/stat"));
            String group = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2];
            assertThat(new ProcessBuilder("kill", "-INT", "--", "-" + group).start().waitFor()).isZero();
            assertThat(parent.waitFor(60, TimeUnit.SECONDS)).as("the parent exits").isTrue();
            assertThat(parent.exitValue()).isEqualTo(130);
            assertEndedQuietly(parent, workers);
        } finally {
            parent.destroyForcibly();
        }
    }

    @Test
    void aRoutesFirstTaskSetsUpNoSerializationOnTheEventLoopTheBuildOfThePoolDidIt() throws Exception {
        // A fresh JVM, since this one has long set up serialization; it records which classes its loops load.
        Process cold = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ColdFirstTask.class.getName())
                .redirectErrorStream(true).start();
        List<String> lines;
        try (var out = cold.inputReader()) {
            lines = out.lines().toList();
        } finally {
            cold.destroyForcibly();
        }
        assertThat(lines).as("the cold JVM's output").contains("answer 200 42");
        List<String> onLoops = lines.stream().filter(line -> line.startsWith("loop ")).map(line -> line.substring(5))
                .toList();
        // The loop still sees the route's first remote call (the classes of that path in starling-core); it must
        // no longer be where Java serialization is set up.
        assertThat(onLoops).as("classes loaded on event loops").isNotEmpty()
                .noneMatch(name -> name.startsWith("java.io.Object")
                        || name.equals("java.lang.invoke.SerializedLambda"));
    }

    /** Starts {@link OrphanParent} with a pool called {@code name} of {@code workers}, after {@code prefix}. */
    private static Process parentJvm(String name, int workers, String... prefix) throws IOException {
        List<String> command = new ArrayList<>(List.of(prefix));
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OrphanParent.class.getName(), name, "" + workers));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Reads the parent's output up to its {@code pids} line and returns those workers. */
    private static List<ProcessHandle> workerPids(Process parent) throws IOException {
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(parent.getInputStream()));
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("pids ")) {
                return Stream.of(line.substring(5).split(" "))
                        .map(pid -> ProcessHandle.of(Long.parseLong(pid)).orElseThrow()).toList();
            }
        }
        throw new AssertionError("The parent JVM ended before it printed its workers' pids.");
    }

    /** Asserts every worker is gone and the parent said nothing of killed, lost or replaced workers. */
    private static void assertEndedQuietly(Process parent, List<ProcessHandle> workers) throws Exception {
        String rest = new String(parent.getInputStream().readAllBytes());
        assertThat(rest).as("what the parent printed while it stopped").contains("terminated true, replaced 0");
        assertThat(rest).as("what the parent logged while it stopped")
                .doesNotContain("WARN").doesNotContain("ERROR").doesNotContain("starting a new one")
                .doesNotContain("exited with code");
        for (ProcessHandle worker : workers) {
            worker.onExit().get(30, TimeUnit.SECONDS);
            assertThat(worker.isAlive()).isFalse();
        }
    }
}
