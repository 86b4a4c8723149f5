package dev.starling.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.cluster.MemberSelector;
import com.hazelcast.cluster.memberselector.MemberSelectors;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.IExecutorService;
import dev.starling.concurrent.SerializableCallable;
import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks on an embedded cluster of two members on 127.0.0.1, and on a third member that leaves mid-run.
 * Members share this JVM, so tasks signal the test through static latches.
 */
@Timeout(60)
class HazelcastExecutorTest {

    private static final String CLUSTER = "starling-test-" + UUID.randomUUID();
    private static final String EXECUTOR = "starling";
    /** Bounds every wait on a future, so a hang fails the test instead of the build. */
    private static final long HANG_SECONDS = 20;

    private static int basePort;
    private static HazelcastInstance caller;
    private static HazelcastInstance other;

    /** Counted down by a blocking task once it runs. */
    static volatile CountDownLatch started;
    /** Awaited by a blocking task; counted down to let it finish. */
    static volatile CountDownLatch release;
    /** Counted down by a blocking task that was interrupted. */
    static volatile CountDownLatch interrupted;

    @BeforeAll
    static void startCluster() {
        basePort = freePorts(4);
        caller = member("caller");
        other = member("other");
    }

    @AfterAll
    static void stopCluster() {
        if (other != null) {
            other.getLifecycleService().terminate();
        }
        if (caller != null) {
            caller.getLifecycleService().terminate();
        }
    }

    @BeforeEach
    void resetLatches() {
        started = new CountDownLatch(1);
        release = new CountDownLatch(1);
        interrupted = new CountDownLatch(1);
    }

    @Test
    void workLandsOnBothMembers() throws Exception {
        HazelcastExecutor executor = HazelcastExecutor.create(service());

        List<CompletableFuture<String>> results = IntStream.range(0, 40)
                .mapToObj(i -> executor.submit(new WhereAmI()))
                .toList();

        Set<String> members = new HashSet<>();
        for (CompletableFuture<String> result : results) {
            members.add(result.orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get());
        }
        assertThat(members).containsExactlyInAnyOrder(caller.getName(), other.getName());
    }

    @Test
    void onMembersKeepsWorkOffTheLocalMember() throws Exception {
        HazelcastExecutor executor = HazelcastExecutor.builder(service())
                .onMembers(MemberSelectors.NON_LOCAL_MEMBER_SELECTOR)
                .build();

        for (int i = 0; i < 10; i++) {
            assertThat(executor.submit(new WhereAmI()).orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get())
                    .isEqualTo(other.getName());
        }
    }

    @Test
    void capturedValuesTravelWithTheTask() throws Exception {
        HazelcastExecutor executor = HazelcastExecutor.builder(service())
                .onMembers(MemberSelectors.NON_LOCAL_MEMBER_SELECTOR)
                .build();
        String requestId = "request-" + UUID.randomUUID();
        // Like the wrapper core puts around a task: serializable context around the user's lambda.
        SerializableCallable<String> task = new WithContext<>(Map.of("requestId", requestId),
                () -> "ran for " + WithContext.CONTEXT.get().get("requestId"));

        assertThat(executor.submit(task).orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get())
                .isEqualTo("ran for " + requestId + " on " + other.getName());
    }

    static final dev.starling.concurrent.ContextKey<String> TENANT = dev.starling.concurrent.ContextKey.create("tenant");

