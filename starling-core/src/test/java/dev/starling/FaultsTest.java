package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.starling.concurrent.Threadpool;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * Faults of the application's code, each answered as it should be, logged exactly once on the server's side
 * and followed by a request that is served as usual: the server keeps serving.
 */
class FaultsTest {

    private static final String INTERNAL = "{\"detail\":\"Internal Server Error\"}";

    private final Logger starling = (Logger) LoggerFactory.getLogger("dev.starling");
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        logged.start();
        starling.addAppender(logged);
    }

    @AfterEach
    void releaseLogs() {
        starling.detachAppender(logged);
        logged.stop();
    }

    /** Every WARN or ERROR event logged under {@code dev.starling} so far. */
    private List<ILoggingEvent> warnings() {
        List<ILoggingEvent> all;
        synchronized (logged) {   // appends hold the appender's lock
            all = new ArrayList<>(logged.list);
        }
        return all.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
    }

    /** The WARN or ERROR events that mention {@code marker}, in their message or any exception they carry. */
    private List<ILoggingEvent> warningsAbout(String marker) {
        return warnings().stream()
                .filter(e -> e.getFormattedMessage().contains(marker) || mentions(e.getThrowableProxy(), marker))
                .toList();
    }

    private static boolean mentions(IThrowableProxy t, String marker) {
        if (t == null) {
            return false;
        }
        if (t.getMessage() != null && t.getMessage().contains(marker)) {
            return true;
        }
        for (IThrowableProxy suppressed : t.getSuppressed()) {
            if (mentions(suppressed, marker)) {
                return true;
            }
        }
        return mentions(t.getCause(), marker);
    }

    private static Http serve(Consumer<Config.Builder> config, Consumer<Starling> routes) {
        return Http.serve(config, app -> {
            routes.accept(app);
            app.get("/ok", r -> "ok");
        });
    }

    /** A plain request after the fault is answered as ever, on a new connection. */
    private static void assertStillServing(Http http) {
        HttpResponse<String> ok = http.get("/ok");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("ok");
    }

    private static void assertInternalError(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(500);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.body()).isEqualTo(INTERNAL);
    }

    // ---- handlers ----

    @ParameterizedTest(name = "a handler that throws {0}")
    @ValueSource(strings = {"on a worker", "on the loop", "in its stage"})
    void aHandlerThatThrowsGets500WithoutATraceAndIsLoggedOnce(String where) {
        String marker = "the handler broke " + where;
        try (Http http = serve(c -> { }, app -> {
            switch (where) {
                case "on a worker" -> app.get("/broken", r -> {
                    throw new IllegalStateException(marker);
                });
                case "on the loop" -> app.getAsync("/broken", r -> {
                    throw new IllegalStateException(marker);
                });
                default -> app.getAsync("/broken", r -> CompletableFuture.failedFuture(
                        new IllegalStateException(marker)));
            }
        })) {
            HttpResponse<String> response = http.get("/broken");

            assertInternalError(response);
            assertThat(response.body()).doesNotContain(marker).doesNotContain("at dev.");
            // Logged before the 500 was written: once the client has it, the log is complete.
            List<ILoggingEvent> about = warningsAbout(marker);
            assertThat(about).as("logged once: %s", about).hasSize(1);
            assertThat(about.get(0).getLevel()).isEqualTo(Level.ERROR);
            assertThat(about.get(0).getFormattedMessage()).contains("GET /broken");
            assertStillServing(http);
        }
    }

    @ParameterizedTest(name = "a handler {0} that returns null")
    @ValueSource(strings = {"on a worker", "on the loop"})
    void aHandlerThatReturnsNullAnswers204AsDocumentedAndLogsNothing(String where) {
        try (Http http = serve(c -> { }, app -> {
            if (where.equals("on a worker")) {
                app.get("/nothing", r -> null);
            } else {
                app.getAsync("/nothing", r -> CompletableFuture.completedFuture(null));
            }
        })) {
            HttpResponse<String> response = http.get("/nothing");

            // docs/routes.md: "null or void: 204, no body" (FastAPI would send 200 with the JSON null).
            assertThat(response.statusCode()).isEqualTo(204);
            assertThat(response.body()).isEmpty();
            assertThat(response.headers().firstValue("content-length")).isEmpty();
            assertStillServing(http);
            assertThat(warnings()).as("a null result is no fault").isEmpty();
        }
    }

    @ParameterizedTest(name = "{0} that returns a null stage")
    @ValueSource(strings = {"an async lambda", "an async method", "a @Blocking method"})
    void aHandlerThatReturnsANullStageIsABugAnswered500AndLoggedOnceNamingTheRoute(String which) {
        try (Http http = serve(c -> { }, app -> {
            switch (which) {
                case "an async lambda" -> app.getAsync("/nothing", r -> null);
                case "an async method" -> app.include(new NullStages());
                default -> app.include(new BlockingNullStages());
            }
        })) {
            HttpResponse<String> response = http.get("/nothing");

            assertInternalError(response);
            List<ILoggingEvent> about = warningsAbout("returned null instead of a CompletionStage");
            assertThat(about).as("logged once: %s", about).hasSize(1);
            assertThat(about.get(0).getLevel()).isEqualTo(Level.ERROR);
            assertThat(about.get(0).getFormattedMessage()).contains("GET /nothing");
            assertStillServing(http);
        }
    }

    /** An async handler with a bug: it returns no stage at all. */
    public static final class NullStages {
        @Get("/nothing")
        public CompletionStage<String> nothing() {
            return null;
        }
    }

    /** The same bug in a handler offloaded by {@code @Blocking}, whose stage is awaited on the loop. */
    public static final class BlockingNullStages {
        @Blocking
        @Get("/nothing")
        public CompletionStage<String> nothing() {
            return null;
        }
    }

    @ParameterizedTest(name = "an OutOfMemoryError {0}")
    @ValueSource(strings = {"on a worker", "on the loop"})
    void anOutOfMemoryErrorIsAnswered500LoggedOnceAndItsTokenComesBack(String where) {
        String marker = "test: out of memory " + where;
        // One token: if the failed task kept it, or killed its thread for good, nothing could run after it.
        try (Http http = serve(c -> c.threadpool(Threadpool.platform(1)), app -> {
            if (where.equals("on a worker")) {
                app.get("/oom", r -> {
                    throw new OutOfMemoryError(marker);
                });
            } else {
                app.getAsync("/oom", r -> {
                    throw new OutOfMemoryError(marker);
                });
            }
        })) {
            HttpResponse<String> response = http.get("/oom");

            assertInternalError(response);
            List<ILoggingEvent> about = warningsAbout(marker);
            assertThat(about).as("logged once: %s", about).hasSize(1);
            assertThat(about.get(0).getLevel()).isEqualTo(Level.ERROR);
            Await.until("the token is back", () -> http.app.limiter("default").orElseThrow().borrowedTokens() == 0);
            for (int i = 0; i < 3; i++) {
                assertStillServing(http);
            }
        }
    }

    // ---- handlers that never answer ----

    @ParameterizedTest(name = "a handler {0} that never answers")
    @ValueSource(strings = {"on a worker", "on the loop"})
    void aHandlerThatNeverAnswersGets504WithinItsLimitLoggedOnce(String where) throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        try (Http http = serve(c -> c.requestTimeout(Duration.ofMillis(300)), app -> {
            if (where.equals("on a worker")) {
                app.get("/never", r -> {
                    try {
                        new CountDownLatch(1).await();
                    } catch (InterruptedException e) {
                        interrupted.countDown();
                    }
                    return "never";
                });
            } else {
                interrupted.countDown();   // nothing runs on a worker, so nothing is interrupted
                app.getAsync("/never", r -> new CompletableFuture<>());
            }
        })) {
            HttpResponse<String> response = http.get("/never");

            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(response.body()).isEqualTo("{\"detail\":\"The request was not answered within 300 ms,"
                    + " the time limit of GET /never.\"}");
            List<ILoggingEvent> about = warningsAbout("answered 504");
            assertThat(about).as("logged once: %s", about).hasSize(1);
            assertThat(about.get(0).getLevel()).isEqualTo(Level.WARN);
            assertThat(about.get(0).getFormattedMessage()).contains("GET /never").contains("300 ms");
            assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the worker was interrupted").isTrue();
            Await.until("the token is back", () -> http.app.limiter("default").orElseThrow().borrowedTokens() == 0);
            assertStillServing(http);
        }
    }

    @Test
    void withoutATimeLimitAHandlerThatNeverAnswersIsCancelledWhenTheClientLeavesAndNothingIsLogged()
            throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        try (Http http = serve(c -> { }, app -> app.get("/never", r -> {
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return "never";
        }))) {
            try (RawConnection connection = RawConnection.open(http.app.port())) {
                connection.send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(started.await(10, TimeUnit.SECONDS)).as("the handler started").isTrue();
            }

            assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the handler was interrupted").isTrue();
            Await.until("the token is back", () -> http.app.limiter("default").orElseThrow().borrowedTokens() == 0);
            assertStillServing(http);
            assertThat(warnings()).as("a client that leaves is no fault of the server's").isEmpty();
        }
    }

    // ---- after the response ----

    /**
     * A resource whose closing fails (with an exception, or with an {@code Error} when {@code error}), made after
     * one whose closing tells the test that cleanup is over.
     */
    static final class FlakyCleanup {
        final CountDownLatch lastClosed = new CountDownLatch(1);
        private final boolean error;

        FlakyCleanup(boolean error) {
            this.error = error;
        }

        record Steady(String name) {
        }

        record Flaky(String name) {
        }

        @Provides
        Resource<Steady> steady() {
            return Resource.of(new Steady("steady"), lastClosed::countDown);
        }

        @Provides
        Resource<Flaky> flaky(@Depends Steady steady) {
            // Made after the steady one, so closed before it: reverse order of creation.
            return Resource.of(new Flaky("flaky after " + steady.name()), () -> {
                if (error) {
                    throw new AssertionError("closing the flaky resource broke");
                }
                throw new IllegalStateException("closing the flaky resource broke");
            });
        }

        @Get("/plain")
        String plain(@Depends Flaky flaky) {
            return flaky.name();
        }

        @Get("/loop")
        CompletionStage<String> loop(@Depends Flaky flaky) {
            return CompletableFuture.completedFuture(flaky.name());
        }
    }

    @ParameterizedTest(name = "{0}, cleanup throws an Error: {1}")
    @CsvSource({"/plain, false", "/loop, false", "/plain, true", "/loop, true"})
    void aDependencyWhoseCleanupThrowsLeavesTheResponseAloneAndTheOtherCleanupsAndIsLoggedOnce(String path,
                                                                                             boolean error)
            throws Exception {
        FlakyCleanup api = new FlakyCleanup(error);
        try (Http http = serve(c -> { }, app -> app.include(api))) {
            HttpResponse<String> response = http.get(path);

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("flaky after steady");
            assertThat(api.lastClosed.await(10, TimeUnit.SECONDS)).as("cleanup went on past the failure").isTrue();
            List<ILoggingEvent> about = warningsAbout("closing the flaky resource broke");
            assertThat(about).as("logged once: %s", about).hasSize(1);
            assertThat(about.get(0).getFormattedMessage()).contains("GET " + path);
            assertStillServing(http);
        }
    }

    static final class FailingTasks {
        final CountDownLatch lastRan = new CountDownLatch(1);

        @Post("/signup")
        String signup(BackgroundTasks tasks) {
            tasks.add(() -> {
                throw new IllegalStateException("the blocking task broke");
            });
            tasks.addAsync(() -> CompletableFuture.failedFuture(new IllegalStateException("the async task broke")));
            tasks.addAsync(() -> {
                throw new IllegalStateException("the async task threw");
            });
            tasks.add(lastRan::countDown);
            return "accepted";
        }
    }

    @Test
    void backgroundTasksThatThrowAreLoggedOnceEachAndStopNothing() throws Exception {
        FailingTasks api = new FailingTasks();
        try (Http http = serve(c -> { }, app -> app.include(api))) {
            HttpResponse<String> response = http.send(java.net.http.HttpRequest.newBuilder(http.uri("/signup"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build());

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("accepted");
            // Tasks run one after another, each failure logged before the next starts.
            assertThat(api.lastRan.await(10, TimeUnit.SECONDS)).as("the last task ran").isTrue();
            for (String marker : List.of("the blocking task broke", "the async task broke", "the async task threw")) {
                List<ILoggingEvent> about = warningsAbout(marker);
                assertThat(about).as("%s logged once: %s", marker, about).hasSize(1);
                assertThat(about.get(0).getLevel()).isEqualTo(Level.ERROR);
                assertThat(about.get(0).getFormattedMessage()).contains("POST /signup");
            }
            assertStillServing(http);
        }
    }

    @Test
    void anExceptionHandlerThatThrowsGives500AndIsLoggedOnceWithTheExceptionItWasHandling() {
        try (Http http = serve(c -> { }, app -> {
            app.exceptionHandler(IllegalArgumentException.class, (request, e) -> {
                throw new IllegalStateException("the exception handler broke");
            });
            app.get("/broken", r -> {
                throw new IllegalArgumentException("the handler broke first");
            });
        })) {
            HttpResponse<String> response = http.get("/broken");

            assertInternalError(response);
            List<ILoggingEvent> about = warningsAbout("the exception handler broke");
            assertThat(about).as("logged once: %s", about).hasSize(1);
            assertThat(warnings()).as("nothing else logged").hasSize(1);
            assertThat(warningsAbout("the handler broke first")).as("the exception it was handling, with it")
                    .containsExactlyElementsOf(about);
            assertStillServing(http);
        }
    }
}
