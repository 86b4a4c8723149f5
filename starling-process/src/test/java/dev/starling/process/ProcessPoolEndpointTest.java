package dev.starling.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.Starling;
import dev.starling.concurrent.Concurrency;
import dev.starling.concurrent.ContextKey;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** A process pool behind an app: endpoints send work to worker JVMs while the server keeps serving. */
class ProcessPoolEndpointTest {

    static final ContextKey<String> TENANT = ContextKey.create("tenant");

    @TempDir
    Path tmp;

    private ProcessPool pool;
    private Starling app;
    private TestClient client;

    @BeforeEach
    void start() {
        pool = ProcessPool.builder().name("endpoints").maxWorkers(1).build();
        app = Starling.create(c -> c.port(0).executor("processes", pool));
        String started = tmp.resolve("started").toString();
        String release = tmp.resolve("release").toString();
        app.getAsync("/pid", request -> Concurrency.runInExecutor("processes", Sync::pid)
                .thenApply(pid -> pid + " " + Thread.currentThread().getName().startsWith("starling-loop-")));
        app.get("/held", request -> Concurrency.runInExecutor("processes", () -> {
            Sync.touch(started);
            Sync.awaitFile(release);
            return Sync.pid();
        }).toCompletableFuture().join());
        app.getAsync("/stuck", request -> Concurrency.runInExecutor("processes", () -> {
            Sync.touch(started + "-" + Sync.pid());
            Thread.sleep(Long.MAX_VALUE);
            return "never";
        }));
        app.getAsync("/context", request -> {
            MDC.put("requestId", "r-17");
            TENANT.set("acme");
            long home = ProcessHandle.current().pid();
            try {
                return Concurrency.runInExecutor("processes", () -> MDC.get("requestId") + " "
                        + TENANT.get().orElse("none") + " " + (Sync.pid() != home));
            } finally {
                MDC.remove("requestId");
                TENANT.remove();
            }
        });
        app.get("/exit", request -> Concurrency.runInExecutor("processes", () -> {
            System.exit(7);
            return "never";
        }).toCompletableFuture().join());
        app.get("/ping", request -> "pong");
        client = TestClient.create(app, false);
    }

    @AfterEach
    void stop() {
        client.close();
        app.close();
        pool.close();
    }

    @Test
    void anEndpointRunsItsTaskInAWorkerJvmAndAnswersFromItsLoop() {
        TestResponse response = client.get("/pid");

        assertThat(response.status()).as(response.text()).isEqualTo(200);
        assertThat(response.text()).isEqualTo(pool.pids().get(0) + " true");
        assertThat(pool.pids().get(0)).isNotEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void theServerKeepsServingWhileEveryWorkerIsBusy() throws Exception {
        CompletableFuture<TestResponse> held = CompletableFuture.supplyAsync(() -> client.get("/held"));
        Sync.awaitFile(tmp.resolve("started").toString());

        TestResponse ping = client.get("/ping");
        Sync.touch(tmp.resolve("release").toString());

        assertThat(ping.text()).isEqualTo("pong");
        assertThat(held.get(30, TimeUnit.SECONDS).text()).isEqualTo(String.valueOf(pool.pids().get(0)));
    }

    @Test
    void theRequestsMdcAndSerializableContextReachTheWorker() {
        assertThat(client.get("/context").text()).isEqualTo("r-17 acme true");
    }

    @Test
    void aWorkerThatExitsFailsOnlyItsRequestAndTheNextOneIsServedByItsReplacement() {
        long first = pool.pids().get(0);

        TestResponse died = client.get("/exit");
        TestResponse next = client.get("/pid");

        assertThat(died.status()).isEqualTo(500);
        assertThat(died.text()).doesNotContain("WorkerDiedException").doesNotContain("at dev.");
        assertThat(next.status()).isEqualTo(200);
        assertThat(next.text()).doesNotStartWith(first + " ").endsWith(" true");
        assertThat(pool.replacedWorkers()).isEqualTo(1);
    }

    @Test
    void aWorkerKilledMidRequestAnswers500LoggedOnceAndTheNextRequestIsServedByItsReplacement() throws Exception {
        ch.qos.logback.classic.Logger starling =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.starling");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        starling.addAppender(logged);
        try {
            long victim = pool.pids().get(0);
            CompletableFuture<TestResponse> held = CompletableFuture.supplyAsync(() -> client.get("/held"));
            Sync.awaitFile(tmp.resolve("started").toString());

            ProcessHandle.of(victim).orElseThrow().destroyForcibly();   // SIGKILL: no hook, no last words
            TestResponse died = held.get(30, TimeUnit.SECONDS);

            assertThat(died.status()).isEqualTo(500);
            assertThat(died.text()).isEqualTo("{\"detail\":\"Internal Server Error\"}");
            // The request's failure, once, at ERROR with the WorkerDiedException; the pool reports the death once
            // more, at WARN, on its own logger (it may do so just after the task has failed).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (warnings(logged, "dev.starling.process.ProcessPool").isEmpty() && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            List<ch.qos.logback.classic.spi.ILoggingEvent> request = warnings(logged, "dev.starling.errors");
            assertThat(request).as("the request's failure logged once: %s", request).hasSize(1);
            assertThat(request.get(0).getLevel()).isEqualTo(ch.qos.logback.classic.Level.ERROR);
            assertThat(request.get(0).getThrowableProxy().getClassName())
                    .isEqualTo(WorkerDiedException.class.getName());
            List<ch.qos.logback.classic.spi.ILoggingEvent> deaths =
                    warnings(logged, "dev.starling.process.ProcessPool");
            assertThat(deaths).as("the death logged once: %s", deaths).hasSize(1);
            assertThat(deaths.get(0).getFormattedMessage()).contains("Worker pid " + victim).contains("signal 9");

            TestResponse next = client.get("/pid");
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.text()).doesNotStartWith(victim + " ").endsWith(" true");
            assertThat(pool.replacedWorkers()).isEqualTo(1);
            assertThat(app.limiter("processes")).get().satisfies(l -> assertThat(l.borrowedTokens()).isZero());
        } finally {
            starling.detachAppender(logged);
        }
    }

    /** The WARN and ERROR events of {@code logger} that {@code logged} holds so far. */
    private static List<ch.qos.logback.classic.spi.ILoggingEvent> warnings(
            ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged, String logger) {
        List<ch.qos.logback.classic.spi.ILoggingEvent> all;
        synchronized (logged) {
            all = List.copyOf(logged.list);
        }
        return all.stream().filter(e -> e.getLoggerName().equals(logger))
                .filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN)).toList();
    }

    @Test
    void aClientThatHangsUpGetsItsStuckWorkerKilledAndReplaced() throws Exception {
        long stuck = pool.pids().get(0);
        try (Socket socket = new Socket("127.0.0.1", app.port())) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /stuck HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Sync.awaitFile(tmp.resolve("started-" + stuck).toString());
        }

        // The disconnect cancels the request's work; cancelling a running remote task kills its worker.
        ProcessHandle.of(stuck).ifPresent(p -> p.onExit().orTimeout(30, TimeUnit.SECONDS).join());
        assertThat(ProcessHandle.of(stuck).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
        TestResponse next = client.get("/pid");
        assertThat(next.status()).isEqualTo(200);
        assertThat(next.text()).doesNotStartWith(stuck + " ");
        assertThat(app.limiter("processes")).get().satisfies(l -> assertThat(l.borrowedTokens()).isZero());
    }
}
