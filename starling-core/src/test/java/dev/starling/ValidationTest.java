package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.internal.params.Binder;
import dev.starling.params.Body;
import dev.starling.params.Default;
import dev.starling.params.Header;
import dev.starling.params.Query;
import jakarta.validation.constraints.Max;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Jakarta Validation constraints on parameters and on the components of a {@code @Body} record give FastAPI's
 * 422 entries; a route with constraints and no provider fails when it is added, saying what to add.
 */
class ValidationTest {

    record User(@NotBlank String name, @Min(18) int age, @Pattern(regexp = "[a-z]+") String nick) {
    }

    static final class Api {
        @Get("/off/search")
        String search(@Query @Size(min = 3, max = 10) String q, @Min(1) @Max(100) @Default("10") int limit,
                      @Query Optional<@Size(min = 2) String> ref) {
            HandlerPath.OFFLOADED.check();
            return q + " " + limit + " " + ref.orElse("-");
        }

        @Get("/loop/search")
        CompletionStage<String> searchAsync(@Query @Size(min = 3, max = 10) String q,
                                            @Min(1) @Max(100) @Default("10") int limit,
                                            @Query Optional<@Size(min = 2) String> ref) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(q + " " + limit + " " + ref.orElse("-"));
        }

        @Post("/off/users/{id}")
        String user(@Positive int id, @Body User user) {
            HandlerPath.OFFLOADED.check();
            return id + " " + user.name();
        }

