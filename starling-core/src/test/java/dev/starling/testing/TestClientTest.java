package dev.starling.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.Handler;
import dev.starling.HttpException;
import dev.starling.Response;
import dev.starling.Starling;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * The test client drives a real app over loopback: every request feature arrives at the handler, responses
 * read back, server exceptions are rethrown (or not), connections are reused, and close() stops the app. Tests
 * that involve a handler run both on the event loop and offloaded.
 */
class TestClientTest {

    record Item(int id, String name, List<String> tags) {
    }

    /** The two places a handler runs: offloaded to the threadpool ({@code app.get}) or on the loop ({@code app.getAsync}). */
    enum Where {
        OFFLOADED("starling-worker-"),
        LOOP("starling-loop-");

        final String threadPrefix;

        Where(String threadPrefix) {
            this.threadPrefix = threadPrefix;
        }

        /** Adds {@code handler} for {@code method path}, on this path. */
        Starling route(Starling app, String method, String path, Handler handler) {
            return switch (this) {
                case OFFLOADED -> app.route(method, path, handler);
                case LOOP -> app.routeAsync(method, path, request -> {
                    Object result = handler.handle(request);
                    return result instanceof CompletionStage<?> s ? s : CompletableFuture.completedFuture(result);
                });
            };
        }
    }

    private static Starling app() {
        return Starling.create(c -> c.shutdownGrace(Duration.ofSeconds(5)));
    }

    // ---- lifecycle ----

    @Test
    void createStartsTheAppOnAFreeLoopbackPortAndCloseStopsIt() throws IOException {
        Starling app = app().get("/hello", r -> "Hello");
        int port;
        try (TestClient client = TestClient.create(app)) {
            port = app.port();
            assertThat(port).isPositive();
            assertThat(client.baseUri().toString()).isEqualTo("http://127.0.0.1:" + port);
            assertThat(client.get("/hello").text()).isEqualTo("Hello");
            assertThat(client.app()).isSameAs(app);
        }
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(IOException.class);
    }

