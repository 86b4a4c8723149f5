package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a client learns about the server from its answers: no {@code server} or {@code x-powered-by} header,
 * no stack trace, no exception class, no Java, Netty or Starling version, whatever the status.
 */
class SecurityDefaultsTest {

    private static final List<String> TELLING = List.of("exception", "\tat ", "at dev.starling", "at io.netty",
            "java.", "netty", "starling", "jdk", "openjdk", "caused by");

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void noAnswerNamesTheServerOrShowsAStackTrace(HandlerPath path) {
        try (Http http = Http.serve(app -> {
            path.get(app, "/ok", r -> "fine");
            path.get(app, "/boom", r -> {
                throw new IllegalStateException("a secret detail of java.lang and dev.starling internals");
            });
            path.get(app, "/items/{id}", r -> r.pathParam("id").orElseThrow());
        })) {
            // Raw requests, since a well-behaved client would refuse to send the malformed ones.
            for (String target : List.of("/ok", "/boom", "/missing", "/items/%zz", "/ok?q=%e0%80", "/%00")) {
                try (RawConnection connection = RawConnection.open(http.app.port())) {
                    RawConnection.Response response = connection.send("GET " + target
                            + " HTTP/1.1\r\nhost: test\r\n\r\n").read();
                    Map<String, List<String>> headers = response.headers();
                    assertThat(headers.keySet()).as("headers of %s", target)
                            .noneMatch(h -> h.equals("server") || h.equals("x-powered-by"));
                    String body = response.body().toLowerCase(Locale.ROOT);
                    assertThat(TELLING).as("body of %s (%d): %s", target, response.status(), body)
                            .noneMatch(body::contains);
                    assertThat(response.status()).as("status of %s", target).isLessThan(600);
                }
            }
            assertThat(http.get("/boom").body()).isEqualTo("{\"detail\":\"Internal Server Error\"}");
        }
    }
}