    @Test
    void anEndpointSendsWorkToTheClusterWithItsContextAndAnswersFromItsLoop() {
        HazelcastExecutor cluster = HazelcastExecutor.builder(service())
                .onMembers(MemberSelectors.NON_LOCAL_MEMBER_SELECTOR)
                .build();
        dev.starling.Starling app = dev.starling.Starling.create(c -> c.port(0).executor("cluster", cluster));
        app.getAsync("/where", request -> {
            org.slf4j.MDC.put("requestId", "r-17");
            TENANT.set("acme");
            try {
                return dev.starling.concurrent.Concurrency.runInExecutor("cluster", () ->
                                HazelcastExecutor.member().map(HazelcastInstance::getName).orElse("no member")
                                        + " " + org.slf4j.MDC.get("requestId") + " " + TENANT.get().orElse("none"))
                        .thenApply(answer -> answer + " " + Thread.currentThread().getName().startsWith("starling-loop-"));
            } finally {
                org.slf4j.MDC.remove("requestId");
                TENANT.remove();
            }
        });
        try (dev.starling.testing.TestClient client = dev.starling.testing.TestClient.create(app)) {
            dev.starling.testing.TestResponse response = client.get("/where");

            assertThat(response.status()).as(response.text()).isEqualTo(200);
            assertThat(response.text()).isEqualTo(other.getName() + " r-17 acme true");
        } finally {
            app.close();
        }
    }

    @Test
    void resultsAndExceptionsComeBack() throws Exception {
        HazelcastExecutor executor = HazelcastExecutor.builder(service())
                .onMembers(MemberSelectors.NON_LOCAL_MEMBER_SELECTOR)
                .build();

        assertThat(executor.submit(() -> List.of(1, 2, 3)).orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get())
                .containsExactly(1, 2, 3);
        assertThat(executor.submit(() -> null).orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get()).isNull();
        SerializableCallable<String> unchecked = () -> {
            throw new IllegalStateException("The ledger is closed.");
        };
        assertThatThrownBy(() -> executor.submit(unchecked).orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get())
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("The ledger is closed.");
        SerializableCallable<String> checked = () -> {
            throw new IOException("The disk is full.");
        };
        assertThatThrownBy(() -> executor.submit(checked).orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get())
                .cause()
                .isInstanceOf(IOException.class)
                .hasMessage("The disk is full.");
    }

    @Test
    void aTaskThatCannotBeSerializedFailsItsFutureOnly() throws Exception {
        HazelcastExecutor executor = HazelcastExecutor.create(service());
        Object notSerializable = new Object();
        SerializableCallable<String> task = () -> notSerializable.toString();

        CompletableFuture<String> result = executor.submit(task);

        assertThatThrownBy(() -> result.orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get())
                .cause()
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Task " + task.getClass().getName() + " cannot be serialized")
                .hasMessageContaining("java.lang.Object is not Serializable");
        assertThat(executor.submit(() -> "still working").orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get())
                .isEqualTo("still working");
    }

    @Test
    void aResultThatCannotBeSerializedFailsItsFutureOnly() throws Exception {
        HazelcastExecutor executor = HazelcastExecutor.builder(service())
                .onMembers(MemberSelectors.NON_LOCAL_MEMBER_SELECTOR)
                .build();

        CompletableFuture<Object> result = executor.submit(Object::new);

        assertThatThrownBy(() -> result.orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get())
                .cause()
                .hasMessageContaining("java.lang.Object");
        assertThat(executor.submit(() -> "still working").orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get())
                .isEqualTo("still working");
    }

