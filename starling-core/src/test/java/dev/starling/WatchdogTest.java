package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.starling.concurrent.Concurrency;
import dev.starling.concurrent.RemoteExecutor;
import dev.starling.concurrent.SerializableCallable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class WatchdogTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.starling.watchdog");
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void capture() {
        // The watchdog's thread appends while a route on a loop may be reading.
        logged.list = Collections.synchronizedList(new ArrayList<>());
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
        logger.setLevel(null);
    }

    /** Blocks the calling loop for at least 300 ms, and past that until the watchdog has spoken (at most 10 s). */
    private static void blockLoop(Starling app) throws InterruptedException {
        Thread.sleep(300);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (app.blockedLoopCount() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void aHandlerThatBlocksTheLoopFor300msProducesExactlyOneWarningNamingItsRoute() {
        Starling[] self = new Starling[1];
        try (Http http = Http.serve(app -> {
            self[0] = app;
            app.getAsync("/blocking", r -> {
                blockLoop(self[0]);
                return CompletableFuture.completedFuture("done");
            });
            app.getAsync("/fast", r -> CompletableFuture.completedFuture("fast"));
        })) {
            assertThat(http.get("/blocking").body()).isEqualTo("done");
            assertThat(http.get("/fast").body()).isEqualTo("fast");
            assertThat(http.app.blockedLoopCount()).isEqualTo(1);
            assertThat(logged.list).hasSize(1);
            ILoggingEvent warning = logged.list.get(0);
            assertThat(warning.getLevel()).isEqualTo(Level.WARN);
            assertThat(warning.getFormattedMessage())
                    .contains("GET /blocking")
                    .contains("starling-loop-")
                    .containsPattern("for \\d+ ms \\(threshold 100 ms\\)");
            String stack = ThrowableProxyUtil.asString(warning.getThrowableProxy());
            assertThat(stack).contains("java.lang.Thread.sleep").contains(WatchdogTest.class.getName());
        }
    }

    /** Keeps the calling thread busy on its CPU for {@code millis}. */
    private static void spin(long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    /**
     * Keeps the calling loop busy on its CPU until the watchdog has logged something (at most 2 s): the span
     * stays open until it has been looked at after what stopped the loop.
     */
    private void spinUntilTheWatchdogSpeaks() {
        long end = System.nanoTime() + 2_000_000_000L;
        while (logged.list.isEmpty() && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    /** Serves {@code route} on the loop with a 300 ms threshold, asks for it and returns the answer's body. */
    private String serveOnTheLoop(Runnable route) {
        try (Http http = Http.serve(c -> c.blockedLoopThreshold(Duration.ofMillis(300)), app -> app.getAsync("/held",
                r -> {
                    route.run();
                    return CompletableFuture.completedFuture("done");
                }))) {
            String body = http.get("/held").body();
            assertThat(http.app.blockedLoopCount()).as("blocked loops counted").isEqualTo(
                    logged.list.stream().filter(e -> e.getLevel() == Level.WARN).count());
            return body;
        }
    }

    private List<String> messages(Level level) {
        return logged.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void aLoopStoppedFromOutsideWhileItRunsARouteIsNotBlamedOnTheRoute() {
        logger.setLevel(Level.DEBUG);
        CountDownLatch running = new CountDownLatch(1);
        AtomicBoolean resumed = new AtomicBoolean();
        long pid = ProcessHandle.current().pid();
        Thread stopper = new Thread(() -> {
            try {
                running.await();
                // The whole JVM is stopped for a second, as a busy machine or a paused VM would stop it.
                new ProcessBuilder("/bin/sh", "-c", "kill -STOP " + pid + "; sleep 1; kill -CONT " + pid)
                        .inheritIO().start().waitFor();
            } catch (Exception e) {
                throw new AssertionError(e);
            } finally {
                resumed.set(true);
            }
        }, "stopper");
        stopper.start();

        String body = serveOnTheLoop(() -> {
            running.countDown();
            while (!resumed.get()) {
                Thread.onSpinWait();
            }
            spinUntilTheWatchdogSpeaks();
        });

        assertThat(body).isEqualTo("done");
        assertThat(messages(Level.WARN)).isEmpty();
        assertThat(messages(Level.DEBUG)).singleElement().asString()
                .contains("route GET /held").contains("the loop was not running").contains("not reported as blocking");
    }

    @Test
    void aLoopStoppedByTheCollectorIsNotBlamedOnTheRoute() {
        logger.setLevel(Level.DEBUG);

        String body = serveOnTheLoop(() -> {
            long end = System.nanoTime() + 600_000_000L;
            while (System.nanoTime() < end) {
                System.gc();
            }
            spinUntilTheWatchdogSpeaks();
        });

        assertThat(body).isEqualTo("done");
        assertThat(messages(Level.WARN)).isEmpty();
        assertThat(messages(Level.DEBUG)).singleElement().asString()
                .contains("route GET /held").containsPattern("\\([1-9]\\d* ms of them the collector's pauses\\)");
    }

    @Test
    void aRouteThatKeepsTheLoopsCpuBusyIsReported() {
        String body = serveOnTheLoop(() -> spin(1000));

        assertThat(body).isEqualTo("done");
        assertThat(messages(Level.WARN)).singleElement().asString()
                .contains("has been running route GET /held").contains("(threshold 300 ms)");
    }

    /** Returns the collection time of the JVM's collectors so far, in milliseconds. */
    private static long collectionMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(gc -> Math.max(0, gc.getCollectionTime())).sum();
    }

    @Test
    void aRouteBlockingTheFirstSpanOfANewLoopIsReportedHoweverLongTheJvmCollectedBefore() {
        // A JVM that has run a while has paused for collections long before the app's loops start; none of that
        // is in the span of a loop's first route.
        long end = System.nanoTime() + 20_000_000_000L;
        while (collectionMillis() < 1500 && System.nanoTime() < end) {
            System.gc();
        }
        try (Http http = Http.serve(app -> app.getAsync("/first", r -> {
            long until = System.nanoTime() + 800_000_000L;
            while (logged.list.isEmpty() && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            return CompletableFuture.completedFuture("done");
        }))) {
            assertThat(http.get("/first").body()).isEqualTo("done");
            assertThat(messages(Level.WARN)).singleElement().asString()
                    .contains("has been running route GET /first").contains("(threshold 100 ms)");
        }
    }

    @Test
    void aRouteBlockedOpeningAFileIsReported() throws Exception {
        // A FIFO's open blocks in the file system's native call until a writer comes, as a stat or an open does
        // on a hung network mount: no CPU is used, yet the route holds the loop all along.
        Path fifo = Files.createTempDirectory("watchdog").resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Thread writer = new Thread(() -> {
            long end = System.nanoTime() + 3_000_000_000L;
            while (logged.list.isEmpty() && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write('x');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "fifo-writer");
        writer.start();

        String body = serveOnTheLoop(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                in.read();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        writer.join();

        assertThat(body).isEqualTo("done");
        assertThat(messages(Level.WARN)).singleElement().asString()
                .contains("has been running route GET /held").contains("(threshold 300 ms)");
    }

    @Test
    void theModuleReadsJavaManagementWhichTheWatchdogsClocksComeFrom() throws Exception {
        // On the module path a module that is not read is not there: the watchdog's thread would die on its
        // first look at the loops' CPU clocks.
        try (var in = Starling.class.getClassLoader().getResourceAsStream("META-INF/versions/17/module-info.class")) {
            assertThat(in).as("the compiled module descriptor").isNotNull();
            assertThat(java.lang.module.ModuleDescriptor.read(in).requires())
                    .extracting(java.lang.module.ModuleDescriptor.Requires::name).contains("java.management");
        }
    }

    @Test
    void anOffloadedHandlerThatBlocksIsNotReported() {
        try (Http http = Http.serve(app -> app.get("/sleepy", r -> {
            Thread.sleep(300);
            return "slept";
        }))) {
            assertThat(http.get("/sleepy").body()).isEqualTo("slept");
            assertThat(http.app.blockedLoopCount()).isZero();
            assertThat(logged.list).isEmpty();
        }
    }

    @Test
    void aLargeBodyWrittenOnTheLoopIsReportedAsStarlingsWorkForTheRouteNotAsItsBlockingCode() throws Exception {
        // 24 MB of text takes far longer than 10 ms to encode and gzip on any machine; the handlers take no time.
        StringBuilder text = new StringBuilder(24 << 20);
        for (int i = 0; text.length() < 24 << 20; i++) {
            text.append(i).append(' ').append(Integer.toHexString(i * 31)).append('\n');
        }
        String body = text.toString();
        try (Http http = Http.serve(c -> c.gzip(500).blockedLoopThreshold(Duration.ofMillis(10)),
                app -> app.get("/big", r -> body).getAsync("/big-async", r -> CompletableFuture.completedFuture(body)))) {
            for (String path : List.of("/big", "/big-async")) {
                var response = http.send(HttpRequest.newBuilder(http.uri(path)).header("accept-encoding", "gzip")
                        .build());
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("content-encoding")).hasValue("gzip");
            }
            assertThat(logged.list).isNotEmpty();
            for (ILoggingEvent warning : logged.list) {
                assertThat(warning.getFormattedMessage())
                        .containsPattern("has been writing the response of route GET /big(-async)? for \\d+ ms")
                        .contains("Starling's own work")
                        .doesNotContain("blocking code belongs in a plain (offloaded) handler");
            }
        }
    }

    @Test
    void aRemoteExecutorsSubmitHoldingTheLoopIsReportedAsTheExecutorsWorkForTheRouteNotAsItsBlockingCode() {
        Starling[] self = new Starling[1];
        // Stands for a pool whose submit serializes a large task on the caller's thread, here the loop.
        RemoteExecutor slowToSend = new RemoteExecutor() {
            @Override
            public <T> CompletableFuture<T> submit(SerializableCallable<T> task) {
                try {
                    blockLoop(self[0]);
                    return CompletableFuture.completedFuture(task.call());
                } catch (Exception e) {
                    return CompletableFuture.failedFuture(e);
                }
            }

            @Override
            public void execute(Runnable command) {
                command.run();
            }

            @Override
            public String name() {
                return "slow-to-send";
            }
        };
        try (Http http = Http.serve(app -> {
            self[0] = app;
            app.getAsync("/remote", r -> Concurrency.runInExecutor(slowToSend, () -> "sent"));
        })) {
            assertThat(http.get("/remote").body()).isEqualTo("sent");
            assertThat(http.app.blockedLoopCount()).isEqualTo(1);
            assertThat(logged.list).hasSize(1);
            assertThat(logged.list.get(0).getFormattedMessage())
                    .containsPattern("has been sending a task of route GET /remote to executor 'slow-to-send' for "
                            + "\\d+ ms \\(threshold 100 ms\\)")
                    .contains("not the route's own code")
                    .doesNotContain("blocking code belongs in a plain (offloaded) handler");
        }
    }

    @Test
    void aWorkerTaskRunningPastTheStuckThresholdIsReportedOnceWithItsRoute() {
        Starling[] self = new Starling[1];
        try (Http http = Http.serve(c -> c.stuckTaskThreshold(java.time.Duration.ofMillis(200)), app -> {
            self[0] = app;
            app.get("/stuck", r -> {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (self[0].stuckTaskCount() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                Thread.sleep(300);
                return "unstuck";
            });
        })) {
            assertThat(http.get("/stuck").body()).isEqualTo("unstuck");
            assertThat(http.app.stuckTaskCount()).isEqualTo(1);
            assertThat(http.app.blockedLoopCount()).isZero();
            assertThat(logged.list).hasSize(1);
            assertThat(logged.list.get(0).getFormattedMessage())
                    .startsWith("Worker starling-worker-")
                    .contains("GET /stuck")
                    .contains("holds a threadpool token");
            assertThat(ThrowableProxyUtil.asString(logged.list.get(0).getThrowableProxy()))
                    .contains(WatchdogTest.class.getName());
        }
    }
}
