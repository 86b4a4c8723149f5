package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.concurrent.Concurrency;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Server-sent events: the wire format, and streams of events sent as {@code text/event-stream}. */
class ServerSentEventsTest {

    @Test
    void anEventIsEncodedInTheWireFormat() {
        assertThat(ServerSentEvent.of("hello").encode()).isEqualTo("data: hello\n\n");
        assertThat(ServerSentEvent.of("one\ntwo\r\nthree\rfour").withEvent("update").withId("7")
                .withRetry(Duration.ofSeconds(3)).encode())
                .isEqualTo("event: update\nid: 7\nretry: 3000\ndata: one\ndata: two\ndata: three\ndata: four\n\n");
        assertThat(ServerSentEvent.of("").encode()).isEqualTo("data: \n\n");
    }

    @Test
    void aLineBreakInTheEventTypeOrIdIsRefused() {
        assertThatThrownBy(() -> ServerSentEvent.of("x").withEvent("a\nb"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line break").hasMessageEndingWith(".");
        assertThatThrownBy(() -> ServerSentEvent.of("x").withId("1\r"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line break");
        assertThatThrownBy(() -> ServerSentEvent.of(null)).isInstanceOf(NullPointerException.class);
    }

    private static void assertEventStream(HttpResponse<String> response, String body) {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        assertThat(response.headers().firstValue("cache-control")).hasValue("no-cache");
        assertThat(response.headers().firstValue("transfer-encoding")).hasValue("chunked");
        assertThat(response.body()).isEqualTo(body);
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aStreamOfEventsIsAnEventStream(HandlerPath path) {
        try (Http http = Http.serve(app -> path.get(app, "/events", r -> Stream.of(
                ServerSentEvent.of("first").withId("1"),
                ServerSentEvent.of("second\nline").withEvent("note"))))) {
            assertEventStream(http.get("/events"), "id: 1\ndata: first\n\nevent: note\ndata: second\ndata: line\n\n");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aPublisherOfEventsIsAnEventStream(HandlerPath path) {
        try (Http http = Http.serve(app -> path.get(app, "/events", r -> Concurrency.iterateInThreadpool(List.of(
                ServerSentEvent.of("a"), ServerSentEvent.of("b")).iterator())))) {
            assertEventStream(http.get("/events"), "data: a\n\ndata: b\n\n");
        }
    }

    record Tick(int n) {
    }

    @Test
    void laterItemsThatAreNotEventsBecomeTheDataOfEvents() {
        try (Http http = Http.serve(app -> app.getAsync("/mixed", r -> CompletableFuture.completedFuture(
                Stream.<Object>of(ServerSentEvent.of("start"), "text", new Tick(2)))))) {
            assertEventStream(http.get("/mixed"), "data: start\n\ndata: text\n\ndata: {\"n\":2}\n\n");
        }
    }

    @Test
    void aStreamThatDoesNotStartWithAnEventIsNotAnEventStream() {
        try (Http http = Http.serve(app -> app.get("/plain", r -> Stream.of("a", "b")))) {
            HttpResponse<String> response = http.get("/plain");

            assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
            assertThat(response.headers().firstValue("cache-control")).isEmpty();
        }
    }
}
