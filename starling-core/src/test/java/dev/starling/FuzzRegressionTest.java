package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.starling.params.Query;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * The inputs that {@code RequestFuzzTest} shrank a failure to, sent over a real socket: each must get a 4xx with
 * a sentence, never a 500, and the connection must still serve the next request.
 */
class FuzzRegressionTest {

    static final class Api {
        @Get("/items/{id}")
        CompletionStage<String> item(int id, @Query Optional<String> q) {
            return CompletableFuture.completedFuture(id + " " + q.orElse("none"));
        }

        @Get("/off/items/{id}")
        String offItem(int id, @Query Optional<String> q) {
            return id + " " + q.orElse("none");
        }
    }

    /** A malformed percent-escape in the path or the query reached Netty's decoder unchecked: 500 and an ERROR log. */
    @ParameterizedTest
    @ValueSource(strings = {"/items/%zz", "/items/1%", "/items/1%2", "/off/items/%zz", "/items/1?q=%zz", "/items/1?q=%",
        "/off/items/1?q=a%g0", "/hello?name=%", "/nowhere/%zz"})
    void aMalformedPercentEscapeGetsA400(String target) {
        try (Http http = Http.serve(app -> {
            app.include(new Api());
            app.getAsync("/hello", r -> CompletableFuture.completedFuture("Hello, " + r.query("name").orElse("World")));
        }); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response bad = connection.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
            String part = target.indexOf('?') >= 0 && target.indexOf('?') < target.indexOf('%') ? "query" : "path";
            assertThat(bad.body()).matches("\\{\"detail\":\"The request " + part
                    + " holds '%[^']{0,2}', which is not a percent-encoded byte\\.\"}");

            RawConnection.Response next = connection.send("GET /items/7?q=%41 HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.body()).isEqualTo("7 A");
        }
    }

    /** Netty's aggregator answered an Expect other than 100-continue with an empty 417: no sentence saying why. */
    @Test
    void anUnsupportedExpectationGetsA417WithASentence() {
        try (Http http = Http.serve(app -> app.postAsync("/echo", r -> CompletableFuture.completedFuture(r.bodyText())));
             RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response refused = connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: a=b\r\n"
                    + "Content-Length: 2\r\n\r\nhi").read();
            assertThat(refused.status()).isEqualTo(417);
            assertThat(refused.body()).isEqualTo(
                    "{\"detail\":\"The expectation 'a=b' is not supported; only 100-continue is.\"}");
            assertThat(refused.header("connection")).contains("close");
        }
    }

    /**
     * A client that closed in the middle of a body ("T o HTTP/1.1\r\nt:\r\nContent-Length:2\r\n\r\n", then
     * nothing) made the aggregator report a PrematureChannelClosureException, logged at WARN with its stack trace:
     * any client could fill the log. It is a closed connection, logged at DEBUG like a reset one.
     */
    @Test
    void aClientThatClosesMidBodyIsNotAWarning() {
        Logger log = (Logger) LoggerFactory.getLogger("dev.starling.internal.http.ConnectionHandler");
        Level level = log.getLevel();
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        log.addAppender(events);
        log.setLevel(Level.DEBUG);
        try (Http http = Http.serve(app -> app.postAsync("/echo", r -> CompletableFuture.completedFuture(r.bodyText())))) {
            try (RawConnection connection = RawConnection.open(http.app.port())) {
                connection.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nh");
            }
            Await.until("the server saw the connection close mid-body", () -> messages(events).stream()
                    .anyMatch(m -> m.contains("PrematureChannelClosureException")));
            synchronized (events) {
                assertThat(events.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).isEmpty();
            }
        } finally {
            log.detachAppender(events);
            log.setLevel(level);
        }
    }

    private static List<String> messages(ListAppender<ILoggingEvent> events) {
        synchronized (events) {
            return events.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }
}