    @Test
    void executeAcceptsOnlySerializableRunnables() throws Exception {
        HazelcastExecutor executor = HazelcastExecutor.create(service());

        assertThatThrownBy(() -> executor.execute(() -> { }))
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("is not Serializable");
        executor.execute((Runnable & Serializable) () -> started.countDown());
        assertThat(started.await(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void cancelStopsTheRunningTask() throws Exception {
        HazelcastExecutor executor = HazelcastExecutor.builder(service())
                .onMembers(MemberSelectors.NON_LOCAL_MEMBER_SELECTOR)
                .build();

        CompletableFuture<String> result = executor.submit(new Blocking());
        assertThat(started.await(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(result.cancel(true)).isTrue();

        assertThat(result).isCancelled();
        assertThatThrownBy(result::join).isInstanceOf(CancellationException.class);
        assertThat(interrupted.await(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aTimeoutStopsTheRunningTask() throws Exception {
        HazelcastExecutor executor = HazelcastExecutor.builder(service())
                .onMembers(MemberSelectors.NON_LOCAL_MEMBER_SELECTOR)
                .build();

        CompletableFuture<String> result = executor.submit(new Blocking());
        assertThat(started.await(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
        result.completeExceptionally(new TimeoutException("The caller gave up."));

        assertThat(interrupted.await(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(result::join).cause().isInstanceOf(TimeoutException.class);
    }

    @Test
    void aMemberThatLeavesMidRunFailsTheTask() throws Exception {
        HazelcastInstance doomed = member("doomed");
        try {
            UUID doomedId = doomed.getCluster().getLocalMember().getUuid();
            HazelcastExecutor executor = HazelcastExecutor.builder(service())
                    .onMembers(member -> member.getUuid().equals(doomedId))
                    .build();

            CompletableFuture<String> result = executor.submit(new Blocking());
            assertThat(started.await(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
            doomed.getLifecycleService().terminate();

            assertThatThrownBy(() -> result.orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get())
                    .satisfies(e -> LoggerFactory.getLogger(HazelcastExecutorTest.class).info("Lost task", e))
                    .cause()
                    .isInstanceOf(TaskLostException.class)
                    .hasMessageContaining("The member running task " + Blocking.class.getName() + " left the cluster")
                    .hasMessageContaining("attempt 1 of 1");
        } finally {
            doomed.getLifecycleService().terminate();
            release.countDown();
        }
    }

    @Test
    void anIdempotentTaskRunsAgainOnAnotherMember() throws Exception {
        HazelcastInstance doomed = member("doomed");
        try {
            UUID doomedId = doomed.getCluster().getLocalMember().getUuid();
            AtomicBoolean doomedAlive = new AtomicBoolean(true);
            // The first attempt can only go to the doomed member, the retry only to the other one.
            MemberSelector selector = member -> doomedAlive.get()
                    ? member.getUuid().equals(doomedId)
                    : member.getUuid().equals(other.getCluster().getLocalMember().getUuid());
            HazelcastExecutor executor = HazelcastExecutor.builder(service())
                    .onMembers(selector)
                    .retries(1)
                    .build();

            CompletableFuture<String> result = executor.submit(new Blocking(true));
            assertThat(started.await(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
            doomedAlive.set(false);
            doomed.getLifecycleService().terminate();

            assertThat(result.orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get()).isEqualTo("done@" + other.getName());
        } finally {
            doomed.getLifecycleService().terminate();
            release.countDown();
        }
    }

    @Test
    void futuresCompleteOnTheGivenExecutor() throws Exception {
        ExecutorService completions = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("completions").factory());
        try {
            HazelcastExecutor executor = HazelcastExecutor.builder(service())
                    .onMembers(MemberSelectors.NON_LOCAL_MEMBER_SELECTOR)
                    .completeOn(completions)
                    .build();

            // The task waits until the dependent stage is attached, so it cannot complete before and run it here.
            CompletableFuture<String> thread = executor.submit(new Blocking())
                    .thenApply(value -> Thread.currentThread().getName());
            assertThat(started.await(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
            release.countDown();

            assertThat(thread.orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get()).isEqualTo("completions");
        } finally {
            completions.shutdownNow();
        }
    }

    @Test
    void aRoutesFirstTaskSetsUpNeitherSerializationNorPartitionsOnTheEventLoopBuildingTheExecutorDidIt()
            throws Exception {
        // A fresh JVM with a fresh one-member cluster, since this one has long done both; it records which
        // classes its loops load.
        int port = freePorts(1);
        Process cold = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ColdFirstTask.class.getName(), "" + port,
                "starling-cold-" + UUID.randomUUID()).redirectErrorStream(true).start();
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
        // no longer be where Java serialization is set up or the cluster's partitions are first arranged.
        assertThat(onLoops).as("classes loaded on event loops").isNotEmpty()
                .noneMatch(name -> name.startsWith("java.io.Object") || name.equals("java.lang.invoke.SerializedLambda")
                        || name.startsWith("com.hazelcast.internal.partition.impl.PartitionStateGenerator"));
    }

    private static IExecutorService service() {
        return caller.getExecutorService(EXECUTOR);
    }

    private static HazelcastInstance member(String name) {
        Config config = new Config();
        config.setClusterName(CLUSTER);
        config.setInstanceName(name + "-" + UUID.randomUUID());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        // Short timeouts, so a terminated member is noticed in seconds, and no wait before joining.
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
        config.getJetConfig().setEnabled(false);
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(basePort).setPortAutoIncrement(true).setPortCount(4);
        network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (int port = basePort; port < basePort + 4; port++) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + port);
        }
        return Hazelcast.newHazelcastInstance(config);
    }

    /** Returns the first of {@code count} consecutive free ports from 5701 up. */
    private static int freePorts(int count) {
        for (int base = 5701; base < 6701; base += count) {
            if (IntStream.range(base, base + count).allMatch(HazelcastExecutorTest::free)) {
                return base;
            }
        }
        throw new IllegalStateException("No " + count + " consecutive free ports between 5701 and 6700.");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.isBound();
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs a task with a context in a thread-local, and says on which member it ran. */
    static final class WithContext<T> implements SerializableCallable<String>, HazelcastInstanceAware {

        static final ThreadLocal<Map<String, String>> CONTEXT = new ThreadLocal<>();
        @Serial
        private static final long serialVersionUID = 1L;

        private final Map<String, String> context;
        private final SerializableCallable<T> task;
        private transient HazelcastInstance instance;

        WithContext(Map<String, String> context, SerializableCallable<T> task) {
            this.context = context;
            this.task = task;
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance instance) {
            this.instance = instance;
        }

        @Override
        public String call() throws Exception {
            CONTEXT.set(context);
            try {
                return task.call() + " on " + instance.getName();
            } finally {
                CONTEXT.remove();
            }
        }
    }

    /** Returns the name of the member it runs on. */
    static final class WhereAmI implements SerializableCallable<String>, HazelcastInstanceAware {

        @Serial
        private static final long serialVersionUID = 1L;
        private transient HazelcastInstance instance;

        @Override
        public void setHazelcastInstance(HazelcastInstance instance) {
            this.instance = instance;
        }

        @Override
        public String call() {
            return instance.getName();
        }
    }

    /**
     * Signals {@link #started}, waits for {@link #release}, and signals {@link #interrupted} if interrupted; or,
     * told to block only on the doomed member, returns at once elsewhere.
     */
    static final class Blocking implements SerializableCallable<String>, HazelcastInstanceAware {

        @Serial
        private static final long serialVersionUID = 1L;
        private final boolean onlyOnDoomed;
        private transient HazelcastInstance instance;

        Blocking() {
            this(false);
        }

        Blocking(boolean onlyOnDoomed) {
            this.onlyOnDoomed = onlyOnDoomed;
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance instance) {
            this.instance = instance;
        }

        @Override
        public String call() throws InterruptedException {
            if (onlyOnDoomed && !instance.getName().startsWith("doomed")) {
                return "done@" + instance.getName();
            }
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return "done@" + instance.getName();
        }
    }

    @Test
    void aCancelledTaskGivesItsTokenToTheNextOnceItsMemberHasInterruptedIt() throws Exception {
        HazelcastExecutor cluster = HazelcastExecutor.builder(service())
                .onMembers(MemberSelectors.NON_LOCAL_MEMBER_SELECTOR).build();
        dev.starling.concurrent.CapacityLimiter limiter = dev.starling.concurrent.CapacityLimiter.create(1);
        java.util.concurrent.CompletionStage<String> first =
                dev.starling.concurrent.Concurrency.runInExecutor(cluster, limiter, new Blocking());
        assertThat(started.await(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();

        first.toCompletableFuture().cancel(true);
        CompletableFuture<String> second = dev.starling.concurrent.Concurrency
                .runInExecutor(cluster, limiter, () -> "second").toCompletableFuture();

        // The member interrupts the task when it answers the cancel; only then does the token move on.
        assertThat(interrupted.await(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(second.orTimeout(HANG_SECONDS, TimeUnit.SECONDS).get()).isEqualTo("second");
        assertThat(limiter.borrowedTokens()).isZero();
    }
}
