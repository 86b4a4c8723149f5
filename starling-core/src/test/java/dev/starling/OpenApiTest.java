package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.params.Body;
import dev.starling.params.Cookie;
import dev.starling.params.Default;
import dev.starling.params.Form;
import dev.starling.params.Header;
import dev.starling.params.Query;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAPI document: every parameter kind, bodies, uploads, lambdas and routers produce a document that
 * swagger-parser reads without a message; operation ids are unique; the switch, info and servers work.
 */
class OpenApiTest {

    enum Color { RED, GREEN }

    record Tag(@Size(min = 1, max = 20) String name) {
    }

    record Item(@Size(min = 2, max = 50) String name, @Min(0) @Max(1000) int price, Color color,
                @Pattern(regexp = "[a-z]+") String code, @Size(max = 5) List<Tag> tags, Optional<String> note,
                Map<String, Integer> stock, Tag main) {
    }

    static final class Api {
        @Get("/items/{id}")
        Item read(int id, @Query Optional<String> q, @Query List<String> label, @Query @Default("10") int limit,
                  @Header Optional<String> userAgent, @Cookie Optional<String> session) {
            return null;
        }

        @Get("/things/{uuid}/{color}")
        CompletionStage<List<Item>> things(UUID uuid, Color color, @Query Optional<LocalDate> since) {
            return CompletableFuture.completedFuture(List.of());
        }

        @Post("/items")
        Item create(@Body Item item) {
            return item;
        }

        @Put("/items/{id}")
        void replace(long id, @Body Item item) {
        }

        @Post("/login")
        String login(@Form String user, @Form @Default("false") boolean remember) {
            return user;
        }

        @Post("/upload")
        Map<String, Long> upload(UploadedFile file, @Form String note, List<UploadedFile> more) {
            return Map.of();
        }

        @Post("/raw")
        byte[] raw(@Body byte[] data) {
            return data;
        }

        @Post("/echo")
        String echo(@Body String text) {
            return text;
        }
    }

    static final class Users {
        @Get("/{name}")
        String user(String name) {
            return name;
        }

        @Get("/other/{name}")
        String other(String name) {
            return name;
        }
    }

    static final class MoreUsers {
        @Get("/list")
        List<String> user() {
            return List.of();
        }
    }

    private static Starling app(java.util.function.Consumer<Config.Builder> config) {
        Starling app = Starling.create(config);
        app.include(new Api());
        app.get("/hello/{who}", request -> "hi");
        app.post("/hello/{who}", request -> "hi");
        app.include(Router.create("/users").tags("users").include(new Users()).include(new MoreUsers()));
        return app;
    }