    @Test
    void anAppAlreadyStartedIsUsedAsItIs() {
        Starling app = app().get("/hello", r -> "Hello");
        app.start(0);
        int port = app.port();
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.baseUri().getPort()).isEqualTo(port);
            assertThat(client.get("/hello").status()).isEqualTo(200);
        }
    }

    @Test
    void aClosedClientRefusesRequestsWithASentence() {
        TestClient client = TestClient.create(app().get("/hello", r -> "Hello"));
        client.close();
        client.close();
        assertThatThrownBy(() -> client.get("/hello"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("This TestClient is closed and has stopped its app; create a new app and a new client "
                        + "with TestClient.create(app).");
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void connectionsAreKeptAliveAndReused(Where where) {
        Starling app = app();
        where.route(app, "GET", "/peer", r -> r.remoteAddress());
        try (TestClient client = TestClient.create(app)) {
            String first = client.get("/peer").text();
            String second = client.get("/peer").text();
            String third = client.get("/peer").text();
            assertThat(second).isEqualTo(first);
            assertThat(third).isEqualTo(first);
        }
    }

    // ---- what a request carries ----

    @ParameterizedTest
    @EnumSource(Where.class)
    void queryParametersAreEncodedAndRepeatable(Where where) {
        Starling app = app();
        where.route(app, "GET", "/search", r -> r.queryAll("q") + " " + r.query("page").orElse("-")
                + " " + r.uri() + " on " + Thread.currentThread().getName());
        try (TestClient client = TestClient.create(app)) {
            String text = client.request("GET", "/search?page=2").query("q", "a b&c").query("q", "é").send().text();
            assertThat(text).startsWith("[a b&c, é] 2 /search?page=2&q=a%20b%26c&q=%C3%A9 on " + where.threadPrefix);
            assertThat(client.get("/search?q=x").text()).startsWith("[x] - ");
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void headersArriveWithEveryValue(Where where) {
        Starling app = app();
        where.route(app, "GET", "/headers", r -> r.header("x-token").orElse("none") + " " + r.headers("x-many"));
        try (TestClient client = TestClient.create(app)) {
            TestResponse response = client.request("GET", "/headers").header("X-Token", "t")
                    .header("x-many", "1").header("x-many", "2").send();
            assertThat(response.text()).isEqualTo("t [1, 2]");
            assertThat(response.header("Content-Type")).hasValue("text/plain; charset=utf-8");
            assertThat(response.headers("content-length")).containsExactly("8");
            assertThat(response.header("x-absent")).isEmpty();
            assertThat(response.headers("x-absent")).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void cookiesArriveInOneCookieHeader(Where where) {
        Starling app = app();
        where.route(app, "GET", "/cookies", r -> String.join("|", r.headers("cookie")));
        try (TestClient client = TestClient.create(app)) {
            String text = client.request("GET", "/cookies").cookie("session", "abc").cookie("theme", "dark").send()
                    .text();
            assertThat(text).isEqualTo("session=abc; theme=dark");
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void aJsonBodyMakesTheRoundTrip(Where where) {
        Starling app = app();
        where.route(app, "POST", "/echo", r -> Response.status(201)
                .header("content-type", "application/json")
                .header("x-request-type", r.header("content-type").orElse("none"))
                .header("x-request-length", r.header("content-length").orElse("none"))
                .body(r.bodyText()));
        try (TestClient client = TestClient.create(app)) {
            Item item = new Item(7, "pen ✓", List.of("a", "b"));
            TestResponse response = client.request("POST", "/echo").json(item).send();

            assertThat(response.status()).isEqualTo(201);
            assertThat(response.header("x-request-type")).hasValue("application/json");
            assertThat(response.header("x-request-length"))
                    .hasValue(String.valueOf(response.bytes().length));
            assertThat(response.json(Item.class)).isEqualTo(item);
            JsonNode tree = response.json();
            assertThat(tree.get("name").asString()).isEqualTo("pen ✓");
            assertThat(response.json(Map.class).get("id")).isEqualTo(7);
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void rawBodiesKeepTheirContentType(Where where) {
        Starling app = app();
        where.route(app, "PUT", "/raw", r -> r.header("content-type").orElse("none") + " "
                + r.body().length + " " + r.bodyText());
        where.route(app, "PATCH", "/raw", r -> r.header("content-type").orElse("none") + " " + r.body().length);
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.request("PUT", "/raw").body("héllo", "text/plain; charset=utf-8").send().text())
                    .isEqualTo("text/plain; charset=utf-8 6 héllo");
            assertThat(client.request("patch", "/raw").body(new byte[] {1, 2, 3}, "application/octet-stream")
                    .send().text()).isEqualTo("application/octet-stream 3");
            assertThat(client.request("PUT", "/raw").header("content-type", "text/x-mine").body("x", "text/plain")
                    .send().text()).isEqualTo("text/x-mine 1 x");
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void formFieldsAreUrlEncoded(Where where) {
        Starling app = app();
        where.route(app, "POST", "/form", r -> r.header("content-type").orElse("none") + " " + r.bodyText());
        try (TestClient client = TestClient.create(app)) {
            String text = client.request("POST", "/form").form("name", "a b").form("note", "x&y=é").send().text();
            assertThat(text).isEqualTo("application/x-www-form-urlencoded name=a+b&note=x%26y%3D%C3%A9");
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void filesAreSentAsMultipartWithTheFormFields(Where where) {
        Starling app = app();
        where.route(app, "POST", "/upload", r -> Response.ok(r.body())
                .header("x-request-type", r.header("content-type").orElse("none")));
        try (TestClient client = TestClient.create(app)) {
            byte[] content = "line one\nline two ✓".getBytes(StandardCharsets.UTF_8);
            TestResponse response = client.request("POST", "/upload")
                    .form("title", "Notes")
                    .file("upload", "name.txt", content, "text/plain")
                    .send();

            String type = response.header("x-request-type").orElseThrow();
            assertThat(type).startsWith("multipart/form-data; boundary=");
            String boundary = type.substring("multipart/form-data; boundary=".length());
            assertThat(boundary).isNotBlank();
            String body = new String(response.bytes(), StandardCharsets.UTF_8);
            assertThat(body).isEqualTo("--" + boundary + "\r\n"
                    + "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
                    + "Notes\r\n"
                    + "--" + boundary + "\r\n"
                    + "Content-Disposition: form-data; name=\"upload\"; filename=\"name.txt\"\r\n"
                    + "Content-Type: text/plain\r\n\r\n"
                    + "line one\nline two ✓\r\n"
                    + "--" + boundary + "--\r\n");
        }
    }

    @Test
    void everyShortcutSendsItsMethod() {
        Starling app = app();
        for (String method : List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")) {
            app.route(method, "/method", r -> r.method() + " " + r.body().length);
        }
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.get("/method").text()).isEqualTo("GET 0");
            assertThat(client.post("/method").text()).isEqualTo("POST 0");
            assertThat(client.put("/method").text()).isEqualTo("PUT 0");
            assertThat(client.patch("/method").text()).isEqualTo("PATCH 0");
            assertThat(client.delete("/method").text()).isEqualTo("DELETE 0");
            assertThat(client.options("/method").text()).isEqualTo("OPTIONS 0");
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void headHasTheHeadersOfGetAndNoBody(Where where) {
        Starling app = app();
        where.route(app, "GET", "/page", r -> "twelve bytes");
        try (TestClient client = TestClient.create(app)) {
            TestResponse head = client.head("/page");
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).hasValue("12");
            assertThat(head.bytes()).isEmpty();
            assertThat(head.text()).isEmpty();
            assertThat(client.get("/page").text()).isEqualTo("twelve bytes");   // the connection is still sound
        }
    }

    // ---- server exceptions ----

    @ParameterizedTest
    @EnumSource(Where.class)
    void aServerExceptionIsRethrownInTheTest(Where where) {
        IllegalStateException boom = new IllegalStateException("boom");
        Starling app = app();
        where.route(app, "GET", "/boom", r -> {
            throw boom;
        });
        where.route(app, "GET", "/ok", r -> "ok");
        try (TestClient client = TestClient.create(app)) {
            assertThatThrownBy(() -> client.get("/boom")).isSameAs(boom);
            assertThat(client.get("/ok").text()).isEqualTo("ok");   // nothing left over for the next request
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void aServerErrorIsRethrownAsItIs(Where where) {
        StackOverflowError error = new StackOverflowError("deep");
        Starling app = app();
        where.route(app, "GET", "/error", r -> {
            throw error;
        });
        try (TestClient client = TestClient.create(app)) {
            assertThatThrownBy(() -> client.get("/error")).isSameAs(error);
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void aCheckedServerExceptionIsWrappedInAnAssertionError(Where where) {
        IOException disk = new IOException("disk full");
        Starling app = app();
        where.route(app, "POST", "/save", r -> {
            throw disk;
        });
        try (TestClient client = TestClient.create(app)) {
            assertThatThrownBy(() -> client.request("POST", "/save").json(Map.of("a", 1)).send())
                    .isInstanceOf(AssertionError.class)
                    .satisfies(e -> assertThat(e.getCause()).isSameAs(disk))
                    .hasMessage("POST /save ended in 500 because the server threw java.io.IOException: disk full "
                            + "(the cause of this error).");
        }
    }

    @Test
    void aFailedStageOnTheLoopIsRethrownToo() {
        IllegalArgumentException bad = new IllegalArgumentException("bad");
        Starling app = app().getAsync("/later", r -> CompletableFuture.supplyAsync(() -> {
            throw bad;
        }));
        try (TestClient client = TestClient.create(app)) {
            assertThatThrownBy(() -> client.get("/later")).isSameAs(bad);
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void withoutRaisingTheClientGetsThe500(Where where) {
        Starling app = app();
        where.route(app, "GET", "/boom", r -> {
            throw new IllegalStateException("boom");
        });
        where.route(app, "GET", "/checked", r -> {
            throw new IOException("disk full");
        });
        try (TestClient client = TestClient.create(app, false)) {
            assertThat(client.raisesServerExceptions()).isFalse();
            TestResponse response = client.get("/boom");
            assertThat(response.status()).isEqualTo(500);
            assertThat(response.json().get("detail").asString()).isEqualTo("Internal Server Error");
            assertThat(client.get("/checked").status()).isEqualTo(500);
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void concurrentFailuresAreEachRethrownToTheirOwnRequest(Where where) throws Exception {
        Starling app = app();
        where.route(app, "GET", "/fail/{n}", r -> {
            throw new IllegalStateException("failure " + r.pathParam("n").orElseThrow());
        });
        try (TestClient client = TestClient.create(app);
                ExecutorService threads = Executors.newFixedThreadPool(8)) {
            List<Future<String>> outcomes = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int n = i;
                outcomes.add(threads.submit(() -> {
                    try {
                        client.get("/fail/" + n);
                        return "no exception";
                    } catch (IllegalStateException e) {
                        return e.getMessage();
                    }
                }));
            }
            for (int i = 0; i < 40; i++) {
                assertThat(outcomes.get(i).get(30, TimeUnit.SECONDS)).isEqualTo("failure " + i);
            }
        }
    }

    @Test
    void onlyARaisingClientTagsItsRequests() {
        Starling app = app().get("/tag", r -> r.header(TestClient.REQUEST_ID_HEADER).isPresent() ? "tagged" : "plain");
        try (TestClient raising = TestClient.create(app); TestClient quiet = TestClient.create(app, false)) {
            assertThat(raising.get("/tag").text()).isEqualTo("tagged");
            assertThat(quiet.get("/tag").text()).isEqualTo("plain");
        }
    }

    @Test
    void theBuilderCanTurnRaisingOff() {
        Starling app = app().get("/boom", r -> {
            throw new IllegalStateException("boom");
        });
        try (TestClient client = TestClient.builder(app).raiseServerExceptions(false).timeout(Duration.ofSeconds(5))
                .build()) {
            assertThat(client.get("/boom").status()).isEqualTo(500);
        }
    }

    @ParameterizedTest
    @EnumSource(Where.class)
    void anHttpExceptionIsAResponseNotAServerException(Where where) {
        Starling app = app();
        where.route(app, "GET", "/missing", r -> {
            throw new HttpException(404, "Item 7 does not exist.");
        });
        where.route(app, "GET", "/unavailable", r -> {
            throw new HttpException(500, "Deliberate.");
        });
        try (TestClient client = TestClient.create(app)) {
            TestResponse missing = client.get("/missing");
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.json().get("detail").asString()).isEqualTo("Item 7 does not exist.");
            assertThat(client.get("/unavailable").status()).isEqualTo(500);
            assertThat(client.get("/nowhere").status()).isEqualTo(404);
        }
    }

    // ---- bad use ----

    @Test
    void badUseIsExplainedInASentence() {
        try (TestClient client = TestClient.create(app().get("/text", r -> "not json"))) {
            assertThatThrownBy(() -> client.get("items/1"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("The path 'items/1' must start with '/'");
            assertThatThrownBy(() -> client.get("/a b"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("The path '/a b' is not a valid request target");
            assertThatThrownBy(() -> client.request("GET", "/x").header("host", "example.com"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("The header 'host' cannot be set on a test request");
            assertThatThrownBy(() -> client.request("GET", "/x").header(TestClient.REQUEST_ID_HEADER, "1"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is reserved");
            assertThatThrownBy(() -> client.request("POST", "/x").json(1).body("x", "text/plain"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("This request already has a JSON (json(...)) body, so body(...) cannot add another; "
                            + "a request has one body.");
            assertThatThrownBy(() -> client.request("POST", "/x").form("a", "b").json(1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("This request already has a form");
            assertThatThrownBy(() -> client.request("HEAD", "/x").json(1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("A HEAD request cannot have a body, so json(...) cannot be used on it.");
            assertThatThrownBy(() -> client.request("GET", "/x").cookie("a", "b c"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("The value of cookie 'a' holds a space");
            TestRequest once = client.request("GET", "/text");
            once.send();
            assertThatThrownBy(once::send)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("This request to GET /text has already been sent");
            assertThatThrownBy(() -> client.get("/text").json())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("The body of the response to GET /text (200, text/plain; charset=utf-8) "
                            + "cannot be read as a JSON tree")
                    .hasMessageEndingWith("; the body is: not json");
        }
    }

    @Test
    void aSlowHandlerTimesOutWithASentence() {
        Starling app = app().get("/slow", r -> {
            Thread.sleep(2_000);
            return "late";
        });
        try (TestClient client = TestClient.create(app)) {
            assertThatThrownBy(() -> client.request("GET", "/slow").timeout(Duration.ofMillis(200)).send())
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageStartingWith("GET /slow got no response within 200 ms");
        }
    }
}
