package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.concurrent.Concurrency;
import dev.starling.concurrent.Threadpool;
import dev.starling.params.Header;
import dev.starling.params.Path;
import dev.starling.params.Query;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What declaring a route decides once, when the app is built: a declaration that cannot work fails at once
 * with a sentence naming class, method and parameter, and where each handler runs is fixed by its
 * signature and annotations.
 */
class RouteDeclarationTest {

    private static final String PREFIX = RouteDeclarationTest.class.getName() + "$";

    record Item(int id) {
    }

    /** Asserts that including {@code api} in a fresh app fails with exactly {@code message}. */
    private static void assertIncludeFails(Object api, String message) {
        try (Starling app = Starling.create(c -> c.port(0))) {
            assertThatThrownBy(() -> app.include(api)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(message);
        }
    }

    private static void assertAddFails(Consumer<Starling> add, String message) {
        try (Starling app = Starling.create(c -> c.port(0))) {
            assertThatThrownBy(() -> add.accept(app)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(message);
        }
    }

    // ---- parameters ----

    static final class PathNameNotInTemplate {
        @Get("/items/{id}")
        String read(@Path("itemId") int itemId) {
            return "never";
        }
    }

    @Test
    void aPathParameterWhoseNameIsNotInTheTemplateFailsNamingClassMethodAndParameter() {
        assertIncludeFails(new PathNameNotInTemplate(), "Parameter 'itemId' of " + PREFIX + "PathNameNotInTemplate"
                + ".read(...) is bound to the path parameter 'itemId', but the path template has [id].");
    }

    static final class RecordParameter {
        @Post("/items")
        String create(Item item) {
            return "never";
        }
    }

    @Test
    void aRecordParameterFailsNamingClassMethodAndParameter() {
        assertIncludeFails(new RecordParameter(), "Parameter 'item' of " + PREFIX + "RecordParameter.create(...) of "
                + "type Item is not a path parameter (the template has none) and cannot be a query parameter; annotate "
                + "it with @Body to read it from the JSON body.");
    }

    static final class RecordQueryParameter {
        @Get("/items")
        String list(@Query Item filter) {
            return "never";
        }
    }

    @Test
    void aRecordQueryParameterFailsNamingClassMethodAndParameter() {
        assertIncludeFails(new RecordQueryParameter(), "Parameter 'filter' of " + PREFIX + "RecordQueryParameter"
                + ".list(...) is a query parameter of type Item, which Starling cannot convert from a string; use "
                + "String, a number, boolean, UUID, a java.time type, an enum, or Optional/List of those.");
    }

    static final class RecordPathParameter {
        @Get("/items/{item}")
        String read(Item item) {
            return "never";
        }
    }

    @Test
    void aRecordPathParameterFailsNamingClassMethodAndParameter() {
        assertIncludeFails(new RecordPathParameter(), "Parameter 'item' of " + PREFIX + "RecordPathParameter"
                + ".read(...) is a path parameter of type Item, which Starling cannot convert from a string; use "
                + "String, a number, boolean, UUID, a java.time type or an enum.");
    }

    static final class RawList {
        @SuppressWarnings("rawtypes")
        @Get("/tags")
        String tags(@Query List tags) {
            return "never";
        }
    }

    @Test
    void aRawListParameterFailsNamingClassMethodAndParameter() {
        assertIncludeFails(new RawList(), "Parameter 'tags' of " + PREFIX + "RawList.tags(...) is a raw or wildcard "
                + "List; give its element type, such as List<String>.");
    }

    static final class TwoSources {
        @Get("/search")
        String search(@Query @Header String q) {
            return "never";
        }
    }

    @Test
    void aParameterWithTwoSourcesFailsNamingClassMethodAndParameter() {
        assertIncludeFails(new TwoSources(), "Parameter 'q' of " + PREFIX + "TwoSources.search(...) has more than "
                + "one of @Path, @Query, @Header, @Cookie and @Form; a parameter comes from one place.");
    }

    // ---- methods ----

    static final class TwoVerbs {
        @Get("/things")
        @Post("/things")
        String things() {
            return "never";
        }
    }

    @Test
    void twoHttpMethodAnnotationsOnOneMethodFailNamingClassAndMethod() {
        assertIncludeFails(new TwoVerbs(), PREFIX + "TwoVerbs.things(...) has more than one of @Get, @Post, @Put, "
                + "@Delete, @Patch and @WebSocket; give each route its own method.");
    }

    static final class BlockingAndNonBlocking {
        @Get("/x")
        @Blocking
        @NonBlocking
        String x() {
            return "never";
        }
    }

    @Test
    void blockingTogetherWithNonBlockingFailsNamingClassAndMethod() {
        assertIncludeFails(new BlockingAndNonBlocking(), PREFIX + "BlockingAndNonBlocking.x(...) has more than one "
                + "of @Blocking, @NonBlocking, @RunOnVirtualThread and @ExecuteOn; a handler runs in one place.");
    }

    static final class UnknownExecutor {
        @Get("/report")
        @ExecuteOn("nope")
        String report() {
            return "never";
        }
    }

    @Test
    void anUnknownExecutorFailsNamingClassMethodAndExecutor() {
        try (Starling app = Starling.create(c -> c.port(0).executor("reports", Threadpool.platform(2)))) {
            assertThatThrownBy(() -> app.include(new UnknownExecutor()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("GET /report (UnknownExecutor.report) runs on the executor 'nope', but no executor "
                            + "has that name; register it with Config.Builder.executor(\"nope\", ...) (known: "
                            + "[reports]).");
        }
    }

    // ---- templates ----

    static final class NoLeadingSlash {
        @Get("items/{id}")
        String read(int id) {
            return "never";
        }
    }

    static final class UnclosedBrace {
        @Get("/items/{id")
        String read(String id) {
            return "never";
        }
    }

    static final class RepeatedName {
        @Get("/a/{x}/{x}")
        String read(String x) {
            return "never";
        }
    }

    static Stream<Arguments> badTemplates() {
        return Stream.of(
                Arguments.argumentSet("no leading slash", new NoLeadingSlash(), "items/{id}",
                        "the path template 'items/{id}' must start with '/'"),
                Arguments.argumentSet("an unclosed brace", new UnclosedBrace(), "/items/{id",
                        "the path template '/items/{id' has a segment '{id'; a parameter must be a whole segment such"
                                + " as '{id}'"),
                Arguments.argumentSet("a repeated name", new RepeatedName(), "/a/{x}/{x}",
                        "the path template '/a/{x}/{x}' names the parameter 'x' twice"));
    }

    @ParameterizedTest
    @MethodSource("badTemplates")
    void aBadTemplateOnAMethodFailsNamingClassMethodAndTemplate(Object api, String template, String why) {
        assertIncludeFails(api, PREFIX + api.getClass().getSimpleName() + ".read(...) cannot be a route: " + why
                + ".");
    }

    @ParameterizedTest
    @MethodSource("badTemplates")
    void aBadTemplateOfALambdaRouteFailsNamingTheRouteAndTemplate(Object api, String template, String why) {
        assertAddFails(app -> app.get(template, r -> "never"), "The route GET " + template + " cannot be added: "
                + why + ".");
        assertAddFails(app -> app.getAsync(template, r -> CompletableFuture.completedFuture("never")),
                "The route GET " + template + " cannot be added: " + why + ".");
    }

    // ---- duplicates and lifecycle ----

    static final class SameRouteTwice {
        @Get("/items")
        String first() {
            return "first";
        }

        @Get("/items")
        String second() {
            return "second";
        }
    }

    @Test
    void theSameMethodAndPathTwiceFailsNamingBothHandlers() {
        assertIncludeFails(new SameRouteTwice(), "The route GET /items (SameRouteTwice.second) cannot be added: "
                + "GET /items is already handled by GET /items (SameRouteTwice.first).");
        assertAddFails(app -> app.get("/items", r -> "a").getAsync("/items",
                r -> CompletableFuture.completedFuture("b")),
                "The route GET /items cannot be added: GET /items is already handled by GET /items.");
    }

    @Test
    void theSamePathWithDifferentlyNamedParametersIsTheSameRoute() {
        // The second template matches exactly the requests the first one matches, so it could never be reached.
        try (Starling app = Starling.create(c -> c.port(0))) {
            app.get("/items/{id}", r -> "by id");
            assertThatThrownBy(() -> app.get("/items/{name}", r -> "by name"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("The route GET /items/{name} cannot be added:")
                    .hasMessageContaining("/items/{id}");
        }
    }

    @Test
    void theSamePathWithAnotherMethodIsAnotherRoute() {
        try (Http http = Http.serve(app -> app.get("/items", r -> "listed").post("/items", r -> "created"))) {
            assertThat(http.get("/items").body()).isEqualTo("listed");
        }
    }

    static final class Late {
        @Get("/late")
        String late() {
            return "late";
        }
    }

    @Test
    void addingARouteAfterStartFails() {
        try (Http http = Http.serve(app -> app.get("/early", r -> "early"))) {
            assertThatThrownBy(() -> http.app.get("/late", r -> "late"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("The route GET /late cannot be added: routes are fixed once the app has started.");
            assertThatThrownBy(() -> http.app.include(new Late()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("The route GET /late (Late.late) cannot be added: routes are fixed once the app has "
                            + "started.");
            assertThat(http.get("/late").statusCode()).isEqualTo(404);
        }
    }

    static final class NoRoutes {
        String notARoute() {
            return "never";
        }
    }

    @Test
    void anObjectWithoutAnnotatedMethodsFailsNamingItsClass() {
        assertIncludeFails(new NoRoutes(), PREFIX + "NoRoutes has no method annotated with @Get, @Post, @Put, "
                + "@Delete, @Patch or @WebSocket, so including it adds no route.");
    }

    /** A valid route and, sorted after it, one that fails: including the object must add neither. */
    static final class HalfValid {
        @Get("/a-valid")
        String aValid() {
            return "valid";
        }

        @Get("/b-invalid")
        @ExecuteOn("nope")
        String bInvalid() {
            return "never";
        }
    }

    @Test
    void anObjectThatFailsToIncludeAddsNoRouteAtAll() {
        try (Starling app = Starling.create(c -> c.port(0))) {
            assertThatThrownBy(() -> app.include(new HalfValid())).isInstanceOf(IllegalArgumentException.class);
            // Were the valid half left behind, adding its path again would fail as a duplicate.
            assertThatCode(() -> app.get("/a-valid", r -> "replacement")).doesNotThrowAnyException();
        }
    }

    // ---- where handlers run ----

    private static String where() {
        Thread t = Thread.currentThread();
        return t.getName() + (t.isVirtual() ? " virtual" : " platform");
    }

    /** One handler per dispatch rule; each answers with the thread it ran on. */
    static final class Where {
        @Get("/stage")
        CompletionStage<String> stage() {
            return CompletableFuture.completedFuture(where());
        }

        @Get("/plain")
        String plain() {
            return where();
        }

        @Get("/publisher")
        Flow.Publisher<String> publisher() {
            return Concurrency.iterateInThreadpool(List.of(where()).iterator());
        }

        @Get("/non-blocking")
        @NonBlocking
        String nonBlocking() {
            return where();
        }

        @Get("/blocking-stage")
        @Blocking
        CompletionStage<String> blockingStage() {
            return CompletableFuture.completedFuture(where());
        }

        @Get("/virtual")
        @RunOnVirtualThread
        String virtual() {
            return where();
        }

        @Get("/reports")
        @ExecuteOn("reports")
        String reports() {
            return where();
        }

        @Get("/mine")
        @ExecuteOn("mine")
        String mine() {
            return where();
        }
    }

    static Stream<Arguments> dispatchRules() {
        return Stream.of(
                Arguments.argumentSet("a CompletionStage runs on the loop", "/stage", "starling-loop-", false),
                Arguments.argumentSet("a plain return value is offloaded", "/plain", "starling-worker-", false),
                Arguments.argumentSet("a Flow.Publisher runs on the loop", "/publisher", "starling-loop-", false),
                Arguments.argumentSet("@NonBlocking plain runs on the loop", "/non-blocking", "starling-loop-", false),
                Arguments.argumentSet("@Blocking CompletionStage is offloaded", "/blocking-stage", "starling-worker-",
                        false),
                Arguments.argumentSet("@RunOnVirtualThread runs on a virtual thread", "/virtual", "starling-virtual-",
                        true),
                Arguments.argumentSet("@ExecuteOn a named threadpool runs on its threads", "/reports",
                        "starling-reports-", false),
                Arguments.argumentSet("@ExecuteOn a user executor runs on its threads", "/mine", "mine-", false),
                Arguments.argumentSet("app.get is offloaded", "/lambda", "starling-worker-", false),
                Arguments.argumentSet("app.getAsync runs on the loop", "/lambda-async", "starling-loop-", false));
    }

    @ParameterizedTest
    @MethodSource("dispatchRules")
    void whereAHandlerRunsIsDecidedByItsDeclaration(String path, String threadPrefix, boolean virtual) {
        ExecutorService mine = Executors.newSingleThreadExecutor(r -> new Thread(r, "mine-1"));
        try (Http http = Http.serve(c -> c.executor("reports", Threadpool.platform(2)).executor("mine", mine),
                app -> app.include(new Where())
                        .get("/lambda", r -> where())
                        .getAsync("/lambda-async", r -> CompletableFuture.completedFuture(where())))) {
            HttpResponse<String> response = http.get(path);

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).startsWith(threadPrefix)
                    .endsWith(virtual ? " virtual" : " platform");
        } finally {
            mine.shutdownNow();
        }
    }

    // ---- names and path variables ----

    static final class UnusedPathVariable {
        @Get("/items/{id}")
        String item() {
            return "";
        }
    }

    static final class PathVariableTakenByADependency {
        record Item(String id) {
        }

        @Provides
        Item item(@Path String id) {
            return new Item(id);
        }

        @Get("/items/{id}")
        String item(@Depends Item item) {
            return item.id();
        }
    }

    @Test
    void aPathVariableThatNoParameterTakesFailsNamingTheRouteAndTheVariable() {
        assertIncludeFails(new UnusedPathVariable(), "GET /items/{id} (UnusedPathVariable.item) has the path "
                + "parameter 'id' in its template, but no parameter of the handler or of its dependencies takes it; "
                + "add one (@Path String id) or remove it from the template.");
        assertThatCode(() -> Starling.create().include(new PathVariableTakenByADependency()))
                .doesNotThrowAnyException();
    }

    @Test
    void aClassCompiledWithoutParametersFailsInsteadOfBindingArg0(@TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path source = dir.resolve("gen/NoNames.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, String.join("\n",
                "package gen;",
                "public class NoNames {",
                "    @dev.starling.Get(\"/search\")",
                "    public String search(@dev.starling.params.Query java.util.Optional<String> q) { return \"\"; }",
                "}"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        // No -parameters: the class keeps no parameter names, as with a build that forgot the flag.
        int status = javac.run(null, null, null, "-d", dir.toString(), "-cp", System.getProperty("java.class.path"),
                source.toString());
        assertThat(status).isZero();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                getClass().getClassLoader())) {
            Object api = loader.loadClass("gen.NoNames").getConstructor().newInstance();
            assertThatThrownBy(() -> Starling.create().include(api)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("gen.NoNames.search(...) has no name at run time (its class was compiled "
                            + "without '-parameters', so Java calls it arg0); compile with '-parameters' or give the "
                            + "name, as in @Query(\"name\").");
        }
    }

    // ---- statuses and documented responses ----

    static final class NoBodyStatus {
        @Post("/items") @Status(204)
        Item create() {
            return new Item(1);
        }
    }

    static final class OutOfRange {
        @Post("/items") @Status(99)
        Item create() {
            return new Item(1);
        }
    }

    static final class StatusOnResponse {
        @Post("/items") @Status(201)
        CompletionStage<Response> create() {
            return CompletableFuture.completedFuture(Response.status(201));
        }
    }

    static final class StatusOnStream {
        @Get("/items") @Status(201)
        Stream<String> items() {
            return Stream.of("a");
        }
    }

    static final class TwiceDocumented {
        @Get("/items/{id}")
        @ApiResponse(status = 404, description = "No item.")
        @ApiResponse(status = 404, description = "Still no item.")
        Item read(int id) {
            return new Item(id);
        }
    }

    static final class Documents422 {
        @Get("/items/{id}")
        @ApiResponse(status = 422, description = "Bad.")
        Item read(int id) {
            return new Item(id);
        }
    }

    static final class BodyOnOwnStatus {
        @Post("/items") @Status(201)
        @ApiResponse(status = 201, body = Item.class)
        Item create() {
            return new Item(1);
        }
    }

    static final class BodyOnNoContent {
        @Delete("/items")
        @ApiResponse(status = 204, body = Item.class)
        Response remove() {
            return Response.status(204);
        }
    }

    static final class SocketWithStatus {
        @WebSocket("/ws") @Status(201)
        void chat(WebSocketConnection socket) {
        }
    }

    @Test
    void aStatusThatCannotBeAnsweredFailsNamingClassAndMethod() {
        assertIncludeFails(new NoBodyStatus(), PREFIX + "NoBodyStatus.create(...) has @Status(204), which sends no "
                + "body, but it returns " + PREFIX + "Item; return void (or CompletionStage<Void>), or choose a "
                + "status with a body such as 200.");
        assertIncludeFails(new OutOfRange(), PREFIX + "OutOfRange.create(...) has @Status(99), which is not a status a "
                + "handler answers with; use one between 200 and 599.");
        assertIncludeFails(new StatusOnResponse(), PREFIX + "StatusOnResponse.create(...) has @Status(201), but it "
                + "returns Response, which carries its own status; set it there (Response.status(201)) and document "
                + "it with @ApiResponse(status = 201, body = ...).");
        assertIncludeFails(new StatusOnStream(), PREFIX + "StatusOnStream.items(...) has @Status(201), but it returns "
                + "Stream, which is sent with a status of its own (200 for a stream; 200, 206 or 304 for a file); "
                + "remove @Status.");
        assertIncludeFails(new SocketWithStatus(), PREFIX + "SocketWithStatus.chat(...) is a @WebSocket handler, which "
                + "answers no HTTP status, so it cannot have @Status or @ApiResponse.");
    }

    @Test
    void aDocumentedResponseThatCannotBeTrueFailsNamingClassAndMethod() {
        assertIncludeFails(new TwiceDocumented(), PREFIX + "TwiceDocumented.read(...) has two "
                + "@ApiResponse(status = 404); document each status once.");
        assertIncludeFails(new Documents422(), PREFIX + "Documents422.read(...) has @ApiResponse(status = 422), which "
                + "Starling documents itself (FastAPI's HTTPValidationError) for every route that binds a parameter; "
                + "remove it.");
        assertIncludeFails(new BodyOnOwnStatus(), PREFIX + "BodyOnOwnStatus.create(...) has @ApiResponse(status = 201, "
                + "body = Item.class), but its 201 response is what it returns (" + PREFIX + "Item); remove body, or "
                + "return Response to declare the body this way.");
        assertIncludeFails(new BodyOnNoContent(), PREFIX + "BodyOnNoContent.remove(...) has @ApiResponse(status = 204, "
                + "body = Item.class), but a 204 response has no body; remove body.");
    }
}
