package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.concurrent.CapacityLimiter;
import dev.starling.concurrent.Concurrency;
import dev.starling.concurrent.RemoteExecutor;
import dev.starling.concurrent.SerializableCallable;
import dev.starling.concurrent.Threadpool;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Named executors: bulkheads with their own limiter, chosen per route or per call, and virtual threads. */
class ExecutorsTest {

    private static String where() {
        Thread t = Thread.currentThread();
        return t.getName() + (t.isVirtual() ? " virtual" : " platform");
    }

    @ParameterizedTest(name = "from a handler on the {0}")
    @ValueSource(strings = {"loop", "worker"})
    void aHandlerSendsWorkToANamedExecutorByName(String side) {
        try (Http http = Http.serve(c -> c.executor("reports", Threadpool.platform(2)), app -> app
                .getAsync("/loop", r -> Concurrency.runInExecutor("reports", ExecutorsTest::where))
                .get("/worker", r -> Concurrency.runInExecutor("reports", ExecutorsTest::where)
                        .toCompletableFuture().join()))) {
            HttpResponse<String> response = http.get("/" + side);

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).startsWith("starling-reports-").endsWith(" platform");
            assertThat(http.app.limiter("reports")).get().satisfies(l -> assertThat(l.acquiredCount()).isEqualTo(1));
        }
    }

    @Test
    void theVirtualPoolAndTheDefaultPoolCanBeNamedToo() {
        try (Http http = Http.serve(app -> app
                .get("/virtual", r -> Concurrency.runInExecutor("virtual", ExecutorsTest::where).toCompletableFuture().join())
                .get("/default", r -> Concurrency.runInExecutor("default", ExecutorsTest::where).toCompletableFuture().join()))) {
            assertThat(http.get("/virtual").body()).startsWith("starling-virtual-").endsWith(" virtual");
            assertThat(http.get("/default").body()).startsWith("starling-worker-").endsWith(" platform");
        }
    }

    @Test
    void virtualThreadsCanBeTheDefaultThreadpool() {
        try (Http http = Http.serve(c -> c.threadpool(Threadpool.virtual(100)), app -> app
                .get("/plain", r -> where()))) {
            HttpResponse<String> response = http.get("/plain");

            assertThat(response.body()).startsWith("starling-virtual-").endsWith(" virtual");
            assertThat(http.app.limiter("default").orElseThrow().totalTokens()).isEqualTo(100);
        }
    }

    @Test
    void aFullNamedExecutorAnswers503WhileTheRestOfTheAppServes() throws Exception {
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (Http http = Http.serve(c -> c.executor("reports", Threadpool.platform(1).maxWaiting(0)), app -> app
                .getAsync("/report", r -> Concurrency.runInExecutor("reports", () -> {
                    busy.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return "report";
                }))
                .get("/ping", r -> "pong"))) {
            CompletableFuture<HttpResponse<String>> first = http.client.sendAsync(
                    HttpRequest.newBuilder(http.uri("/report")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();

            HttpResponse<String> refused = http.get("/report");
            HttpResponse<String> ping = http.get("/ping");
            release.countDown();

            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("retry-after")).isPresent();
            assertThat(ping.body()).isEqualTo("pong");
            assertThat(first.get(10, TimeUnit.SECONDS).body()).isEqualTo("report");
            assertThat(http.app.limiter("reports")).get().satisfies(l -> assertThat(l.rejectedCount()).isEqualTo(1));
            assertThat(http.app.limiter("default").orElseThrow().rejectedCount()).isZero();
        }
    }

    @Test
    void anExecutorTheUserOwnsGetsALimiterOfItsOwn() throws Exception {
        ExecutorService mine = Executors.newFixedThreadPool(2, r -> new Thread(r, "mine"));
        CapacityLimiter limiter = CapacityLimiter.create(2);
        try (Http http = Http.serve(c -> c.executor("mine", mine, limiter).executor("theirs", mine), app -> app
                .get("/mine", r -> Concurrency.runInExecutor("mine", ExecutorsTest::where).toCompletableFuture().join()))) {
            assertThat(http.get("/mine").body()).isEqualTo("mine platform");

            assertThat(http.app.limiter("mine")).containsSame(limiter);
            assertThat(limiter.acquiredCount()).isEqualTo(1);
            assertThat(http.app.limiter("theirs")).get()
                    .satisfies(l -> assertThat(l.totalTokens()).isEqualTo(Threadpool.DEFAULT_TOKENS));
            assertThat(http.app.limiter("nope")).isEmpty();
        } finally {
            mine.shutdownNow();
        }
    }

    @Test
    void anUnknownExecutorNameFailsTheCallWithASentence() {
        assertThatThrownBy(() -> Concurrency.runInExecutor("nope", () -> "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("No executor is named 'nope' here; the known ones are [")
                .hasMessageEndingWith("]. Register one with Config.Builder.executor(\"nope\", ...).");
    }

    @Test
    void theNamesDefaultAndVirtualAreTaken() {
        assertThatThrownBy(() -> Starling.create(c -> c.executor("virtual", Threadpool.platform(1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("An executor named 'virtual' is already registered.");
    }

    static final class Reports {
        @Get("/report")
        @ExecuteOn("cluster")
        String report() {
            return "never";
        }
    }

    @Test
    void aHandlerCannotRunOnAnExecutorInAnotherJvm() {
        Starling app = Starling.create(c -> c.port(0).executor("cluster", new Nowhere()));

        assertThatThrownBy(() -> app.include(new Reports()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("GET /report (Reports.report) runs on the executor 'cluster', which runs tasks in another"
                        + " JVM; a handler runs in this one. Offload the heavy part from the handler with"
                        + " Concurrency.runInExecutor(\"cluster\", task) instead.");
        app.close();
    }

    @Test
    void starlingsOwnCodeHasNoSynchronizedSoItNeverPinsAVirtualThreadOnJava21() throws Exception {
        // target/test-classes -> the module's src/main/java, wherever the tests are started from.
        java.nio.file.Path sources = java.nio.file.Path.of(ExecutorsTest.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI()).resolve("../../src/main/java").normalize();
        assertThat(sources).isDirectory();
        java.util.List<String> offenders;
        try (var files = java.nio.file.Files.walk(sources)) {
            offenders = files.filter(f -> f.toString().endsWith(".java")).filter(f -> {
                try {
                    // Comments and literals may say the word; code may not use it.
                    String code = codeOnly(java.nio.file.Files.readString(f));
                    return java.util.regex.Pattern.compile("\\bsynchronized\\b").matcher(code).find();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(Object::toString).toList();
        }
        assertThat(offenders).as("sources that use synchronized").isEmpty();
    }

    /** Returns the source with comments and string, text-block and char literals blanked out. */
    private static String codeOnly(String source) {
        StringBuilder code = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < n && source.charAt(i) != c) {
                    i += source.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
            } else {
                code.append(c);
                i++;
            }
        }
        return code.toString();
    }

    /** A remote executor that is never reached. */
    static final class Nowhere implements RemoteExecutor {
        @Override
        public <T> CompletableFuture<T> submit(SerializableCallable<T> task) {
            throw new AssertionError("Nothing should be sent.");
        }

        @Override
        public String name() {
            return "nowhere";
        }

        @Override
        public void execute(Runnable command) {
            throw new AssertionError("Nothing should be sent.");
        }
    }
}