    private static String document(Starling app) {
        try (TestClient client = TestClient.create(app)) {
            TestResponse response = client.get("/openapi.json");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("content-type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/json"));
            return response.text();
        }
    }

    @Test
    void everyParameterKindGivesAValidDocument() {
        String json = document(app(c -> { }));
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(json, null, options);
        assertThat(result.getMessages()).as(json).isEmpty();
        assertThat(result.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
        assertThat(result.getOpenAPI().getPaths()).containsKeys("/items/{id}", "/things/{uuid}/{color}", "/items",
                "/login", "/upload", "/hello/{who}", "/users/{name}", "/users/list");
    }

    @Test
    void describesParametersBodiesAndResponses() {
        JsonNode doc = tools.jackson.databind.json.JsonMapper.builder().build().readTree(document(app(c -> { })));
        JsonNode read = doc.at("/paths/~1items~1{id}/get");
        assertThat(read.at("/summary").asString()).isEqualTo("Read");
        JsonNode params = read.at("/parameters");
        assertThat(params.get(0).at("/in").asString()).isEqualTo("path");
        assertThat(params.get(0).at("/schema/format").asString()).isEqualTo("int32");
        assertThat(params.get(2).at("/schema/type").asString()).isEqualTo("array");
        assertThat(params.get(3).at("/schema/default").asInt()).isEqualTo(10);
        assertThat(params.get(3).at("/required").asBoolean()).isFalse();
        assertThat(params.get(4).at("/name").asString()).isEqualTo("user-agent");
        assertThat(params.get(4).at("/in").asString()).isEqualTo("header");
        assertThat(params.get(5).at("/in").asString()).isEqualTo("cookie");
        assertThat(read.at("/responses/200/content/application~1json/schema/$ref").asString())
                .isEqualTo("#/components/schemas/Item");
        assertThat(read.at("/responses/422/content/application~1json/schema/$ref").asString())
                .isEqualTo("#/components/schemas/HTTPValidationError");
        JsonNode things = doc.at("/paths/~1things~1{uuid}~1{color}/get");
        assertThat(things.at("/parameters/0/schema/format").asString()).isEqualTo("uuid");
        assertThat(things.at("/parameters/1/schema/enum/1").asString()).isEqualTo("GREEN");
        assertThat(things.at("/parameters/2/schema/format").asString()).isEqualTo("date");
        assertThat(things.at("/responses/200/content/application~1json/schema/type").asString()).isEqualTo("array");
        JsonNode item = doc.at("/components/schemas/Item");
        assertThat(item.at("/properties/name/minLength").asInt()).isEqualTo(2);
        assertThat(item.at("/properties/price/maximum").asInt()).isEqualTo(1000);
        assertThat(item.at("/properties/code/pattern").asString()).isEqualTo("[a-z]+");
        assertThat(item.at("/properties/tags/maxItems").asInt()).isEqualTo(5);
        assertThat(item.at("/properties/stock/additionalProperties/type").asString()).isEqualTo("integer");
        assertThat(item.at("/properties/main/$ref").asString()).isEqualTo("#/components/schemas/Tag");
        assertThat(item.at("/required").toString()).doesNotContain("note").contains("price");
        assertThat(doc.at("/components/schemas/ValidationError/required").size()).isEqualTo(3);
        assertThat(doc.at("/paths/~1items~1{id}/put/responses/204").isMissingNode()).isFalse();
        assertThat(doc.at("/paths/~1login/post/requestBody/content/application~1x-www-form-urlencoded/schema"
                + "/properties/remember/default").asBoolean()).isFalse();
        assertThat(doc.at("/paths/~1upload/post/requestBody/content/multipart~1form-data/schema/properties/file"
                + "/format").asString()).isEqualTo("binary");
        assertThat(doc.at("/paths/~1raw/post/requestBody/content/application~1octet-stream").isMissingNode())
                .isFalse();
        assertThat(doc.at("/paths/~1echo/post/responses/200/content/text~1plain").isMissingNode()).isFalse();
        assertThat(doc.at("/paths/~1users~1{name}/get/tags/0").asString()).isEqualTo("users");
        assertThat(doc.at("/paths/~1hello~1{who}/get/responses/200").isMissingNode()).isFalse();
        assertThat(doc.at("/paths/~1hello~1{who}/get/responses/422").isMissingNode()).isTrue();
    }

    @Test
    void operationIdsAreUniqueAndEveryRouteWithParametersCanAnswer422() {
        JsonNode doc = tools.jackson.databind.json.JsonMapper.builder().build().readTree(document(app(c -> { })));
        Set<String> ids = new HashSet<>();
        int operations = 0;
        for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                operations++;
                assertThat(ids.add(op.getValue().get("operationId").asString())).as(op.toString()).isTrue();
                if (op.getValue().has("parameters") && !path.getKey().startsWith("/hello")) {
                    assertThat(op.getValue().at("/responses/422").isMissingNode()).as(path.getKey()).isFalse();
                }
            }
        }
        assertThat(operations).isEqualTo(ids.size()).isGreaterThan(10);
        assertThat(ids).contains("Users.user", "MoreUsers.user", "get_hello_who", "post_hello_who");
    }

    @Test
    void infoServersAndTheOffSwitch() {
        JsonNode doc = tools.jackson.databind.json.JsonMapper.builder().build().readTree(document(app(c -> c
                .openapiInfo("Shop", "2.0.1").openapiServers("https://api.example.com", "http://localhost:8000"))));
        assertThat(doc.at("/info/title").asString()).isEqualTo("Shop");
        assertThat(doc.at("/info/version").asString()).isEqualTo("2.0.1");
        assertThat(doc.at("/servers/1/url").asString()).isEqualTo("http://localhost:8000");
        try (TestClient client = TestClient.create(app(c -> c.openapi(false)))) {
            assertThat(client.get("/openapi.json").status()).isEqualTo(404);
        }
        JsonNode defaults = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(document(Starling.create()));
        assertThat(defaults.at("/info/title").asString()).isEqualTo("Starling");
        assertThat(defaults.at("/info/version").asString()).isEqualTo("0.1.0");
        assertThat(defaults.has("servers")).isFalse();
    }

    @Test
    void aUserRouteAtTheDocumentPathWins() {
        Starling app = Starling.create();
        app.get("/openapi.json", request -> "mine");
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.get("/openapi.json").text()).isEqualTo("mine");
        }
    }

    static final class Described {
        @Get("/described")
        @Operation(summary = "Read the thing", description = "Returns the thing, *always*.", tags = "things")
        public String read() {
            return "thing";
        }

        @Get("/plain")
        public String readPlainThing() {
            return "plain";
        }
    }

    @Test
    void anOperationAnnotationGivesTheSummaryDescriptionAndTags() throws Exception {
        Starling app = Starling.create(c -> c.port(0));
        app.include(Router.create("").tags("group").include(new Described()));
        String json;
        try (dev.starling.testing.TestClient client = dev.starling.testing.TestClient.create(app)) {
            json = client.get("/openapi.json").text();
        }
        var tree = tools.jackson.databind.json.JsonMapper.builder().build().readTree(json);
        var described = tree.path("paths").path("/described").path("get");
        assertThat(described.path("summary").asString()).isEqualTo("Read the thing");
        assertThat(described.path("description").asString()).isEqualTo("Returns the thing, *always*.");
        assertThat(described.path("tags").toString()).isEqualTo("[\"group\",\"things\"]");
        var plain = tree.path("paths").path("/plain").path("get");
        assertThat(plain.path("summary").asString()).isEqualTo("Read Plain Thing");
        assertThat(plain.has("description")).isFalse();
    }

    record Page(int offset, int limit) {
    }

    static final class Paged {
        @Provides
        String apiKey(@Header("x-api-key") String key) {
            return key;
        }

        @Provides
        Page page(@Query @Default("0") int offset, @Query @Default("20") int limit, @Depends String apiKey) {
            return new Page(offset, limit);
        }

        @Get("/notes")
        String notes(@Depends Page page, @Query Optional<String> q) {
            return "";
        }
    }

    @Test
    void parametersReadByDependenciesAreDocumentedForTheRoutesThatUseThem() {
        JsonNode doc = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(document(Starling.create().include(new Paged())));
        Set<String> parameters = new HashSet<>();
        doc.get("paths").get("/notes").get("get").get("parameters")
                .forEach(p -> parameters.add(p.get("in").asString() + " " + p.get("name").asString()));
        assertThat(parameters).containsExactlyInAnyOrder("query q", "query offset", "query limit",
                "header x-api-key");
    }
}
