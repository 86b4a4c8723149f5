package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.params.Body;
import dev.starling.params.Default;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestRequest;
import dev.starling.testing.TestResponse;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code @Body} parameters: JSON records through Jackson, the raw bytes and text, and FastAPI's 422 entries
 * for malformed, missing and mistyped bodies; required record components; embedded bodies (several
 * {@code @Body} parameters); every route on the offloaded path and on the event loop.
 */
class BodiesTest {

    record Item(String name, int qty, List<String> tags) {
    }

    /** Remembers the thread that decoded it. */
    record Big(String text) {
        static final java.util.concurrent.atomic.AtomicReference<String> DECODED_ON =
                new java.util.concurrent.atomic.AtomicReference<>();

        Big {
            DECODED_ON.set(Thread.currentThread().getName());
        }
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

        @Post("/off/big")
        String big(@Body Big big) {
            return big.text().length() + " chars";
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

    private static TestClient serve() {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
        app.include(new Api());
        return TestClient.create(app);
    }

    private static String prefix(HandlerPath path) {
        return path == HandlerPath.LOOP ? "/loop" : "/off";
    }

    private static TestResponse post(TestClient client, String path, String contentType, String body) {
        TestRequest request = client.request("POST", path);
        if (body != null) {
            request.body(body, contentType);
        } else if (contentType != null) {
            request.header("content-type", contentType);
        }
        return request.send();
    }

    /**
     * Posts {@code body} without any content-type header, which TestRequest cannot do (a body always carries
     * one), so this goes through the JDK's HttpClient to the client's address.
     */
    private static HttpResponse<String> postWithoutContentType(TestClient client, String path, String body) {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build()) {
            return http.send(HttpRequest.newBuilder(client.baseUri().resolve(path)).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("POST " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @org.junit.jupiter.api.Test
    void aLargeBodyForAnOffloadedHandlerIsDecodedOnItsWorkerNotOnTheLoop() {
        try (TestClient client = serve()) {
            String large = "x".repeat(100_000);
            TestResponse response = post(client, "/off/big", "application/json", "{\"text\":\"" + large + "\"}");
            assertThat(response.status()).as(response.text()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("100000 chars");
            assertThat(Big.DECODED_ON.get()).startsWith("starling-worker-");

            TestResponse small = post(client, "/off/big", "application/json", "{\"text\":\"short\"}");
            assertThat(small.text()).isEqualTo("5 chars");
            assertThat(Big.DECODED_ON.get()).as("a small body is bound where it arrives").startsWith("starling-loop-");

            TestResponse broken = post(client, "/off/big", "application/json", "{\"text\":\"" + large + "\"");
            assertThat(broken.status()).isEqualTo(422);
            assertThat(broken.text()).contains("json_invalid");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aJsonRecordMakesTheRoundTrip(HandlerPath path) {
        try (TestClient client = serve()) {
            TestResponse r = post(client, prefix(path) + "/items", "application/json",
                    "{\"name\":\"bird\",\"qty\":3,\"tags\":[\"a\",\"b\"],\"unknown\":true}");
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("{\"name\":\"bird\",\"qty\":3,\"tags\":[\"a\",\"b\"]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aBodyWithoutContentTypeIsReadAsJsonAsFastApiDoes(HandlerPath path) {
        try (TestClient client = serve()) {
            HttpResponse<String> bare = postWithoutContentType(client, prefix(path) + "/items",
                    "{\"name\":\"bird\",\"qty\":1,\"tags\":[]}");
            assertThat(bare.statusCode()).as(bare.body()).isEqualTo(200);
            assertThat(bare.body()).isEqualTo("{\"name\":\"bird\",\"qty\":1,\"tags\":[]}");
            TestResponse r = post(client, prefix(path) + "/items", "application/vnd.api+json; charset=utf-8",
                    "{\"name\":\"x\",\"qty\":1,\"tags\":[]}");
            assertThat(r.status()).as(r.text()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void malformedJsonIs422JsonInvalid(HandlerPath path) {
        try (TestClient client = serve()) {
            TestResponse r = post(client, prefix(path) + "/items", "application/json", "{\"name\": }");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).startsWith("{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",9],"
                    + "\"msg\":\"JSON decode error\",\"input\":{},\"ctx\":{\"error\":\"Unexpected character ('}'");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aMissingBodyIs422Missing(HandlerPath path) {
        try (TestClient client = serve()) {
            TestResponse r = post(client, prefix(path) + "/items", "application/json", null);
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo(
                    "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\",\"input\":null}]}");
            assertThat(post(client, prefix(path) + "/maybe", "application/json", null).text()).isEqualTo("none");
            assertThat(post(client, prefix(path) + "/maybe", "application/json",
                    "{\"name\":\"x\",\"qty\":1,\"tags\":[]}").text()).isEqualTo("x");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void wrongFieldTypesAre422WithTheFieldInLoc(HandlerPath path) {
        try (TestClient client = serve()) {
            TestResponse r = post(client, prefix(path) + "/items", "application/json",
                    "{\"name\":\"bird\",\"qty\":\"many\",\"tags\":[]}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"qty\"],"
                    + "\"msg\":\"Input should be a valid integer, unable to parse string as an integer\","
                    + "\"input\":\"many\"}]}");
            r = post(client, prefix(path) + "/items", "application/json",
                    "{\"name\":\"bird\",\"qty\":1,\"tags\":[\"a\",{}]}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":[{\"type\":\"string_type\",\"loc\":[\"body\",\"tags\",1],"
                    + "\"msg\":\"Input should be a valid string\",\"input\":null}]}");
            r = post(client, prefix(path) + "/items", "application/json", "[1,2]");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],"
                    + "\"msg\":\"Input should be a valid dictionary or object to extract fields from\","
                    + "\"input\":null}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aNonJsonContentTypeIs422AsInFastApi(HandlerPath path) {
        try (TestClient client = serve()) {
            TestResponse r = post(client, prefix(path) + "/items", "text/plain", "{\"name\":\"bird\"}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],"
                    + "\"msg\":\"Input should be a valid dictionary or object to extract fields from\","
                    + "\"input\":\"{\\\"name\\\":\\\"bird\\\"}\"}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void rawBytesAndTextAreTheBodyAsSent(HandlerPath path) {
        try (TestClient client = serve()) {
            assertThat(post(client, prefix(path) + "/bytes", "application/octet-stream", "héllo").text())
                    .isEqualTo("6 bytes");
            assertThat(post(client, prefix(path) + "/text", "text/plain", "héllo").text()).isEqualTo("[héllo]");
            TestResponse r = post(client, prefix(path) + "/text", "text/plain", null);
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).contains("\"type\":\"missing\",\"loc\":[\"body\"]");
        }
    }

    /**
     * Starling decodes no request content coding, so a gzip body (here 10 MiB of zeros in 10 KiB, a small
     * decompression bomb) is refused with 415 before it is read, never inflated; identity is no coding.
     */
    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aBodyWithAContentCodingIs415AndNeverInflated(HandlerPath path) throws IOException {
        java.io.ByteArrayOutputStream packed = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(packed)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 10; i++) {
                gzip.write(zeros);
            }
        }
        try (TestClient client = serve()) {
            for (String route : new String[] {"/items", "/bytes"}) {
                TestResponse r = client.request("POST", prefix(path) + route).header("content-encoding", "gzip")
                        .body(packed.toByteArray(), "application/json").send();
                assertThat(r.status()).as(route).isEqualTo(415);
                assertThat(r.text()).isEqualTo("{\"detail\":\"The request body has Content-Encoding 'gzip', which"
                        + " this server does not decode; send it without a content coding.\"}");
                assertThat(r.header("accept-encoding")).hasValue("identity");
            }
            TestResponse identity = client.request("POST", prefix(path) + "/items")
                    .header("content-encoding", "identity")
                    .body("{\"name\":\"bird\",\"qty\":1,\"tags\":[]}", "application/json").send();
            assertThat(identity.status()).as(identity.text()).isEqualTo(200);
        }
    }

    // ---- required record components ----

    record Address(String city, int zip) {
    }

    record Person(String name, int age, Address address, List<Address> more, Optional<String> note,
                  @Nullable String nick, @Default("3") int level) {
    }

    /** Refuses a range whose ends are the wrong way round, as a pydantic validator would. */
    record Range(int low, int high) {
        Range {
            if (low > high) {
                throw new IllegalArgumentException("low must not be above high");
            }
        }
    }

    static final class People {
        @Post("/off/people")
        Person person(@Body Person person) {
            HandlerPath.OFFLOADED.check();
            return person;
        }

        @Post("/loop/people")
        CompletionStage<Person> personAsync(@Body Person person) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(person);
        }

        @Post("/off/ranges")
        String range(@Body Range range) {
            return range.low() + ".." + range.high();
        }

        @Post("/loop/ranges")
        CompletionStage<String> rangeAsync(@Body Range range) {
            return CompletableFuture.completedFuture(range.low() + ".." + range.high());
        }
    }

    private static TestClient people() {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
        app.include(new People());
        return TestClient.create(app);
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void optionalNullableAndDefaultComponentsMayBeLeftOutAndTheDefaultIsUsed(HandlerPath path) {
        try (TestClient client = people()) {
            TestResponse r = post(client, prefix(path) + "/people", "application/json",
                    "{\"name\":\"Ann\",\"age\":0,\"address\":{\"city\":\"Oslo\",\"zip\":150},\"more\":[]}");
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("{\"name\":\"Ann\",\"age\":0,\"address\":{\"city\":\"Oslo\",\"zip\":150},"
                    + "\"more\":[],\"note\":null,\"nick\":null,\"level\":3}");
            r = post(client, prefix(path) + "/people", "application/json", "{\"name\":\"Ann\",\"age\":1,"
                    + "\"address\":{\"city\":\"Oslo\",\"zip\":150},\"more\":[],\"note\":null,\"nick\":null,\"level\":7}");
            assertThat(r.text()).endsWith("\"note\":null,\"nick\":null,\"level\":7}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void everyMissingRequiredComponentIsOne422EntryNestedOnesToo(HandlerPath path) {
        try (TestClient client = people()) {
            TestResponse r = post(client, prefix(path) + "/people", "application/json",
                    "{\"address\":{\"zip\":150},\"more\":[{\"city\":\"Bergen\"}],\"extra\":true}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":["
                    + "{\"type\":\"missing\",\"loc\":[\"body\",\"address\",\"city\"],\"msg\":\"Field required\",\"input\":null},"
                    + "{\"type\":\"missing\",\"loc\":[\"body\",\"more\",0,\"zip\"],\"msg\":\"Field required\",\"input\":null},"
                    + "{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],\"msg\":\"Field required\",\"input\":null},"
                    + "{\"type\":\"missing\",\"loc\":[\"body\",\"age\"],\"msg\":\"Field required\",\"input\":null}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void nullForARequiredComponentIs422WithItsTypeAsPydanticSays(HandlerPath path) {
        try (TestClient client = people()) {
            TestResponse r = post(client, prefix(path) + "/people", "application/json",
                    "{\"name\":null,\"age\":null,\"address\":null,\"more\":[{\"city\":null,\"zip\":\"x\"}]}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":["
                    + "{\"type\":\"int_type\",\"loc\":[\"body\",\"age\"],\"msg\":\"Input should be a valid integer\","
                    + "\"input\":null},"
                    + "{\"type\":\"int_parsing\",\"loc\":[\"body\",\"more\",0,\"zip\"],"
                    + "\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"x\"},"
                    + "{\"type\":\"string_type\",\"loc\":[\"body\",\"more\",0,\"city\"],"
                    + "\"msg\":\"Input should be a valid string\",\"input\":null},"
                    + "{\"type\":\"string_type\",\"loc\":[\"body\",\"name\"],\"msg\":\"Input should be a valid string\","
                    + "\"input\":null},"
                    + "{\"type\":\"model_type\",\"loc\":[\"body\",\"address\"],"
                    + "\"msg\":\"Input should be a valid dictionary or instance of Address\",\"input\":null}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aRecordConstructorThatRefusesItsValuesIs422ValueError(HandlerPath path) {
        try (TestClient client = people()) {
            assertThat(post(client, prefix(path) + "/ranges", "application/json", "{\"low\":1,\"high\":2}").text())
                    .isEqualTo("1..2");
            TestResponse r = post(client, prefix(path) + "/ranges", "application/json", "{\"low\":3,\"high\":2}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":[{\"type\":\"value_error\",\"loc\":[\"body\"],"
                    + "\"msg\":\"Value error, low must not be above high\",\"input\":null}]}");
        }
    }

    record Scores(int[] points) {
    }

    static final class ScoreApi {
        @Post("/off/scores")
        int scores(@Body Scores scores) {
            HandlerPath.OFFLOADED.check();
            return scores.points().length;
        }

        @Post("/loop/scores")
        CompletionStage<Integer> scoresAsync(@Body Scores scores) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(scores.points().length);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void nullInAnArrayOfPrimitivesIsOneIntTypeEntryAtItsIndex(HandlerPath path) {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
        app.include(new ScoreApi());
        try (TestClient client = TestClient.create(app)) {
            assertThat(post(client, prefix(path) + "/scores", "application/json", "{\"points\":[1,2]}").text())
                    .isEqualTo("2");
            TestResponse r = post(client, prefix(path) + "/scores", "application/json", "{\"points\":[1,null]}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":[{\"type\":\"int_type\",\"loc\":[\"body\",\"points\",1],"
                    + "\"msg\":\"Input should be a valid integer\",\"input\":null}]}");
        }
    }

    record Greeting(@Default("hello") String word, @Default("2") Integer times, @Nullable @Default("x") String mark) {
    }

    static final class Greetings {
        @Post("/off/greet")
        String greet(@Body Greeting g) {
            HandlerPath.OFFLOADED.check();
            return g.word() + " " + g.times() + " " + g.mark();
        }

        @Post("/loop/greet")
        CompletionStage<String> greetAsync(@Body Greeting g) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(g.word() + " " + g.times() + " " + g.mark());
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void nullForADefaultComponentIs422UnlessItIsNullableAsPydanticSays(HandlerPath path) {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
        app.include(new Greetings());
        try (TestClient client = TestClient.create(app)) {
            assertThat(post(client, prefix(path) + "/greet", "application/json", "{}").text())
                    .isEqualTo("hello 2 x");
            assertThat(post(client, prefix(path) + "/greet", "application/json", "{\"mark\":null}").text())
                    .isEqualTo("hello 2 null");
            TestResponse r = post(client, prefix(path) + "/greet", "application/json",
                    "{\"word\":null,\"times\":null}");
            assertThat(r.status()).as(r.text()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":["
                    + "{\"type\":\"string_type\",\"loc\":[\"body\",\"word\"],\"msg\":\"Input should be a valid string\","
                    + "\"input\":null},"
                    + "{\"type\":\"int_type\",\"loc\":[\"body\",\"times\"],\"msg\":\"Input should be a valid integer\","
                    + "\"input\":null}]}");
        }
    }

    record Badly(@Default("many") int count) {
    }

    record Listed(@Default("a") List<String> tags) {
    }

    static final class BadDefault {
        @Post("/badly")
        String create(@Body Badly body) {
            return "never";
        }
    }

    static final class ListDefault {
        @Post("/listed")
        String create(@Body List<Listed> body) {
            return "never";
        }
    }

    @Test
    void aDefaultThatCannotBeUsedOnARecordComponentFailsStartUpNamingParameterRecordAndComponent() {
        try (Starling app = Starling.create(c -> c.port(0))) {
            assertThatThrownBy(() -> app.include(new BadDefault())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("Parameter 'body' of dev.starling.BodiesTest$BadDefault.create(...) reads "
                            + "dev.starling.BodiesTest$Badly, whose component 'count' has @Default(\"many\"), which is "
                            + "not a valid int: Input should be a valid integer, unable to parse string as an integer.");
            assertThatThrownBy(() -> app.include(new ListDefault())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("Parameter 'body' of dev.starling.BodiesTest$ListDefault.create(...) reads "
                            + "dev.starling.BodiesTest$Listed, whose component 'tags' has @Default(\"a\"); a default is "
                            + "written as text, so it works only on a component of type String, a number, boolean, "
                            + "UUID, a java.time type or an enum, not java.util.List<java.lang.String>.");
        }
    }

    // ---- embedded bodies ----

    record User(String name, @Default("false") boolean admin) {
    }

    static final class Embedded {
        @Post("/off/orders")
        String order(@Body Item item, @Body User user, @Body Optional<Address> ship) {
            HandlerPath.OFFLOADED.check();
            return item.name() + " for " + user.name() + ship.map(a -> " to " + a.city()).orElse("");
        }

        @Post("/loop/orders")
        CompletionStage<String> orderAsync(@Body Item item, @Body User user, @Body Optional<Address> ship) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(item.name() + " for " + user.name()
                    + ship.map(a -> " to " + a.city()).orElse(""));
        }

        @Post("/off/wrapped")
        String wrapped(@Body(embed = true) User user) {
            HandlerPath.OFFLOADED.check();
            return user.name() + " " + user.admin();
        }

        @Post("/loop/wrapped")
        CompletionStage<String> wrappedAsync(@Body(embed = true) User user) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(user.name() + " " + user.admin());
        }
    }

    private static TestClient embedded() {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
        app.include(new Embedded());
        return TestClient.create(app);
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void severalBodyParametersReadOneObjectKeyedByTheirNames(HandlerPath path) {
        try (TestClient client = embedded()) {
            String item = "\"item\":{\"name\":\"bird\",\"qty\":1,\"tags\":[]}";
            TestResponse r = post(client, prefix(path) + "/orders", "application/json",
                    "{" + item + ",\"other\":[1,{}],\"user\":{\"name\":\"Ann\"}}");
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("bird for Ann");
            r = post(client, prefix(path) + "/orders", "application/json",
                    "{\"ship\":{\"city\":\"Oslo\",\"zip\":150},\"user\":{\"name\":\"Ann\"}," + item + "}");
            assertThat(r.text()).isEqualTo("bird for Ann to Oslo");
            assertThat(post(client, prefix(path) + "/wrapped", "application/json",
                    "{\"user\":{\"name\":\"Bo\",\"admin\":true}}").text()).isEqualTo("Bo true");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anEmbeddedBodyNamesThePartInEveryEntry(HandlerPath path) {
        try (TestClient client = embedded()) {
            TestResponse r = post(client, prefix(path) + "/orders", "application/json",
                    "{\"item\":{\"qty\":\"many\",\"tags\":[]},\"ship\":{\"city\":\"Oslo\"}}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":["
                    + "{\"type\":\"int_parsing\",\"loc\":[\"body\",\"item\",\"qty\"],"
                    + "\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"many\"},"
                    + "{\"type\":\"missing\",\"loc\":[\"body\",\"item\",\"name\"],\"msg\":\"Field required\",\"input\":null},"
                    + "{\"type\":\"missing\",\"loc\":[\"body\",\"ship\",\"zip\"],\"msg\":\"Field required\",\"input\":null},"
                    + "{\"type\":\"missing\",\"loc\":[\"body\",\"user\"],\"msg\":\"Field required\",\"input\":null}]}");
            r = post(client, prefix(path) + "/orders", "application/json", null);
            assertThat(r.text()).isEqualTo("{\"detail\":["
                    + "{\"type\":\"missing\",\"loc\":[\"body\",\"item\"],\"msg\":\"Field required\",\"input\":null},"
                    + "{\"type\":\"missing\",\"loc\":[\"body\",\"user\"],\"msg\":\"Field required\",\"input\":null}]}");
            r = post(client, prefix(path) + "/wrapped", "application/json", "{\"name\":\"Bo\"}");
            assertThat(r.text()).as("embed = true reads the part under its name").isEqualTo("{\"detail\":["
                    + "{\"type\":\"missing\",\"loc\":[\"body\",\"user\"],\"msg\":\"Field required\",\"input\":null}]}");
            r = post(client, prefix(path) + "/wrapped", "application/json", "[]");
            assertThat(r.text()).isEqualTo("{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],"
                    + "\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":null}]}");
            r = post(client, prefix(path) + "/wrapped", "application/json", "{\"user\":{\"name\":\"Bo\"}");
            assertThat(r.text()).startsWith("{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",");
        }
    }

    static final class EmbeddedLists {
        @Post("/off/batches")
        String batches(@Body List<Item> first, @Body List<Item> second) {
            HandlerPath.OFFLOADED.check();
            return first.size() + "+" + second.size();
        }

        @Post("/loop/batches")
        CompletionStage<String> batchesAsync(@Body List<Item> first, @Body List<Item> second) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(first.size() + "+" + second.size());
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anEmbeddedBodyReportsAtMostOneHundredEntriesHoweverManyPartsOrRepeatedKeys(HandlerPath path) {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
        app.include(new EmbeddedLists());
        try (TestClient client = TestClient.create(app)) {
            String bad = "[" + "{},".repeat(40) + "{}]";   // 41 items, 3 missing components each
            TestResponse r = post(client, prefix(path) + "/batches", "application/json",
                    "{\"first\":" + bad + ",\"second\":" + bad + "}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text().split("\"type\":", -1)).hasSize(101);
            r = post(client, prefix(path) + "/batches", "application/json",
                    "{" + ("\"first\":" + bad + ",").repeat(20) + "\"second\":[]}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text().split("\"type\":", -1)).as("a key sent again adds nothing past the limit").hasSize(101);
            r = post(client, prefix(path) + "/batches", "application/json",
                    "{" + "\"first\":null,".repeat(150) + "\"second\":[]}");
            assertThat(r.text().split("\"type\":", -1)).hasSize(101);
        }
    }

    static final class EmbeddedText {
        @Post("/notes")
        String note(@Body Item item, @Body String text) {
            return "never";
        }
    }

    @Test
    void rawTextInAnEmbeddedBodyFailsStartUpSayingHowToTakeIt() {
        try (Starling app = Starling.create(c -> c.port(0))) {
            assertThatThrownBy(() -> app.include(new EmbeddedText())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("Parameter 'text' of dev.starling.BodiesTest$EmbeddedText.note(...) is a @Body String "
                            + "in an embedded body (several @Body parameters, or embed = true), which is one JSON object "
                            + "keyed by their names; take the raw text as the only @Body, or read the part as JSON.");
        }
    }
}
