package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.params.Body;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a handler's result or failure becomes a response: the body's encoding and content type, the status
 * and headers of a {@link Response}, 204 for nothing, a declared {@link Status}, and {@link HttpException},
 * unexpected exceptions and failed stages as JSON errors. Every test runs on the offloaded path and on the event
 * loop.
 */
class ResponsesTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SECRET = "password=hunter2 in the exception message";

    record Item(int id, String name, List<String> tags) {
    }

    /** A value Jackson fails to write: its only property throws. */
    static final class Unwritable {
        public String getValue() {
            throw new IllegalStateException(SECRET);
        }
    }

    private static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    /** Asserts the status, the content type and that content-length is the body's size in bytes. */
    private static void assertResponse(HttpResponse<String> response, int status, String contentType) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue(contentType);
        assertThat(response.headers().firstValue("content-length"))
                .hasValue(String.valueOf(response.body().getBytes(StandardCharsets.UTF_8).length));
    }

    private static void assertError(HttpResponse<String> response, int status, String body) {
        assertResponse(response, status, "application/json");
        assertThat(json(response.body())).isEqualTo(json(body));
    }

    /**
     * GETs {@code path} with a five-second timeout, for responses that were once never sent: the test fails
     * instead of hanging (serve such apps with a short grace period, as an unanswered request holds up the stop).
     */
    private static HttpResponse<String> getSoon(Http http, String path) {
        return http.send(HttpRequest.newBuilder(http.uri(path)).timeout(Duration.ofSeconds(5)).GET().build());
    }

    // ---- bodies ----

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aStringIsPlainTextInUtf8(HandlerPath path) {
        try (Http http = Http.serve(app -> path.get(app, "/text", r -> "héllo ✓"))) {
            HttpResponse<String> response = http.get("/text");

            assertResponse(response, 200, "text/plain; charset=utf-8");
            assertThat(response.body()).isEqualTo("héllo ✓");
            assertThat(response.headers().firstValue("content-length")).hasValue("10");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aRecordIsJson(HandlerPath path) {
        try (Http http = Http.serve(app -> path.get(app, "/item", r -> new Item(7, "hammer", List.of("tool"))))) {
            HttpResponse<String> response = http.get("/item");

            assertResponse(response, 200, "application/json");
            assertThat(json(response.body())).isEqualTo(json("{\"id\":7,\"name\":\"hammer\",\"tags\":[\"tool\"]}"));
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aMapIsJson(HandlerPath path) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("count", 2);
        map.put("missing", null);
        map.put("nested", Map.of("ok", true));
        try (Http http = Http.serve(app -> path.get(app, "/map", r -> map))) {
            HttpResponse<String> response = http.get("/map");

            assertResponse(response, 200, "application/json");
            assertThat(json(response.body()))
                    .isEqualTo(json("{\"count\":2,\"missing\":null,\"nested\":{\"ok\":true}}"));
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aListIsJson(HandlerPath path) {
        try (Http http = Http.serve(app -> path.get(app, "/list",
                r -> List.of(new Item(1, "a", List.of()), new Item(2, "b", List.of("x")))))) {
            HttpResponse<String> response = http.get("/list");

            assertResponse(response, 200, "application/json");
            assertThat(json(response.body())).isEqualTo(json(
                    "[{\"id\":1,\"name\":\"a\",\"tags\":[]},{\"id\":2,\"name\":\"b\",\"tags\":[\"x\"]}]"));
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aByteArrayIsAnOctetStream(HandlerPath path) {
        byte[] bytes = {0, 1, 2, (byte) 0xff, 'a'};
        try (Http http = Http.serve(app -> path.get(app, "/bytes", r -> bytes))) {
            HttpResponse<byte[]> response = sendBytes(http, "/bytes");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValue("application/octet-stream");
            assertThat(response.headers().firstValue("content-length")).hasValue("5");
            assertThat(response.body()).containsExactly(bytes);
        }
    }

    private static HttpResponse<byte[]> sendBytes(Http http, String path) {
        try {
            return http.client.send(HttpRequest.newBuilder(http.uri(path)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new AssertionError("GET " + path + " failed: " + e, e);
        }
    }

    // ---- Response ----

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aResponseSetsTheStatusHeadersAndAJsonBody(HandlerPath path) {
        try (Http http = Http.serve(app -> path.route(app, "POST", "/items", r -> Response.status(201)
                .header("location", "/items/42").header("x-trace", "one").header("x-trace", "two")
                .body(new Item(42, "saw", List.of()))))) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(http.uri("/items"))
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build());

            assertResponse(response, 201, "application/json");
            assertThat(response.headers().firstValue("location")).hasValue("/items/42");
            assertThat(response.headers().allValues("x-trace")).containsExactly("one", "two");
            assertThat(json(response.body())).isEqualTo(json("{\"id\":42,\"name\":\"saw\",\"tags\":[]}"));
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aContentTypeHeaderOfAResponseReplacesTheDefaultOne(HandlerPath path) {
        try (Http http = Http.serve(app -> path.get(app, "/page", r -> Response.ok("<p>hi</p>")
                .header("Content-Type", "text/html; charset=utf-8")))) {
            HttpResponse<String> response = http.get("/page");

            assertResponse(response, 200, "text/html; charset=utf-8");
            assertThat(response.headers().allValues("content-type")).hasSize(1);
            assertThat(response.body()).isEqualTo("<p>hi</p>");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void everyAnswerCarriesTheDateUnlessTheHandlerSetsItsOwn(HandlerPath path) {
        // RFC 9110 section 6.6.1: an origin server with a clock sends Date in every 2xx, 3xx and 4xx answer.
        try (Http http = Http.serve(app -> {
            path.get(app, "/text", r -> "text");
            path.get(app, "/none", r -> null);
            path.get(app, "/dated", r -> Response.ok("old").header("date", "Thu, 01 Jan 2015 00:00:00 GMT"));
        }); RawConnection connection = RawConnection.open(http.app.port())) {
            for (String target : new String[] {"/text", "/none", "/nowhere", "/text?%zz"}) {
                RawConnection.Response response = connection.send("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n")
                        .read();
                Instant date = Instant.from(DateTimeFormatter.RFC_1123_DATE_TIME.parse(
                        response.header("date").orElseThrow(() -> new AssertionError("no date: " + response))));
                assertThat(Duration.between(date, Instant.now()).abs()).as(target).isLessThan(Duration.ofMinutes(1));
            }
            assertThat(connection.send("GET /dated HTTP/1.1\r\nHost: a\r\n\r\n").read().headers().get("date"))
                    .containsExactly("Thu, 01 Jan 2015 00:00:00 GMT");
        }
        try (Http http = Http.serve(app -> { }); RawConnection connection = RawConnection.open(http.app.port())) {
            // A refusal of the connection handler's, before any route.
            RawConnection.Response refused = connection.send("GET / HTTP/1.1\r\n\r\n").read();
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.header("date")).isPresent();
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void nullIs204WithoutABodyOrContentLength(HandlerPath path) {
        try (Http http = Http.serve(app -> path.route(app, "DELETE", "/items/1", r -> null));
             RawConnection connection = RawConnection.open(http.app.port())) {
            // Read raw: the next response on the connection starts right after the 204's headers.
            connection.send("DELETE /items/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            RawConnection.Response response = connection.read();
            assertThat(response.status()).as(response.toString()).isEqualTo(204);
            assertThat(response.header("content-type")).isEmpty();
            // RFC 9110 section 8.6 and RFC 9112 section 6.1: no content-length and no transfer-encoding in a 204.
            assertThat(response.header("content-length")).isEmpty();
            assertThat(response.header("transfer-encoding")).isEmpty();

            RawConnection.Response next = connection.send("GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
            assertThat(next.statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
        }
    }

    /** A void method, offloaded. */
    static final class VoidApi {
        @Delete("/items/{id}")
        void delete(int id) {
            HandlerPath.OFFLOADED.check();
        }
    }

    /** A stage of Void, on the loop. */
    static final class VoidStageApi {
        @Delete("/items/{id}")
        CompletionStage<Void> delete(int id) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(null);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aVoidMethodIs204(HandlerPath path) {
        Object api = path == HandlerPath.LOOP ? new VoidStageApi() : new VoidApi();
        try (Http http = Http.serve(app -> app.include(api))) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(http.uri("/items/3"))
                    .timeout(Duration.ofSeconds(30)).DELETE().build());

            assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
            assertThat(response.body()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aResponseWithAHeaderThatCannotBeSentIs500AndItsBodyIsReleased(HandlerPath path) {
        // The body is already in a pooled buffer when the header name (a space is not allowed) is refused; were
        // that buffer dropped unreleased, NettyLeakDetection would fail this class after it.
        try (Http http = Http.serve(app -> {
            path.get(app, "/bad", r -> Response.ok("x".repeat(1000)).header("bad name", "v"));
            path.get(app, "/ok", r -> "still here");
        })) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> response = http.get("/bad");

                assertError(response, 500, "{\"detail\":\"Internal Server Error\"}");
                assertThat(response.headers().map()).doesNotContainKey("bad name");
            }
            assertThat(http.get("/ok").body()).isEqualTo("still here");
        }
    }

    // ---- failures ----

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anHttpExceptionSendsItsStatusAndDetail(HandlerPath path) {
        try (Http http = Http.serve(app -> path.get(app, "/items/7", r -> {
            throw new HttpException(404, "Item 7 does not exist.");
        }))) {
            assertError(http.get("/items/7"), 404, "{\"detail\":\"Item 7 does not exist.\"}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anHttpExceptionSendsItsHeaders(HandlerPath path) {
        try (Http http = Http.serve(app -> path.get(app, "/private", r -> {
            throw new HttpException(401, "Not authenticated", Map.of("WWW-Authenticate", "Bearer"));
        }))) {
            HttpResponse<String> response = http.get("/private");

            assertError(response, 401, "{\"detail\":\"Not authenticated\"}");
            assertThat(response.headers().firstValue("www-authenticate")).hasValue("Bearer");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anHttpExceptionWithAStructuredDetailSendsItAsJson(HandlerPath path) {
        try (Http http = Http.serve(app -> path.get(app, "/conflict", r -> {
            throw new HttpException(409, Map.of("code", "taken", "ids", List.of(1, 2)));
        }))) {
            assertError(http.get("/conflict"), 409, "{\"detail\":{\"code\":\"taken\",\"ids\":[1,2]}}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anHttpExceptionWithoutADetailSendsTheStatusPhrase(HandlerPath path) {
        // FastAPI: HTTPException(status_code=400) answers {"detail": "Bad Request"}. A short grace period, as a
        // request that is never answered would hold up the stop.
        try (Http http = Http.serve(c -> c.shutdownGrace(Duration.ofMillis(200)), app -> path.get(app, "/bad", r -> {
            throw new HttpException(400, null);
        }))) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(http.uri("/bad"))
                    .timeout(Duration.ofSeconds(5)).GET().build());

            assertError(response, 400, "{\"detail\":\"Bad Request\"}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anUnexpectedExceptionIs500WithoutDetailsAndTheServerKeepsServing(HandlerPath path) {
        try (Http http = Http.serve(app -> {
            path.get(app, "/boom", r -> {
                throw new IllegalStateException(SECRET);
            });
            path.get(app, "/ok", r -> "still here");
        })) {
            HttpResponse<String> response = http.get("/boom");

            assertError(response, 500, "{\"detail\":\"Internal Server Error\"}");
            assertThat(response.body()).doesNotContain("hunter2").doesNotContain("IllegalStateException")
                    .doesNotContain("at dev.starling");

            HttpResponse<String> ok = http.get("/ok");
            assertResponse(ok, 200, "text/plain; charset=utf-8");
            assertThat(ok.body()).isEqualTo("still here");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aCheckedExceptionIs500Too(HandlerPath path) {
        try (Http http = Http.serve(app -> path.get(app, "/io", r -> {
            throw new java.io.IOException(SECRET);
        }))) {
            HttpResponse<String> response = http.get("/io");

            assertError(response, 500, "{\"detail\":\"Internal Server Error\"}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aResultThatCannotBeEncodedIs500WithoutDetails(HandlerPath path) {
        try (Http http = Http.serve(app -> {
            path.get(app, "/unwritable", r -> new Unwritable());
            path.get(app, "/ok", r -> "still here");
        })) {
            HttpResponse<String> response = http.get("/unwritable");

            assertError(response, 500, "{\"detail\":\"Internal Server Error\"}");
            assertThat(response.body()).doesNotContain("hunter2");
            assertThat(http.get("/ok").body()).isEqualTo("still here");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aFailedStageIsAnsweredLikeAThrownException(HandlerPath path) {
        // On the loop the handler returns the failed stage; offloaded, a plain handler returns it.
        try (Http http = Http.serve(app -> {
            path.get(app, "/missing", r -> CompletableFuture.failedFuture(new HttpException(404, "Item 7 does not "
                    + "exist.", Map.of("x-reason", "gone"))));
            path.get(app, "/broken", r -> CompletableFuture.failedFuture(new IllegalStateException(SECRET)));
        })) {
            HttpResponse<String> missing = http.get("/missing");
            assertError(missing, 404, "{\"detail\":\"Item 7 does not exist.\"}");
            assertThat(missing.headers().firstValue("x-reason")).hasValue("gone");

            HttpResponse<String> broken = http.get("/broken");
            assertError(broken, 500, "{\"detail\":\"Internal Server Error\"}");
            assertThat(broken.body()).doesNotContain("hunter2");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anHttpExceptionWithAHeaderThatCannotBeSentIs500WithoutIt(HandlerPath path) {
        // A space is not allowed in a header name: the exception's own answer cannot be sent, whether it is
        // thrown or fails the returned stage.
        HttpException slowDown = new HttpException(429, "Slow down.", Map.of("retry after", "3"));
        try (Http http = Http.serve(c -> c.shutdownGrace(Duration.ofMillis(200)), app -> {
            path.get(app, "/thrown", r -> {
                throw slowDown;
            });
            path.get(app, "/failed", r -> CompletableFuture.failedFuture(slowDown));
        })) {
            for (String route : List.of("/thrown", "/failed")) {
                HttpResponse<String> response = getSoon(http, route);

                assertError(response, 500, "{\"detail\":\"Internal Server Error\"}");
                assertThat(response.headers().map()).as(route).doesNotContainKey("retry after");
            }
        }
    }

    /** A method that returns a publisher, so it runs on the loop, and a publisher that cannot be subscribed to. */
    static final class UnsubscribableApi {
        @Get("/numbers")
        Flow.Publisher<String> numbers() {
            HandlerPath.LOOP.check();
            return unsubscribable();
        }

        static Flow.Publisher<String> unsubscribable() {
            return subscriber -> {
                throw new IllegalStateException(SECRET);
            };
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aPublisherWhoseSubscribeThrowsIs500WithoutDetails(HandlerPath path) {
        // On the loop, a method that returns the publisher itself; offloaded, a plain handler.
        try (Http http = Http.serve(c -> c.shutdownGrace(Duration.ofMillis(200)), app -> {
            if (path == HandlerPath.LOOP) {
                app.include(new UnsubscribableApi());
            } else {
                path.get(app, "/numbers", r -> UnsubscribableApi.unsubscribable());
            }
            path.get(app, "/ok", r -> "still here");
        })) {
            HttpResponse<String> response = getSoon(http, "/numbers");

            assertError(response, 500, "{\"detail\":\"Internal Server Error\"}");
            assertThat(response.body()).doesNotContain("hunter2");
            assertThat(http.get("/ok").body()).isEqualTo("still here");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aStageThatFailsLaterIsAnsweredLikeAThrownException(HandlerPath path) throws Exception {
        CountDownLatch returned = new CountDownLatch(1);
        CompletableFuture<String> stage = new CompletableFuture<>();
        try (Http http = Http.serve(app -> path.get(app, "/later", r -> {
            returned.countDown();
            return stage;
        }))) {
            CompletableFuture<HttpResponse<String>> pending = http.client.sendAsync(HttpRequest.newBuilder(
                    http.uri("/later")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(returned.await(10, TimeUnit.SECONDS)).as("the handler returned its stage").isTrue();
            stage.completeExceptionally(new HttpException(503, "Try again.", Map.of("retry-after", "3")));

            HttpResponse<String> response = pending.get(30, TimeUnit.SECONDS);
            assertError(response, 503, "{\"detail\":\"Try again.\"}");
            assertThat(response.headers().firstValue("retry-after")).hasValue("3");
        }
    }

    // ---- a declared status ----

    /** The same handlers, offloaded under /off and on the loop under /loop. */
    static final class Statuses {
        @Post("/off/items") @Status(201)
        Item create(@Body Item item) {
            HandlerPath.OFFLOADED.check();
            return item;
        }

        @Post("/loop/items") @Status(201)
        CompletionStage<Item> createAsync(@Body Item item) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(item);
        }

        @Post("/off/queue") @Status(202)
        void enqueue() {
            HandlerPath.OFFLOADED.check();
        }

        @Post("/loop/queue") @Status(202)
        CompletionStage<Void> enqueueAsync() {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(null);
        }

        @Delete("/off/items")
        void remove() {
            HandlerPath.OFFLOADED.check();
        }

        @Delete("/loop/items")
        CompletionStage<Void> removeAsync() {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(null);
        }

        @Get("/off/either/{conflict}") @Status(201)
        Object either(boolean conflict) {
            HandlerPath.OFFLOADED.check();
            return conflict ? Response.status(409).body("taken") : new Item(1, "new", List.of());
        }

        @Get("/loop/either/{conflict}") @Status(201)
        CompletionStage<Object> eitherAsync(boolean conflict) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(conflict ? Response.status(409).body("taken")
                    : new Item(1, "new", List.of()));
        }

        @Get("/off/missing") @Status(201)
        Item missing() {
            HandlerPath.OFFLOADED.check();
            throw new HttpException(404, "No such item.");
        }

        @Get("/loop/missing") @Status(201)
        CompletionStage<Item> missingAsync() {
            HandlerPath.LOOP.check();
            return CompletableFuture.failedFuture(new HttpException(404, "No such item."));
        }

        @Get("/off/nothing") @Status(201)
        Item nothing() {
            HandlerPath.OFFLOADED.check();
            return null;
        }

        @Get("/loop/nothing") @Status(201)
        CompletionStage<Item> nothingAsync() {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(null);
        }
    }

    private static TestClient statuses() {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
        app.include(new Statuses());
        return TestClient.create(app);
    }

    private static String prefix(HandlerPath path) {
        return path == HandlerPath.LOOP ? "/loop" : "/off";
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aDeclaredStatusAnswersAPlainReturnValue(HandlerPath path) {
        try (TestClient client = statuses()) {
            TestResponse r = client.request("POST", prefix(path) + "/items")
                    .body("{\"id\":7,\"name\":\"hammer\",\"tags\":[]}", "application/json").send();
            assertThat(r.status()).as(r.text()).isEqualTo(201);
            assertThat(r.header("content-type")).hasValue("application/json");
            assertThat(r.text()).isEqualTo("{\"id\":7,\"name\":\"hammer\",\"tags\":[]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aVoidHandlerAnswers204OrItsDeclaredStatusWithoutABody(HandlerPath path) {
        try (TestClient client = statuses()) {
            TestResponse removed = client.request("DELETE", prefix(path) + "/items").send();
            assertThat(removed.status()).isEqualTo(204);
            TestResponse queued = client.request("POST", prefix(path) + "/queue").send();
            assertThat(queued.status()).isEqualTo(202);
            assertThat(queued.text()).isEmpty();
            assertThat(queued.header("content-length")).hasValue("0");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aResponseOrAnExceptionKeepsItsOwnStatusUnderADeclaredOne(HandlerPath path) {
        try (TestClient client = statuses()) {
            assertThat(client.get(prefix(path) + "/either/false").status()).isEqualTo(201);
            TestResponse conflict = client.get(prefix(path) + "/either/true");
            assertThat(conflict.status()).isEqualTo(409);
            assertThat(conflict.text()).isEqualTo("taken");
            TestResponse missing = client.get(prefix(path) + "/missing");
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.text()).isEqualTo("{\"detail\":\"No such item.\"}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aNullValueUnderADeclaredStatusIsThatStatusWithoutABody(HandlerPath path) {
        try (TestClient client = statuses()) {
            TestResponse r = client.get(prefix(path) + "/nothing");
            assertThat(r.status()).isEqualTo(201);
            assertThat(r.text()).isEmpty();
        }
    }
}
