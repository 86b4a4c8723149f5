package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.params.Body;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code @Body} parameters: JSON records through Jackson, the raw bytes and text, and FastAPI's 422 entries
 * for malformed, missing and mistyped bodies; every route on the offloaded path and on the event loop.
 */
class BodiesTest {

    record Item(String name, int qty, List<String> tags) {
    }

    /** The same handlers, offloaded under /off and on the loop under /loop. */
    static final class Api {
        @Post("/off/items")
        Item item(@Body Item item) {
            HandlerPath.OFFLOADED.check();
            return item;
        }

        @Post("/loop/items")
        CompletionStage<Item> itemAsync(@Body Item item) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(item);
        }

        @Post("/off/maybe")
        String maybe(@Body Optional<Item> item) {
            HandlerPath.OFFLOADED.check();
            return item.map(Item::name).orElse("none");
        }

        @Post("/loop/maybe")
        CompletionStage<String> maybeAsync(@Body Optional<Item> item) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(item.map(Item::name).orElse("none"));
        }

        @Post("/off/bytes")
        String bytes(@Body byte[] body) {
            HandlerPath.OFFLOADED.check();
            return body.length + " bytes";
        }

        @Post("/loop/bytes")
        CompletionStage<String> bytesAsync(@Body byte[] body) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(body.length + " bytes");
        }

        @Post("/off/text")
        String text(@Body String body) {
            HandlerPath.OFFLOADED.check();
            return "[" + body + "]";
        }

        @Post("/loop/text")
        CompletionStage<String> textAsync(@Body String body) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture("[" + body + "]");
        }
    }

    private static Http serve() {
        return Http.serve(app -> app.include(new Api()));
    }

    private static String prefix(HandlerPath path) {
        return path == HandlerPath.LOOP ? "/loop" : "/off";
    }

    private static HttpResponse<String> post(Http http, String path, String contentType, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(http.uri(path)).timeout(Duration.ofSeconds(30))
                .POST(body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (contentType != null) {
            b.header("content-type", contentType);
        }
        return http.send(b.build());
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aJsonRecordMakesTheRoundTrip(HandlerPath path) {
        try (Http http = serve()) {
            HttpResponse<String> r = post(http, prefix(path) + "/items", "application/json",
                    "{\"name\":\"bird\",\"qty\":3,\"tags\":[\"a\",\"b\"],\"unknown\":true}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"name\":\"bird\",\"qty\":3,\"tags\":[\"a\",\"b\"]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aBodyWithoutContentTypeIsReadAsJsonAsFastApiDoes(HandlerPath path) {
        try (Http http = serve()) {
            HttpResponse<String> r = post(http, prefix(path) + "/items", null, "{\"name\":\"bird\",\"qty\":1}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"name\":\"bird\",\"qty\":1,\"tags\":null}");
            r = post(http, prefix(path) + "/items", "application/vnd.api+json; charset=utf-8", "{\"name\":\"x\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void malformedJsonIs422JsonInvalid(HandlerPath path) {
        try (Http http = serve()) {
            HttpResponse<String> r = post(http, prefix(path) + "/items", "application/json", "{\"name\": }");
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).startsWith("{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",9],"
                    + "\"msg\":\"JSON decode error\",\"input\":{},\"ctx\":{\"error\":\"Unexpected character ('}'");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aMissingBodyIs422Missing(HandlerPath path) {
        try (Http http = serve()) {
            HttpResponse<String> r = post(http, prefix(path) + "/items", "application/json", null);
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).isEqualTo(
                    "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\",\"input\":null}]}");
            assertThat(post(http, prefix(path) + "/maybe", "application/json", null).body()).isEqualTo("none");
            assertThat(post(http, prefix(path) + "/maybe", "application/json", "{\"name\":\"x\"}").body())
                    .isEqualTo("x");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void wrongFieldTypesAre422WithTheFieldInLoc(HandlerPath path) {
        try (Http http = serve()) {
            HttpResponse<String> r = post(http, prefix(path) + "/items", "application/json",
                    "{\"name\":\"bird\",\"qty\":\"many\"}");
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).isEqualTo("{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"qty\"],"
                    + "\"msg\":\"Input should be a valid integer, unable to parse string as an integer\","
                    + "\"input\":\"many\"}]}");
            r = post(http, prefix(path) + "/items", "application/json", "{\"name\":\"bird\",\"tags\":[\"a\",{}]}");
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).isEqualTo("{\"detail\":[{\"type\":\"string_type\",\"loc\":[\"body\",\"tags\",1],"
                    + "\"msg\":\"Input should be a valid string\",\"input\":null}]}");
            r = post(http, prefix(path) + "/items", "application/json", "[1,2]");
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).isEqualTo("{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],"
                    + "\"msg\":\"Input should be a valid dictionary or object to extract fields from\","
                    + "\"input\":null}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aNonJsonContentTypeIs422AsInFastApi(HandlerPath path) {
        try (Http http = serve()) {
            HttpResponse<String> r = post(http, prefix(path) + "/items", "text/plain", "{\"name\":\"bird\"}");
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).isEqualTo("{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],"
                    + "\"msg\":\"Input should be a valid dictionary or object to extract fields from\","
                    + "\"input\":\"{\\\"name\\\":\\\"bird\\\"}\"}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void rawBytesAndTextAreTheBodyAsSent(HandlerPath path) {
        try (Http http = serve()) {
            assertThat(post(http, prefix(path) + "/bytes", "application/octet-stream", "héllo").body())
                    .isEqualTo("6 bytes");
            assertThat(post(http, prefix(path) + "/text", "text/plain", "héllo").body()).isEqualTo("[héllo]");
            HttpResponse<String> r = post(http, prefix(path) + "/text", "text/plain", null);
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).contains("\"type\":\"missing\",\"loc\":[\"body\"]");
        }
    }
}
