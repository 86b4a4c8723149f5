package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.concurrent.ContextKey;
import dev.starling.concurrent.Threadpool;
import dev.starling.middleware.Cors;
import dev.starling.middleware.RequestId;
import dev.starling.middleware.TrustedHosts;
import dev.starling.params.Form;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MiddlewareTest {

    /** Records its phases and the threads they ran on. */
    static Middleware recording(String name, List<String> log) {
        return new Middleware() {
            @Override
            public Optional<Object> before(Request request) {
                log.add(name + " before on " + Thread.currentThread().getName());
                return Optional.empty();
            }

            @Override
            public void after(Request request, ResponseHead response) {
                log.add(name + " after on " + Thread.currentThread().getName());
                response.addHeader("x-seen-by", name);
            }
        };
    }

    static AsyncMiddleware recordingAsync(String name, List<String> log) {
        return new AsyncMiddleware() {
            @Override
            public CompletionStage<Optional<Object>> before(Request request) {
                log.add(name + " before on " + Thread.currentThread().getName());
                return CompletableFuture.completedFuture(Optional.empty());
            }

            @Override
            public CompletionStage<Void> after(Request request, ResponseHead response) {
                log.add(name + " after on " + Thread.currentThread().getName());
                response.addHeader("x-seen-by", name);
                return AsyncMiddleware.done();
            }
        };
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void middlewareRunsBeforeInOrderAndAfterInReverseSyncOnWorkersAsyncOnTheLoop(HandlerPath where) {
        List<String> log = new CopyOnWriteArrayList<>();
        Starling app = Starling.create(c -> c.port(0));
        app.middleware(recording("outer", log)).middlewareAsync(recordingAsync("inner", log));
        where.route(app, "GET", "/hello", r -> "hello");
        try (TestClient client = TestClient.create(app)) {
            TestResponse response = client.get("/hello");
            assertThat(response.text()).isEqualTo("hello");
            assertThat(response.headers("x-seen-by")).containsExactly("inner", "outer");
            assertThat(log).hasSize(4);
            assertThat(log.get(0)).startsWith("outer before on starling-worker-");
            assertThat(log.get(1)).startsWith("inner before on starling-loop-");
            assertThat(log.get(2)).startsWith("inner after on starling-loop-");
            assertThat(log.get(3)).startsWith("outer after on starling-worker-");
        }
    }

    @Test
    void aBeforeThatAnswersEndsTheRequestThereAndTheOuterAfterStillRuns() {
        List<String> log = new CopyOnWriteArrayList<>();
        Starling app = Starling.create(c -> c.port(0));
        app.middleware(recording("outer", log));
        app.middleware(new Middleware() {
            @Override
            public Optional<Object> before(Request request) {
                return request.header("x-key").isPresent()
                        ? Optional.empty() : Optional.of(Response.status(401).body("A key is needed."));
            }
        });
        app.get("/secret", r -> "secret");
        try (TestClient client = TestClient.create(app)) {
            TestResponse refused = client.get("/secret");
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.text()).isEqualTo("A key is needed.");
            assertThat(refused.headers("x-seen-by")).containsExactly("outer");
        }
    }

    @Test
    void afterSeesEveryResponseErrorsStreamsAndFilesIncluded() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        java.nio.file.Path file = java.nio.file.Files.createTempFile("starling-middleware", ".txt");
        java.nio.file.Files.writeString(file, "file body");
        Starling app = Starling.create(c -> c.port(0).threadpool(Threadpool.platform(4)));
        app.middlewareAsync(recordingAsync("only", log));
        app.get("/boom", r -> {
            throw new IllegalStateException("boom");
        });
        app.get("/stream", r -> List.of("a", "b").iterator());
        app.get("/file", r -> FileResponse.of(file));
        try (TestClient client = TestClient.create(app, false)) {
            assertThat(client.get("/missing").headers("x-seen-by")).containsExactly("only");
            TestResponse boom = client.get("/boom");
            assertThat(boom.status()).isEqualTo(500);
            assertThat(boom.headers("x-seen-by")).containsExactly("only");
            TestResponse stream = client.get("/stream");
            assertThat(stream.text()).isEqualTo("ab");
            assertThat(stream.headers("x-seen-by")).containsExactly("only");
            TestResponse served = client.get("/file");
            assertThat(served.text()).isEqualTo("file body");
            assertThat(served.headers("x-seen-by")).containsExactly("only");
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    /**
     * The 504 of a request past its time limit goes through the after-phase like any other answer: cancelling
     * the request's work does not cancel the after-middleware of its own 504.
     */
    @Test
    void theMiddlewaresAfterPhaseRunsOnA504() {
        CountDownLatch never = new CountDownLatch(1);
        try (Http http = Http.serve(c -> c.requestTimeout(Duration.ofMillis(200)).threadpool(Threadpool.platform(1)),
                app -> app
                        .middleware(new Middleware() {
                            @Override
                            public void after(Request request, ResponseHead response) {
                                response.header("x-after", "yes");
                            }
                        })
                        .get("/slow", r -> {
                            never.await();
                            return "never";
                        }))) {
            HttpResponse<String> response = http.get("/slow");

            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(response.headers().firstValue("x-after")).as("the after-middleware saw the 504").hasValue("yes");
        }
    }

    /**
     * A multipart body is decoded off the loop before its route runs; the before-phase still runs once for the
     * request, not again once the form is decoded.
     */
    @Test
    void beforeMiddlewareRunsOncePerMultipartRequest() {
        AtomicInteger befores = new AtomicInteger();
        String boundary = "XyZ";
        try (Http http = Http.serve(app -> {
            app.middleware(new Middleware() {
                @Override
                public Optional<Object> before(Request request) {
                    befores.incrementAndGet();
                    return Optional.empty();
                }
            });
            app.include(new Object() {
                @Post("/up")
                public String up(@Form String note) {
                    return note;
                }
            });
        })) {
            byte[] body = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--"
                    + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(http.uri("/up"))
                    .timeout(Duration.ofSeconds(30))
                    .header("content-type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
            assertThat(r.body()).isEqualTo("hi");
            assertThat(befores.get()).as("before-phase runs once").isEqualTo(1);
        }
    }

    @Test
    void corsAnswersPreflightsAndMarksResponsesForAllowedOriginsOnly() {
        Starling app = Starling.create(c -> c.port(0));
        app.middlewareAsync(Cors.builder().allowOrigins("https://app.example").allowMethods("GET", "POST")
                .allowHeaders("x-token").allowCredentials(true).build());
        app.post("/items", r -> "created");
        try (TestClient client = TestClient.create(app)) {
            TestResponse preflight = client.request("OPTIONS", "/items").header("origin", "https://app.example")
                    .header("access-control-request-method", "POST")
                    .header("access-control-request-headers", "x-token").send();
            assertThat(preflight.status()).isEqualTo(200);
            assertThat(preflight.header("access-control-allow-origin")).hasValue("https://app.example");
            assertThat(preflight.header("access-control-allow-methods")).hasValueSatisfying(
                    m -> assertThat(m).contains("POST"));
            assertThat(preflight.header("access-control-allow-headers")).hasValue("x-token");
            assertThat(preflight.header("access-control-allow-credentials")).hasValue("true");

            TestResponse actual = client.request("POST", "/items").header("origin", "https://app.example").send();
            assertThat(actual.text()).isEqualTo("created");
            assertThat(actual.header("access-control-allow-origin")).hasValue("https://app.example");
            assertThat(actual.headers("vary")).contains("Origin");

            TestResponse stranger = client.request("POST", "/items").header("origin", "https://evil.example").send();
            assertThat(stranger.header("access-control-allow-origin")).isEmpty();
            TestResponse badPreflight = client.request("OPTIONS", "/items").header("origin", "https://evil.example")
                    .header("access-control-request-method", "POST").send();
            assertThat(badPreflight.status()).isEqualTo(400);
            assertThat(badPreflight.text()).isEqualTo(
                    "{\"detail\":\"The origin https://evil.example may not make cross-origin requests here.\"}");
        }
    }

    @Test
    void trustedHostsRefusesOtherHostsWith400() {
        Starling app = Starling.create(c -> c.port(0));
        app.middlewareAsync(TrustedHosts.of("127.0.0.1", "*.example.com"));
        app.get("/", r -> "ok");
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.get("/").text()).isEqualTo("ok");
            assertThat(client.request("GET", "/").header("x-forwarded-host", "ignored").send().text()).isEqualTo("ok");
        }
        Starling strict = Starling.create(c -> c.port(0));
        strict.middlewareAsync(TrustedHosts.of("example.com"));
        strict.get("/", r -> "ok");
        try (TestClient client = TestClient.create(strict)) {
            TestResponse refused = client.get("/");
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.text()).isEqualTo(
                    "{\"detail\":\"The Host header names a host this server does not answer to.\"}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void requestIdIsKeptFromTheClientOrMadeAndHandlersSeeIt(HandlerPath where) {
        Starling app = Starling.create(c -> c.port(0));
        app.middlewareAsync(RequestId.create());
        where.route(app, "GET", "/id", r -> r.state().get(RequestId.STATE_NAME, String.class).orElse("none"));
        try (TestClient client = TestClient.create(app)) {
            TestResponse given = client.request("GET", "/id").header("x-request-id", "abc-123").send();
            assertThat(given.text()).isEqualTo("abc-123");
            assertThat(given.header("x-request-id")).hasValue("abc-123");
            TestResponse made = client.get("/id");
            assertThat(made.header("x-request-id")).hasValueSatisfying(id -> assertThat(made.text()).isEqualTo(id));
            assertThat(made.text()).hasSize(36);
        }
    }

    // ---- context values set by middleware ----

    private static final ContextKey<String> REQUEST_ID =
            ContextKey.create("request-id");

    @Test
    void aContextKeySetByMiddlewareIsSeenByTheHandlerOnBothPathsAndByTheAfterPhase() {
        Middleware blocking = new Middleware() {
            @Override
            public Optional<Object> before(Request request) {
                REQUEST_ID.set("blocking-" + request.header("x-id").orElse("none"));
                return Optional.empty();
            }

            @Override
            public void after(Request request, ResponseHead response) {
                response.header("x-request-id", REQUEST_ID.get().orElse("lost"));
            }
        };
        AsyncMiddleware async = new AsyncMiddleware() {
            @Override
            public CompletionStage<Optional<Object>> before(Request request) {
                REQUEST_ID.set(REQUEST_ID.get().orElse("none") + "+async");
                return CompletableFuture.completedFuture(Optional.empty());
            }
        };
        Starling app = Starling.create(c -> c.port(0)).middleware(blocking).middlewareAsync(async)
                .get("/offloaded", request -> "offloaded sees " + REQUEST_ID.get().orElse("nothing"))
                .getAsync("/loop", request -> CompletableFuture.completedFuture(
                        "loop sees " + REQUEST_ID.get().orElse("nothing")));
        try (TestClient client = TestClient.create(app)) {
            for (String path : new String[] {"/offloaded", "/loop"}) {
                TestResponse response = client.request("GET", path).header("x-id", "7").send();
                assertThat(response.text()).endsWith(" sees blocking-7+async");
                assertThat(response.header("x-request-id")).hasValue("blocking-7+async");
            }
            // Each request starts from an empty context: nothing leaks from the one before.
            assertThat(client.get("/loop").text()).isEqualTo("loop sees blocking-none+async");
        }
    }
}