        @Post("/loop/users/{id}")
        CompletionStage<String> userAsync(@Positive int id, @Body User user) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(id + " " + user.name());
        }
    }

    static final class BodyOnly {
        @Post("/users")
        String create(@Body User user) {
            return user.name();
        }
    }

    static final class Misplaced {
        @Get("/search")
        String search(@Query @Size(min = 2) Optional<String> ref) {
            return ref.orElse("-");
        }
    }

    @Test
    void aConstraintThatFitsNoTypeFailsWhenTheRouteIsAdded() {
        Starling app = Starling.create();
        assertThatThrownBy(() -> app.include(new Misplaced()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("dev.starling.ValidationTest$Misplaced.search(...) has a constraint that cannot "
                        + "be checked (HV000030: No validator could be found for constraint "
                        + "'jakarta.validation.constraints.Size' validating type 'java.util.Optional<java.lang.String>'.")
                .hasMessageEndingWith("; on an Optional or a List, put the constraint on the type argument, such as "
                        + "Optional<@Size(min = 2) String>.");
        app.stop();
    }

    static final class Lists {
        @Get("/off/ids")
        String ids(@Query List<@Min(1) Integer> id) {
            HandlerPath.OFFLOADED.check();
            return id.toString();
        }

        @Get("/loop/ids")
        CompletionStage<String> idsAsync(@Query List<@Min(1) Integer> id) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(id.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void constraintsOnListElementsNameThePosition(HandlerPath path) {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
        app.include(new Lists());
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.get(prefix(path) + "/ids?id=1&id=2").text()).isEqualTo("[1, 2]");
            TestResponse r = client.get(prefix(path) + "/ids?id=1&id=0");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"id\",1],"
                    + "\"msg\":\"must be greater than or equal to 1\",\"input\":\"0\"}]}");
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

    private static TestResponse post(TestClient client, String path, String json) {
        return client.request("POST", path).body(json, "application/json").send();
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void parameterConstraintsGive422Entries(HandlerPath path) {
        try (TestClient client = serve()) {
            assertThat(client.get(prefix(path) + "/search?q=bird").text()).isEqualTo("bird 10 -");
            assertThat(client.get(prefix(path) + "/search?q=bird&ref=xy").text()).isEqualTo("bird 10 xy");
            TestResponse r = client.get(prefix(path) + "/search?q=ab&limit=500&ref=x");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":["
                    + "{\"type\":\"less_than_equal\",\"loc\":[\"query\",\"limit\"],"
                    + "\"msg\":\"must be less than or equal to 100\",\"input\":\"500\"},"
                    + "{\"type\":\"string_too_short\",\"loc\":[\"query\",\"q\"],"
                    + "\"msg\":\"size must be between 3 and 10\",\"input\":\"ab\"},"
                    + "{\"type\":\"string_too_short\",\"loc\":[\"query\",\"ref\"],"
                    + "\"msg\":\"size must be between 2 and 2147483647\",\"input\":\"x\"}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void conversionErrorsComeBeforeConstraints(HandlerPath path) {
        try (TestClient client = serve()) {
            TestResponse r = client.get(prefix(path) + "/search?q=ab&limit=x");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"limit\"],"
                    + "\"msg\":\"Input should be a valid integer, unable to parse string as an integer\","
                    + "\"input\":\"x\"}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void bodyConstraintsGive422EntriesWithTheFieldInLoc(HandlerPath path) {
        try (TestClient client = serve()) {
            TestResponse r = post(client, prefix(path) + "/users/7", "{\"name\":\"Ann\",\"age\":30,\"nick\":\"ann\"}");
            assertThat(r.text()).isEqualTo("7 Ann");
            r = post(client, prefix(path) + "/users/0", "{\"name\":\" \",\"age\":12,\"nick\":\"A1\"}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":["
                    + "{\"type\":\"greater_than\",\"loc\":[\"path\",\"id\"],\"msg\":\"must be greater than 0\",\"input\":\"0\"},"
                    + "{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"age\"],"
                    + "\"msg\":\"must be greater than or equal to 18\",\"input\":12},"
                    + "{\"type\":\"not_blank\",\"loc\":[\"body\",\"name\"],\"msg\":\"must not be blank\",\"input\":\" \"},"
                    + "{\"type\":\"string_pattern_mismatch\",\"loc\":[\"body\",\"nick\"],"
                    + "\"msg\":\"must match \\\"[a-z]+\\\"\",\"input\":\"A1\"}]}");
        }
    }

    @Test
    void constraintsWithoutAValidatorFailAtRegistrationSayingWhatToAdd() throws Exception {
        Method search = Api.class.getDeclaredMethod("search", String.class, int.class, Optional.class);
        assertThatThrownBy(() -> Binder.of(new Api(), search, List.of(), null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Parameter 'q' of dev.starling.ValidationTest$Api.search(...) uses Jakarta Validation "
                        + "(@Size), but no Jakarta Validation provider is on the class path; add "
                        + "org.hibernate.validator:hibernate-validator (9.1.6.Final) and "
                        + "org.glassfish.expressly:expressly (6.0.0) to your dependencies.");
        Method body = BodyOnly.class.getDeclaredMethod("create", User.class);
        assertThatThrownBy(() -> Binder.of(new BodyOnly(), body, List.of(), null, false))
                .hasMessage("Parameter 'user' of dev.starling.ValidationTest$BodyOnly.create(...) (its type User) uses "
                        + "Jakarta Validation (@NotBlank), but no Jakarta Validation provider is on the class path; add "
                        + "org.hibernate.validator:hibernate-validator (9.1.6.Final) and "
                        + "org.glassfish.expressly:expressly (6.0.0) to your dependencies.");
        Method user = Api.class.getDeclaredMethod("user", int.class, User.class);
        assertThatThrownBy(() -> Binder.of(new Api(), user, List.of("id"), null, false))
                .hasMessageContaining("Parameter 'id' of dev.starling.ValidationTest$Api.user(...) uses Jakarta "
                        + "Validation (@Positive)");
    }

    // ---- constraints on type arguments ----

    record Labelled(List<@Pattern(regexp = "[a-z]+") String> tags, Optional<@Size(min = 2) String> note,
                    List<@Min(1) Integer> counts) {
    }

    record Named(@Size(min = 2) String name) {
    }

    record Team(@Valid Named lead, List<@Valid Named> members, Named unchecked) {
    }

    static final class Elements {
        @Post("/off/team")
        String team(@Body Team team) {
            HandlerPath.OFFLOADED.check();
            return team.lead().name();
        }

        @Post("/loop/team")
        CompletionStage<String> teamAsync(@Body Team team) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(team.lead().name());
        }

        @Post("/off/names")
        String names(@Body List<@Valid Named> names) {
            HandlerPath.OFFLOADED.check();
            return "" + names.size();
        }

        @Post("/loop/names")
        CompletionStage<String> namesAsync(@Body List<@Valid Named> names) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture("" + names.size());
        }

        @Post("/off/unmarked-names")
        String unmarkedNames(@Body List<Named> names) {
            HandlerPath.OFFLOADED.check();
            return "" + names.size();
        }

        @Post("/loop/unmarked-names")
        CompletionStage<String> unmarkedNamesAsync(@Body List<Named> names) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture("" + names.size());
        }

        @Get("/off/tags")
        String tags(@Query List<@Pattern(regexp = "[a-z]+") String> tags, @Header Optional<@Size(min = 2) String> ref) {
            HandlerPath.OFFLOADED.check();
            return tags + " " + ref.orElse("-");
        }

        @Get("/loop/tags")
        CompletionStage<String> tagsAsync(@Query List<@Pattern(regexp = "[a-z]+") String> tags,
                                          @Header Optional<@Size(min = 2) String> ref) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(tags + " " + ref.orElse("-"));
        }

        @Post("/off/labels")
        String labels(@Body Labelled labelled) {
            HandlerPath.OFFLOADED.check();
            return labelled.tags().toString();
        }

        @Post("/loop/labels")
        CompletionStage<String> labelsAsync(@Body Labelled labelled) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(labelled.tags().toString());
        }

        @Post("/off/counts")
        String counts(@Body List<@Min(1) Integer> counts) {
            HandlerPath.OFFLOADED.check();
            return counts.toString();
        }

        @Post("/loop/counts")
        CompletionStage<String> countsAsync(@Body List<@Min(1) Integer> counts) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(counts.toString());
        }

        @Post("/off/pair")
        String pair(@Body User user, @Body Labelled labelled) {
            HandlerPath.OFFLOADED.check();
            return user.name();
        }

        @Post("/loop/pair")
        CompletionStage<String> pairAsync(@Body User user, @Body Labelled labelled) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(user.name());
        }
    }

    private static TestClient elements() {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
        app.include(new Elements());
        return TestClient.create(app);
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void constraintsOnTheTypeArgumentsOfParametersNameTheElement(HandlerPath path) {
        try (TestClient client = elements()) {
            assertThat(client.get(prefix(path) + "/tags?tags=ab&tags=cd").text()).isEqualTo("[ab, cd] -");
            TestResponse r = client.request("GET", prefix(path) + "/tags?tags=ab&tags=C1").header("ref", "x").send();
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":["
                    + "{\"type\":\"string_too_short\",\"loc\":[\"header\",\"ref\"],"
                    + "\"msg\":\"size must be between 2 and 2147483647\",\"input\":\"x\"},"
                    + "{\"type\":\"string_pattern_mismatch\",\"loc\":[\"query\",\"tags\",1],"
                    + "\"msg\":\"must match \\\"[a-z]+\\\"\",\"input\":\"C1\"}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void recordsNestedInABodyAreValidatedWhereMarkedValid(HandlerPath path) {
        try (TestClient client = elements()) {
            TestResponse r = post(client, prefix(path) + "/team", "{\"lead\":{\"name\":\"a\"},"
                    + "\"members\":[{\"name\":\"ok\"},{\"name\":\"b\"}],\"unchecked\":{\"name\":\"c\"}}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":["
                    + "{\"type\":\"string_too_short\",\"loc\":[\"body\",\"lead\",\"name\"],"
                    + "\"msg\":\"size must be between 2 and 2147483647\",\"input\":\"a\"},"
                    + "{\"type\":\"string_too_short\",\"loc\":[\"body\",\"members\",1,\"name\"],"
                    + "\"msg\":\"size must be between 2 and 2147483647\",\"input\":\"b\"}]}");
            // A body that is a list of records is a list of bodies: each is validated, with or without @Valid.
            for (String route : List.of("/names", "/unmarked-names")) {
                TestResponse list = post(client, prefix(path) + route, "[{\"name\":\"ok\"},{\"name\":\"b\"}]");
                assertThat(list.status()).as(route).isEqualTo(422);
                assertThat(list.text()).isEqualTo("{\"detail\":["
                        + "{\"type\":\"string_too_short\",\"loc\":[\"body\",1,\"name\"],"
                        + "\"msg\":\"size must be between 2 and 2147483647\",\"input\":\"b\"}]}");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void constraintsOnTheTypeArgumentsOfRecordComponentsNameTheElement(HandlerPath path) {
        try (TestClient client = elements()) {
            String good = "{\"tags\":[\"ab\"],\"note\":\"hi\",\"counts\":[1]}";
            assertThat(post(client, prefix(path) + "/labels", good).text()).isEqualTo("[ab]");
            TestResponse r = post(client, prefix(path) + "/labels",
                    "{\"tags\":[\"ab\",\"C1\"],\"note\":\"x\",\"counts\":[1,0]}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":["
                    + "{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"counts\",1],"
                    + "\"msg\":\"must be greater than or equal to 1\",\"input\":0},"
                    + "{\"type\":\"string_too_short\",\"loc\":[\"body\",\"note\"],"
                    + "\"msg\":\"size must be between 2 and 2147483647\",\"input\":\"x\"},"
                    + "{\"type\":\"string_pattern_mismatch\",\"loc\":[\"body\",\"tags\",1],"
                    + "\"msg\":\"must match \\\"[a-z]+\\\"\",\"input\":\"C1\"}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void constraintsOnTheTypeArgumentOfABodyNameThePosition(HandlerPath path) {
        try (TestClient client = elements()) {
            assertThat(post(client, prefix(path) + "/counts", "[1,2]").text()).isEqualTo("[1, 2]");
            TestResponse r = post(client, prefix(path) + "/counts", "[1,0]");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"body\",1],"
                    + "\"msg\":\"must be greater than or equal to 1\",\"input\":0}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void constraintsInAnEmbeddedBodyNameThePart(HandlerPath path) {
        try (TestClient client = elements()) {
            String labelled = "\"labelled\":{\"tags\":[\"ab\"],\"note\":\"hi\",\"counts\":[1]}";
            TestResponse r = post(client, prefix(path) + "/pair",
                    "{\"user\":{\"name\":\"Ann\",\"age\":30,\"nick\":\"ann\"}," + labelled + "}");
            assertThat(r.text()).isEqualTo("Ann");
            r = post(client, prefix(path) + "/pair", "{\"user\":{\"name\":\"Ann\",\"age\":12,\"nick\":\"ann\"},"
                    + labelled.replace("[\"ab\"]", "[\"AB\"]") + "}");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":["
                    + "{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"user\",\"age\"],"
                    + "\"msg\":\"must be greater than or equal to 18\",\"input\":12},"
                    + "{\"type\":\"string_pattern_mismatch\",\"loc\":[\"body\",\"labelled\",\"tags\",0],"
                    + "\"msg\":\"must match \\\"[a-z]+\\\"\",\"input\":\"AB\"}]}");
        }
    }
}
