package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.params.Header;
import dev.starling.params.Path;
import dev.starling.params.Query;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Method and path to route, path values and query and header values to typed parameters, and the 404, 405
 * and 422 answers when that fails. Every test runs the same routes declared twice: as plain methods
 * (offloaded) and as methods returning a {@code CompletionStage} (on the event loop).
 */
class RoutingTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    enum Color { RED, GREEN, BLUE }

    /** The handlers' logic, shared by both declarations. */
    static final class Logic {
        static String item(int id) {
            return "item " + id;
        }

        static String uuid(UUID id) {
            return "uuid " + id;
        }

        static String color(Color color) {
            return "color " + color.name();
        }

        static String big(long n) {
            return "long " + n;
        }

        static String file(String name) {
            return "file [" + name + "]";
        }

        static String search(String q, int limit) {
            return "q=[" + q + "] limit=" + limit;
        }

        static String page(Optional<Integer> page) {
            return page.map(p -> "page " + p).orElse("no page");
        }

        static String tags(List<String> tags) {
            return "tags " + tags;
        }

        static String agent(String userAgent, Optional<String> requestId) {
            return "agent [" + userAgent + "] id " + requestId.orElse("none");
        }

        static String request(Request request, int id) {
            return request.method() + " " + request.path() + " id=" + id + " pathParam=" + request.pathParam("id")
                    .orElse("?") + " q=" + request.query("q").orElse("?");
        }
    }

    /** The routes as plain methods: offloaded to a worker. */
    static final class OffloadedApi {
        private static String on(String value) {
            HandlerPath.OFFLOADED.check();
            return value;
        }

        @Get("/items/{id}") String item(int id) { return on(Logic.item(id)); }
        @Get("/uuids/{id}") String uuid(UUID id) { return on(Logic.uuid(id)); }
        @Get("/colors/{color}") String color(Color color) { return on(Logic.color(color)); }
        @Get("/longs/{n}") String big(@Path("n") long number) { return on(Logic.big(number)); }
        @Get("/files/{name}") String file(String name) { return on(Logic.file(name)); }
        @Get("/search") String search(String q, @Query int limit) { return on(Logic.search(q, limit)); }
        @Get("/page") String page(Optional<Integer> page) { return on(Logic.page(page)); }
        @Get("/tags") String tags(@Query("tag") List<String> tags) { return on(Logic.tags(tags)); }
        @Get("/agent") String agent(@Header String userAgent, @Header("x-request-id") Optional<String> requestId) {
            return on(Logic.agent(userAgent, requestId));
        }
        @Get("/token") String token(@Header("x-token") String token) { return on("token " + token); }
        @Get("/requests/{id}") String request(Request request, int id) { return on(Logic.request(request, id)); }
        @Get("/things") String getThing() { return on("got"); }
        @Delete("/things") String deleteThing() { return on("deleted"); }
    }

    /** The same routes returning stages: run on the event loop. */
    static final class LoopApi {
        private static CompletionStage<String> on(String value) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(value);
        }

        @Get("/items/{id}") CompletionStage<String> item(int id) { return on(Logic.item(id)); }
        @Get("/uuids/{id}") CompletionStage<String> uuid(UUID id) { return on(Logic.uuid(id)); }
        @Get("/colors/{color}") CompletionStage<String> color(Color color) { return on(Logic.color(color)); }
        @Get("/longs/{n}") CompletionStage<String> big(@Path("n") long number) { return on(Logic.big(number)); }
        @Get("/files/{name}") CompletionStage<String> file(String name) { return on(Logic.file(name)); }
        @Get("/search") CompletionStage<String> search(String q, @Query int limit) {
            return on(Logic.search(q, limit));
        }
        @Get("/page") CompletionStage<String> page(Optional<Integer> page) { return on(Logic.page(page)); }
        @Get("/tags") CompletionStage<String> tags(@Query("tag") List<String> tags) { return on(Logic.tags(tags)); }
        @Get("/agent") CompletionStage<String> agent(@Header String userAgent,
                                                     @Header("x-request-id") Optional<String> requestId) {
            return on(Logic.agent(userAgent, requestId));
        }
        @Get("/token") CompletionStage<String> token(@Header("x-token") String token) {
            return on("token " + token);
        }
        @Get("/requests/{id}") CompletionStage<String> request(Request request, int id) {
            return on(Logic.request(request, id));
        }
        @Get("/things") CompletionStage<String> getThing() { return on("got"); }
        @Delete("/things") CompletionStage<String> deleteThing() { return on("deleted"); }
    }

    private static Http serve(HandlerPath path) {
        return Http.serve(app -> app.include(path == HandlerPath.LOOP ? new LoopApi() : new OffloadedApi()));
    }

    private static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    private static void assertText(HttpResponse<String> response, String body) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(body);
    }

    private static void assertJson(HttpResponse<String> response, int status, String body) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(json(response.body())).isEqualTo(json(body));
    }

    private static HttpResponse<String> send(Http http, String method, String pathAndQuery) {
        return http.send(HttpRequest.newBuilder(http.uri(pathAndQuery)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aPutWithContentRangeIs400AndItsHandlerDoesNotRun(HandlerPath path) {
        // RFC 9110 section 9.3.4: a partial body must not be stored as the whole representation.
        java.util.concurrent.atomic.AtomicInteger stored = new java.util.concurrent.atomic.AtomicInteger();
        try (Http http = Http.serve(app -> path.route(app, "PUT", "/doc", r -> "stored " + stored.incrementAndGet()))) {
            HttpResponse<String> partial = http.send(HttpRequest.newBuilder(http.uri("/doc"))
                    .timeout(Duration.ofSeconds(30)).header("content-range", "bytes 0-2/10")
                    .PUT(HttpRequest.BodyPublishers.ofString("abc")).build());

            assertJson(partial, 400, "{\"detail\":\"A PUT request cannot have a Content-Range header: send the "
                    + "whole representation.\"}");
            assertThat(stored).hasValue(0);
            assertText(http.send(HttpRequest.newBuilder(http.uri("/doc")).timeout(Duration.ofSeconds(30))
                    .PUT(HttpRequest.BodyPublishers.ofString("abc")).build()), "stored 1");
        }
    }

    // ---- no route ----

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anUnknownPathIs404WithFastApisBody(HandlerPath path) {
        try (Http http = serve(path)) {
            assertJson(http.get("/nowhere"), 404, "{\"detail\":\"Not Found\"}");
            assertJson(http.get("/items/1/more"), 404, "{\"detail\":\"Not Found\"}");
            assertJson(http.get("/items/"), 404, "{\"detail\":\"Not Found\"}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aKnownPathWithAnotherMethodIs405WithAnAllowHeader(HandlerPath path) {
        try (Http http = serve(path)) {
            HttpResponse<String> put = send(http, "PUT", "/things");
            assertJson(put, 405, "{\"detail\":\"Method Not Allowed\"}");
            assertThat(allowed(put)).containsExactlyInAnyOrder("DELETE", "GET", "HEAD");

            HttpResponse<String> post = send(http, "POST", "/items/7");
            assertJson(post, 405, "{\"detail\":\"Method Not Allowed\"}");
            assertThat(allowed(post)).containsExactlyInAnyOrder("GET", "HEAD");

            assertText(send(http, "DELETE", "/things"), "deleted");
        }
    }

    private static List<String> allowed(HttpResponse<String> response) {
        String allow = response.headers().firstValue("allow").orElseThrow(
                () -> new AssertionError("A 405 needs an allow header: " + response.headers().map()));
        return Arrays.stream(allow.split(",")).map(String::trim).toList();
    }

    // ---- path parameters ----

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void pathValuesAreConvertedToTheParameterTypes(HandlerPath path) {
        UUID uuid = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
        try (Http http = serve(path)) {
            assertText(http.get("/items/42"), "item 42");
            assertText(http.get("/items/-3"), "item -3");
            assertText(http.get("/uuids/" + uuid), "uuid " + uuid);
            assertText(http.get("/colors/GREEN"), "color GREEN");
            assertText(http.get("/longs/9007199254740993"), "long 9007199254740993");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void percentEncodedPathSegmentsAreDecoded(HandlerPath path) {
        try (Http http = serve(path)) {
            assertText(http.get("/files/a%20b"), "file [a b]");
            assertText(http.get("/files/caf%C3%A9"), "file [café]");
            assertText(http.get("/files/a%2Fb"), "file [a/b]");
            assertText(http.get("/files/a+b"), "file [a+b]");
            assertText(http.get("/items/%34%32"), "item 42");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aPathValueThatIsNoIntegerIs422WithFastApisBody(HandlerPath path) {
        try (Http http = serve(path)) {
            assertJson(http.get("/items/abc"), 422, """
                    {"detail":[{"type":"int_parsing","loc":["path","id"],
                      "msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}
                    """);
            assertJson(http.get("/longs/1.5"), 422, """
                    {"detail":[{"type":"int_parsing","loc":["path","n"],
                      "msg":"Input should be a valid integer, unable to parse string as an integer","input":"1.5"}]}
                    """);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aPathValueThatIsNoUuidOrNoEnumConstantIs422(HandlerPath path) {
        try (Http http = serve(path)) {
            assertJson(http.get("/uuids/nope"), 422, """
                    {"detail":[{"type":"uuid_parsing","loc":["path","id"],
                      "msg":"Input should be a valid UUID, unable to parse string as a UUID","input":"nope"}]}
                    """);
            HttpResponse<String> color = http.get("/colors/purple");
            assertThat(color.statusCode()).as(color.body()).isEqualTo(422);
            JsonNode error = json(color.body()).get("detail").get(0);
            assertThat(error.get("type").asString()).isEqualTo("enum");
            assertThat(error.get("loc")).isEqualTo(json("[\"path\",\"color\"]"));
            assertThat(error.get("msg").asString()).isEqualTo("Input should be 'RED', 'GREEN' or 'BLUE'");
            assertThat(error.get("input").asString()).isEqualTo("purple");
        }
    }

    // ---- query parameters ----

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void queryValuesBindToParametersOfTheSameName(HandlerPath path) {
        try (Http http = serve(path)) {
            assertText(http.get("/search?q=a%20b&limit=5"), "q=[a b] limit=5");
            assertText(http.get("/search?limit=5&q=x&q=ignored"), "q=[x] limit=5");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aMissingRequiredQueryValueIs422WithFastApisBody(HandlerPath path) {
        try (Http http = serve(path)) {
            assertJson(http.get("/search?limit=5"), 422, """
                    {"detail":[{"type":"missing","loc":["query","q"],"msg":"Field required","input":null}]}
                    """);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void everyInvalidValueOfARequestIsListedInOne422(HandlerPath path) {
        try (Http http = serve(path)) {
            assertJson(http.get("/search?limit=ten"), 422, """
                    {"detail":[
                      {"type":"missing","loc":["query","q"],"msg":"Field required","input":null},
                      {"type":"int_parsing","loc":["query","limit"],
                       "msg":"Input should be a valid integer, unable to parse string as an integer","input":"ten"}]}
                    """);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anOptionalQueryValueIsEmptyWhenAbsent(HandlerPath path) {
        try (Http http = serve(path)) {
            assertText(http.get("/page"), "no page");
            assertText(http.get("/page?page=3"), "page 3");
            assertJson(http.get("/page?page=x"), 422, """
                    {"detail":[{"type":"int_parsing","loc":["query","page"],
                      "msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"}]}
                    """);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aListParameterTakesEveryRepeatedValueUnderItsExplicitName(HandlerPath path) {
        try (Http http = serve(path)) {
            assertText(http.get("/tags?tag=a&tag=b%20c&tag=a"), "tags [a, b c, a]");
            assertText(http.get("/tags"), "tags []");
            assertText(http.get("/tags?tags=not-this-name"), "tags []");
        }
    }

    // ---- headers and the request ----

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aHeaderParameterTakesItsNameFromTheParameterInKebabCase(HandlerPath path) {
        try (Http http = serve(path)) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(http.uri("/agent"))
                    .timeout(Duration.ofSeconds(30)).header("User-Agent", "starling-test/1.0")
                    .header("X-Request-Id", "r-7").GET().build());
            assertText(response, "agent [starling-test/1.0] id r-7");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aMissingRequiredHeaderIs422WithItsHeaderName(HandlerPath path) {
        try (Http http = serve(path)) {
            assertJson(http.get("/token"), 422, """
                    {"detail":[{"type":"missing","loc":["header","x-token"],"msg":"Field required","input":null}]}
                    """);
            assertText(http.send(HttpRequest.newBuilder(http.uri("/token")).timeout(Duration.ofSeconds(30))
                    .header("X-Token", "t1").GET().build()), "token t1");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aRequestParameterIsGivenTheRequest(HandlerPath path) {
        try (Http http = serve(path)) {
            assertText(http.get("/requests/5?q=a%20b"), "GET /requests/5 id=5 pathParam=5 q=a b");
        }
    }

    @org.junit.jupiter.api.Test
    void aTemplateServesAMethodThatAStaticPathOfTheSameShapeDoesNot() {
        try (Http http = Http.serve(app -> app
                .get("/reports/latest", r -> "latest")
                .post("/reports/{name}", r -> "posted " + r.pathParam("name").orElseThrow()))) {
            assertThat(http.get("/reports/latest").body()).isEqualTo("latest");
            var posted = http.send(java.net.http.HttpRequest.newBuilder(http.uri("/reports/latest"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build());
            assertThat(posted.body()).isEqualTo("posted latest");
            var deleted = http.send(java.net.http.HttpRequest.newBuilder(http.uri("/reports/latest")).DELETE().build());
            assertThat(deleted.statusCode()).isEqualTo(405);
            assertThat(deleted.headers().firstValue("allow")).hasValue("GET, HEAD, POST");
        }
    }

    @org.junit.jupiter.api.Test
    void ofTwoTemplatesThatMatchAPathTheOneAddedFirstServesIt() {
        try (Http http = Http.serve(app -> app
                .get("/a/{x}/c", r -> "a: parameter first " + r.pathParam("x").orElseThrow())
                .get("/a/b/{y}", r -> "a: literal second " + r.pathParam("y").orElseThrow())
                .get("/p/b/{y}", r -> "p: literal first " + r.pathParam("y").orElseThrow())
                .get("/p/{x}/c", r -> "p: parameter second " + r.pathParam("x").orElseThrow()))) {
            assertThat(http.get("/a/b/c").body()).isEqualTo("a: parameter first b");
            assertThat(http.get("/a/b/d").body()).isEqualTo("a: literal second d");
            assertThat(http.get("/a/z/c").body()).isEqualTo("a: parameter first z");
            assertThat(http.get("/p/b/c").body()).isEqualTo("p: literal first c");
            assertThat(http.get("/p/z/c").body()).isEqualTo("p: parameter second z");
            assertThat(http.get("/p//c").statusCode()).as("a parameter is never empty").isEqualTo(404);
        }
    }

    @org.junit.jupiter.api.Test
    void aMethodNotAllowedOnEveryMatchingTemplateIs405WithTheMethodsOfAllOfThem() {
        try (Http http = Http.serve(app -> app
                .get("/m/{x}/z", r -> "get")
                .post("/m/k/{y}", r -> "post"))) {
            var put = http.send(java.net.http.HttpRequest.newBuilder(http.uri("/m/k/z"))
                    .PUT(java.net.http.HttpRequest.BodyPublishers.noBody()).build());
            assertThat(put.statusCode()).isEqualTo(405);
            assertThat(put.headers().firstValue("allow")).hasValue("GET, HEAD, POST");
            var post = http.send(java.net.http.HttpRequest.newBuilder(http.uri("/m/k/z"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build());
            assertThat(post.body()).isEqualTo("post");
        }
    }

    @org.junit.jupiter.api.Test
    void theLastOfAThousandTemplatesOfOneShapeIsFoundWithItsValue() {
        try (Http http = Http.serve(app -> {
            for (int i = 0; i < 1000; i++) {
                String name = "r" + i;
                app.get("/" + name + "/{id}", r -> name + " " + r.pathParam("id").orElseThrow());
            }
        })) {
            assertThat(http.get("/r999/42").body()).isEqualTo("r999 42");
            assertThat(http.get("/r0/7").body()).isEqualTo("r0 7");
            assertThat(http.get("/r1000/42").statusCode()).isEqualTo(404);
        }
    }
}
