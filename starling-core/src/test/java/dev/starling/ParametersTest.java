package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.params.Cookie;
import dev.starling.params.Default;
import dev.starling.params.Form;
import dev.starling.params.Header;
import dev.starling.params.Query;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestRequest;
import dev.starling.testing.TestResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Cookies, form fields, java.time values and {@code @Default}: each route declared twice, offloaded under
 * /off and on the event loop under /loop; a bad default fails when the routes are added.
 */
class ParametersTest {

    static final class Api {
        @Get("/off/cookies")
        String cookies(@Cookie String session, @Cookie("theme") Optional<String> theme) {
            HandlerPath.OFFLOADED.check();
            return session + " " + theme.orElse("-");
        }

        @Get("/loop/cookies")
        CompletionStage<String> cookiesAsync(@Cookie String session, @Cookie("theme") Optional<String> theme) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(session + " " + theme.orElse("-"));
        }

        @Post("/off/form")
        String form(@Form String name, @Form int age, @Form List<String> tag) {
            HandlerPath.OFFLOADED.check();
            return name + " " + age + " " + tag;
        }

        @Post("/loop/form")
        CompletionStage<String> formAsync(@Form String name, @Form int age, @Form List<String> tag) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(name + " " + age + " " + tag);
        }

        @Get("/off/time")
        String time(LocalDate date, @Query Optional<LocalDateTime> at, @Query Optional<LocalTime> time,
                    @Query Optional<Instant> instant, @Query Optional<OffsetDateTime> offset,
                    @Query Optional<ZonedDateTime> zoned, @Query Optional<Duration> duration) {
            HandlerPath.OFFLOADED.check();
            return date + " " + at.orElse(null) + " " + time.orElse(null) + " " + instant.orElse(null) + " "
                    + offset.orElse(null) + " " + zoned.orElse(null) + " " + duration.orElse(null);
        }

        @Get("/loop/time")
        CompletionStage<String> timeAsync(LocalDate date, @Query Optional<LocalDateTime> at,
                                          @Query Optional<LocalTime> time, @Query Optional<Instant> instant,
                                          @Query Optional<OffsetDateTime> offset,
                                          @Query Optional<ZonedDateTime> zoned,
                                          @Query Optional<Duration> duration) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(date + " " + at.orElse(null) + " " + time.orElse(null) + " "
                    + instant.orElse(null) + " " + offset.orElse(null) + " " + zoned.orElse(null) + " "
                    + duration.orElse(null));
        }

        @Get("/off/defaults")
        String defaults(@Default("10") int limit, @Header @Default("en") String lang,
                        @Cookie @Default("light") String theme, @Default("2024-01-31") LocalDate since) {
            HandlerPath.OFFLOADED.check();
            return limit + " " + lang + " " + theme + " " + since;
        }

        @Get("/loop/defaults")
        CompletionStage<String> defaultsAsync(@Default("10") int limit, @Header @Default("en") String lang,
                                              @Cookie @Default("light") String theme,
                                              @Default("2024-01-31") LocalDate since) {
            HandlerPath.LOOP.check();
            return CompletableFuture.completedFuture(limit + " " + lang + " " + theme + " " + since);
        }
    }

    static final class BadDefault {
        @Get("/items")
        String items(@Default("ten") int limit) {
            return "" + limit;
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

    private static TestResponse get(TestClient client, String path, String... headers) {
        TestRequest request = client.request("GET", path);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request.send();
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void cookiesComeFromTheCookieHeader(HandlerPath path) {
        try (TestClient client = serve()) {
            TestResponse r = get(client, prefix(path) + "/cookies", "cookie", "session=abc; theme=dark");
            assertThat(r.text()).isEqualTo("abc dark");
            r = get(client, prefix(path) + "/cookies", "cookie", "session=\"quoted\"");
            assertThat(r.text()).isEqualTo("quoted -");
            r = get(client, prefix(path) + "/cookies");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":[{\"type\":\"missing\",\"loc\":[\"cookie\",\"session\"],"
                    + "\"msg\":\"Field required\",\"input\":null}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void formFieldsComeFromAnUrlEncodedBody(HandlerPath path) {
        try (TestClient client = serve()) {
            TestResponse r = client.request("POST", prefix(path) + "/form")
                    .body("name=J%C3%BCrgen+K&age=41&tag=a&tag=b", "application/x-www-form-urlencoded").send();
            assertThat(r.text()).isEqualTo("Jürgen K 41 [a, b]");
            r = client.request("POST", prefix(path) + "/form")
                    .body("age=old", "application/x-www-form-urlencoded").send();
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],"
                    + "\"msg\":\"Field required\",\"input\":null},{\"type\":\"int_parsing\",\"loc\":[\"body\",\"age\"],"
                    + "\"msg\":\"Input should be a valid integer, unable to parse string as an integer\","
                    + "\"input\":\"old\"}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aQueryOfMoreThanMaxQueryParametersIs400(HandlerPath path) {
        try (TestClient client = serve()) {
            String full = prefix(path) + "/time?date=2024-02-29" + "&a=1".repeat(999);
            assertThat(get(client, full).status()).as("1,000 parameters").isEqualTo(200);
            TestResponse r = get(client, full + "&a=1");
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.text()).isEqualTo("{\"detail\":\"The query has more than 1000 parameters.\"}");
            TestResponse semicolons = get(client, prefix(path) + "/time?date=2024-02-29" + ";a".repeat(1000));
            assertThat(semicolons.status()).as("; separates parameters too").isEqualTo(400);
            assertThat(get(client, prefix(path) + "/time?date=2024-02-29").status()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anUrlEncodedFormOfMoreThanMaxFormPartsIs400(HandlerPath path) {
        try (TestClient client = serve()) {
            String fields = "name=n&age=1" + "&tag=t".repeat(998);
            TestResponse ok = client.request("POST", prefix(path) + "/form")
                    .body(fields, "application/x-www-form-urlencoded").send();
            assertThat(ok.status()).as("1,000 fields").isEqualTo(200);
            TestResponse r = client.request("POST", prefix(path) + "/form")
                    .body(fields + "&tag=t", "application/x-www-form-urlencoded").send();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.text()).isEqualTo("{\"detail\":\"The form has more than 1000 fields and files.\"}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void javaTimeValuesAreIso8601(HandlerPath path) {
        try (TestClient client = serve()) {
            TestResponse r = get(client, prefix(path) + "/time?date=2024-02-29&at=2024-02-29T10:15:30"
                    + "&time=10:15&instant=2024-02-29T10:15:30Z&offset=2024-02-29T10:15:30%2B01:00"
                    + "&zoned=2024-02-29T10:15:30%2B01:00%5BEurope/Paris%5D&duration=PT1H30M");
            assertThat(r.text()).isEqualTo("2024-02-29 2024-02-29T10:15:30 10:15 2024-02-29T10:15:30Z "
                    + "2024-02-29T10:15:30+01:00 2024-02-29T10:15:30+01:00[Europe/Paris] PT1H30M");
            r = get(client, prefix(path) + "/time?date=2024-02-30&time=25:00&duration=90");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":["
                    + "{\"type\":\"date_from_datetime_parsing\",\"loc\":[\"query\",\"date\"],\"msg\":\"Input should be a "
                    + "valid date or datetime, input is not an ISO-8601 date such as 2024-01-31\",\"input\":\"2024-02-30\"},"
                    + "{\"type\":\"time_parsing\",\"loc\":[\"query\",\"time\"],\"msg\":\"Input should be in a valid time "
                    + "format, input is not an ISO-8601 time such as 10:15:30\",\"input\":\"25:00\"},"
                    + "{\"type\":\"time_delta_parsing\",\"loc\":[\"query\",\"duration\"],\"msg\":\"Input should be a "
                    + "valid timedelta, input is not an ISO-8601 duration such as PT1H30M\",\"input\":\"90\"}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void defaultsApplyWhenTheRequestHasNoValue(HandlerPath path) {
        try (TestClient client = serve()) {
            assertThat(get(client, prefix(path) + "/defaults").text()).isEqualTo("10 en light 2024-01-31");
            assertThat(get(client, prefix(path) + "/defaults?limit=3&since=2025-05-05", "lang", "fr", "cookie",
                    "theme=dark").text()).isEqualTo("3 fr dark 2025-05-05");
        }
    }

    @Test
    void aBadDefaultFailsWhenTheRouteIsAdded() {
        Starling app = Starling.create();
        assertThatThrownBy(() -> app.include(new BadDefault()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Parameter 'limit' of dev.starling.ParametersTest$BadDefault.items(...) has "
                        + "@Default(\"ten\"), which is not a valid int: Input should be a valid integer, unable to parse "
                        + "string as an integer.");
        app.stop();
    }
}
