package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAPI document: every parameter kind, bodies, uploads, lambdas and routers produce a document that
 * swagger-parser reads without a message; operation ids are unique; the switch, info and servers work; the
 * document says what the server does: the status a route answers, the responses it declares, what a body must
 * hold (the {@code required} the server enforces) and the constraints it checks.
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

    // ---- the document tells the truth ----

    record Note(String text, @Default("3") int priority, Optional<@Size(min = 2) String> title,
                @Nullable String author, List<@Pattern(regexp = "[a-z]+") String> tags,
                List<@Min(1) Integer> stars, @Deprecated String old) {
    }

    record Problem(String detail) {
    }

    static final class Truthful {
        @Post("/notes")
        @Status(201)
        @ApiResponse(status = 201, description = "The note, created.")
        @ApiResponse(status = 409, description = "A note with that text exists.", body = Problem.class)
        Note create(@Body Note note) {
            return note;
        }

        @Get("/notes/{id}")
        @ApiResponse(status = 404, body = Problem.class)
        Response read(int id, @Query Optional<@Size(min = 2) String> q, @Query List<@Pattern(regexp = "[a-z]+") String> tag,
                      @Query List<@Min(1) Integer> star, @Query @Deprecated Optional<String> legacy) {
            return Response.ok(null);
        }

        @Put("/notes/{id}")
        @ApiResponse(status = 200, description = "The note, replaced.", body = Note.class)
        @ApiResponse(status = 201, description = "The note, created.", body = Note.class)
        CompletionStage<Response> replace(int id, @Body Note note) {
            return CompletableFuture.completedFuture(Response.ok(note));
        }

        @Delete("/notes/{id}")
        @Deprecated
        @Status(202)
        void remove(int id) {
        }

        @Get("/plain")
        Response plain() {
            return Response.ok("plain");
        }

        @Post("/pairs")
        String pair(@Body Note note, @Body Optional<Problem> problem) {
            return "";
        }

        @Post("/stars")
        String stars(@Body List<@Min(1) Integer> stars) {
            return "";
        }
    }

    @Test
    void statusResponsesAndDeprecationAreDocumentedAsDeclared() {
        String json = document(Starling.create().include(new Truthful()));
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        assertThat(new OpenAPIV3Parser().readContents(json, null, options).getMessages()).as(json).isEmpty();
        JsonNode doc = tools.jackson.databind.json.JsonMapper.builder().build().readTree(json);
        JsonNode create = doc.at("/paths/~1notes/post/responses");
        assertThat(names(create)).containsExactly("201", "409", "422");
        assertThat(create.at("/201/description").asString()).isEqualTo("The note, created.");
        assertThat(create.at("/201/content/application~1json/schema/$ref").asString())
                .isEqualTo("#/components/schemas/Note");
        assertThat(create.at("/409/description").asString()).isEqualTo("A note with that text exists.");
        assertThat(create.at("/409/content/application~1json/schema/$ref").asString())
                .isEqualTo("#/components/schemas/Problem");
        JsonNode read = doc.at("/paths/~1notes~1{id}/get");
        assertThat(names(read.at("/responses"))).as("a Response route without a declared success keeps its 200")
                .containsExactly("200", "404", "422");
        assertThat(read.at("/responses/200/content").isMissingNode()).isTrue();
        assertThat(read.at("/responses/404/description").asString()).isEqualTo("Not Found");
        JsonNode replace = doc.at("/paths/~1notes~1{id}/put/responses");
        assertThat(names(replace)).containsExactly("200", "201", "422");
        assertThat(replace.at("/200/description").asString()).isEqualTo("The note, replaced.");
        assertThat(replace.at("/200/content/application~1json/schema/$ref").asString())
                .isEqualTo("#/components/schemas/Note");
        JsonNode remove = doc.at("/paths/~1notes~1{id}/delete");
        assertThat(names(remove.at("/responses"))).containsExactly("202", "422");
        assertThat(remove.at("/responses/202/description").asString()).isEqualTo("Successful Response");
        assertThat(remove.at("/deprecated").asBoolean()).isTrue();
        assertThat(doc.at("/paths/~1notes/post/deprecated").isMissingNode()).isTrue();
        assertThat(names(doc.at("/paths/~1plain/get/responses"))).containsExactly("200");
        assertThat(read.at("/parameters/4/name").asString()).isEqualTo("legacy");
        assertThat(read.at("/parameters/4/deprecated").asBoolean()).isTrue();
        assertThat(read.at("/parameters/0/deprecated").isMissingNode()).isTrue();
    }

    @Test
    void constraintsOnTypeArgumentsAndRecordDefaultsAreInTheSchemas() {
        JsonNode doc = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(document(Starling.create().include(new Truthful())));
        JsonNode params = doc.at("/paths/~1notes~1{id}/get/parameters");
        assertThat(params.at("/1/schema/minLength").asInt()).isEqualTo(2);
        assertThat(params.at("/2/schema/items/pattern").asString()).isEqualTo("[a-z]+");
        assertThat(params.at("/3/schema/items/minimum").asInt()).isEqualTo(1);
        JsonNode note = doc.at("/components/schemas/Note");
        assertThat(note.at("/properties/title/minLength").asInt()).isEqualTo(2);
        assertThat(note.at("/properties/tags/items/pattern").asString()).isEqualTo("[a-z]+");
        assertThat(note.at("/properties/stars/items/minimum").asInt()).isEqualTo(1);
        assertThat(note.at("/properties/priority/default").asInt()).isEqualTo(3);
        assertThat(note.at("/properties/old/deprecated").asBoolean()).isTrue();
        assertThat(doc.at("/paths/~1stars/post/requestBody/content/application~1json/schema/items/minimum").asInt())
                .isEqualTo(1);
        assertThat(note.at("/required").toString()).isEqualTo("[\"text\",\"tags\",\"stars\",\"old\"]");
    }

    @Test
    void severalBodyParametersAreOneObjectKeyedByTheirNames() {
        JsonNode doc = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(document(Starling.create().include(new Truthful())));
        JsonNode body = doc.at("/paths/~1pairs/post/requestBody");
        assertThat(body.at("/required").asBoolean()).isTrue();
        assertThat(body.at("/content/application~1json/schema/$ref").asString())
                .isEqualTo("#/components/schemas/Body_Truthful_pair");
        JsonNode schema = doc.at("/components/schemas/Body_Truthful_pair");
        assertThat(schema.at("/title").asString()).isEqualTo("Body_Truthful_pair");
        assertThat(schema.at("/properties/note/$ref").asString()).isEqualTo("#/components/schemas/Note");
        assertThat(schema.at("/properties/problem/$ref").asString()).isEqualTo("#/components/schemas/Problem");
        assertThat(schema.at("/required").toString()).isEqualTo("[\"note\"]");
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        for (Iterator<String> i = object.propertyNames().iterator(); i.hasNext(); ) {
            names.add(i.next());
        }
        return names;
    }

    // ---- required lists exactly what the server refuses to miss ----

    record Address(String city, @Default("0") int zip) {
    }

    record Plain(String text, int count, Integer boxed, boolean flag, List<String> tags, Map<String, Integer> stock,
                 Address address) {
    }

    record Optionals(Optional<String> note, @Nullable String nick, @Declared.Nullable String other,
                     @Default("5") long level, Optional<Address> address, String text) {
    }

    /** A declaration annotation named Nullable, as JSR 305's and Jakarta's are (JSpecify's is a type annotation). */
    static final class Declared {
        @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
        @interface Nullable {
        }
    }

    record Renamed(@JsonProperty("full_name") String fullName, double score) {
    }

    /** Decoded through its own creator, which takes what it is given: nothing is required of it. */
    record Created(String text, int count) {
        @JsonCreator
        static Created of(@JsonProperty("text") String text) {
            return new Created(text == null ? "" : text, 0);
        }
    }

    static final class Posted {
        @Post("/plain")
        String plain(@Body Plain body) {
            return "ok";
        }

        @Post("/optionals")
        String optionals(@Body Optionals body) {
            return "ok";
        }

        @Post("/renamed")
        String renamed(@Body Renamed body) {
            return "ok";
        }

        @Post("/created")
        String created(@Body Created body) {
            return "ok";
        }

        @Post("/address")
        String address(@Body Address body) {
            return "ok";
        }
    }

    @Test
    void theRequiredOfEverySchemaIsExactlyWhatAnEmptyBodyIsRefusedFor() {
        Starling app = Starling.create().include(new Posted());
        JsonNode doc;
        try (TestClient client = TestClient.create(app)) {
            doc = client.get("/openapi.json").json();
            Map<String, String> routes = Map.of("Plain", "/plain", "Optionals", "/optionals", "Renamed", "/renamed",
                    "Created", "/created", "Address", "/address");
            Map<String, Set<String>> required = new java.util.TreeMap<>();
            Map<String, Set<String>> refused = new java.util.TreeMap<>();
            routes.forEach((schema, path) -> {
                Set<String> listed = new java.util.TreeSet<>();
                doc.at("/components/schemas/" + schema + "/required").forEach(n -> listed.add(n.asString()));
                required.put(schema, listed);
                TestResponse r = client.request("POST", path).body("{}", "application/json").send();
                Set<String> missing = new java.util.TreeSet<>();
                if (r.status() == 422) {
                    r.json().get("detail").forEach(e -> {
                        assertThat(e.get("type").asString()).isEqualTo("missing");
                        assertThat(e.get("loc").size()).isEqualTo(2);
                        missing.add(e.get("loc").get(1).asString());
                    });
                } else {
                    assertThat(r.status()).as(path + ": " + r.text()).isEqualTo(200);
                }
                refused.put(schema, missing);
            });
            assertThat(refused).isEqualTo(required);
            assertThat(required).containsEntry("Plain", Set.of("text", "count", "boxed", "flag", "tags", "stock",
                    "address")).containsEntry("Optionals", Set.of("text")).containsEntry("Renamed",
                    Set.of("full_name", "score")).containsEntry("Created", Set.of()).containsEntry("Address",
                    Set.of("city"));
        }
    }
}
