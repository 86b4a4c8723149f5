package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.params.Cookie;
import dev.starling.params.Default;
import dev.starling.params.Form;
import dev.starling.params.Header;
import dev.starling.params.Query;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

    private static Http serve() {
        return Http.serve(app -> app.include(new Api()));
    }

    private static String prefix(HandlerPath path) {
        return path == HandlerPath.LOOP ? "/loop" : "/off";
    }

    private static HttpResponse<String> get(Http http, String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(http.uri(path)).timeout(java.time.Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.GET().build());
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void cookiesComeFromTheCookieHeader(HandlerPath path) {
        try (Http http = serve()) {
            HttpResponse<String> r = get(http, prefix(path) + "/cookies", "cookie", "session=abc; theme=dark");
            assertThat(r.body()).isEqualTo("abc dark");
            r = get(http, prefix(path) + "/cookies", "cookie", "session=\"quoted\"");
            assertThat(r.body()).isEqualTo("quoted -");
            r = get(http, prefix(path) + "/cookies");
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).isEqualTo("{\"detail\":[{\"type\":\"missing\",\"loc\":[\"cookie\",\"session\"],"
                    + "\"msg\":\"Field required\",\"input\":null}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void formFieldsComeFromAnUrlEncodedBody(HandlerPath path) {
        try (Http http = serve()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(http.uri(prefix(path) + "/form"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("name=J%C3%BCrgen+K&age=41&tag=a&tag=b")).build());
            assertThat(r.body()).isEqualTo("Jürgen K 41 [a, b]");
            r = http.send(HttpRequest.newBuilder(http.uri(prefix(path) + "/form"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("age=old")).build());
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).isEqualTo("{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],"
                    + "\"msg\":\"Field required\",\"input\":null},{\"type\":\"int_parsing\",\"loc\":[\"body\",\"age\"],"
                    + "\"msg\":\"Input should be a valid integer, unable to parse string as an integer\","
                    + "\"input\":\"old\"}]}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void javaTimeValuesAreIso8601(HandlerPath path) {
        try (Http http = serve()) {
            HttpResponse<String> r = get(http, prefix(path) + "/time?date=2024-02-29&at=2024-02-29T10:15:30"
                    + "&time=10:15&instant=2024-02-29T10:15:30Z&offset=2024-02-29T10:15:30%2B01:00"
                    + "&zoned=2024-02-29T10:15:30%2B01:00%5BEurope/Paris%5D&duration=PT1H30M");
            assertThat(r.body()).isEqualTo("2024-02-29 2024-02-29T10:15:30 10:15 2024-02-29T10:15:30Z "
                    + "2024-02-29T10:15:30+01:00 2024-02-29T10:15:30+01:00[Europe/Paris] PT1H30M");
            r = get(http, prefix(path) + "/time?date=2024-02-30&time=25:00&duration=90");
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.body()).isEqualTo("{\"detail\":["
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
        try (Http http = serve()) {
            assertThat(get(http, prefix(path) + "/defaults").body()).isEqualTo("10 en light 2024-01-31");
            assertThat(get(http, prefix(path) + "/defaults?limit=3&since=2025-05-05", "lang", "fr", "cookie",
                    "theme=dark").body()).isEqualTo("3 fr dark 2025-05-05");
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
