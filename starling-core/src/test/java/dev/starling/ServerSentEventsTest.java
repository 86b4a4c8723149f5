package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.concurrent.Concurrency;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Server-sent events: the wire format, and streams of events sent as {@code text/event-stream}. */
class ServerSentEventsTest {

    /** Builds an app on a free port with {@code routes} and returns a client that started it. */
    private static TestClient serve(Consumer<Starling> routes) {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
        routes.accept(app);
        return TestClient.create(app);
    }

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

    private static void assertEventStream(TestResponse response, String body) {
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("content-type")).hasValue("text/event-stream; charset=utf-8");
        assertThat(response.header("cache-control")).hasValue("no-cache");
        assertThat(response.header("transfer-encoding")).hasValue("chunked");
        assertThat(response.text()).isEqualTo(body);
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aStreamOfEventsIsAnEventStream(HandlerPath path) {
        try (TestClient client = serve(app -> path.get(app, "/events", r -> Stream.of(
                ServerSentEvent.of("first").withId("1"),
                ServerSentEvent.of("second\nline").withEvent("note"))))) {
            assertEventStream(client.get("/events"), "id: 1\ndata: first\n\nevent: note\ndata: second\ndata: line\n\n");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aPublisherOfEventsIsAnEventStream(HandlerPath path) {
        try (TestClient client = serve(app -> path.get(app, "/events", r -> Concurrency.iterateInThreadpool(List.of(
                ServerSentEvent.of("a"), ServerSentEvent.of("b")).iterator())))) {
            assertEventStream(client.get("/events"), "data: a\n\ndata: b\n\n");
        }
    }

    record Tick(int n) {
    }

    @Test
    void laterItemsThatAreNotEventsBecomeTheDataOfEvents() {
        try (TestClient client = serve(app -> app.getAsync("/mixed", r -> CompletableFuture.completedFuture(
                Stream.<Object>of(ServerSentEvent.of("start"), "text", new Tick(2)))))) {
            assertEventStream(client.get("/mixed"), "data: start\n\ndata: text\n\ndata: {\"n\":2}\n\n");
        }
    }

    @Test
    void aStreamThatDoesNotStartWithAnEventIsNotAnEventStream() {
        try (TestClient client = serve(app -> app.get("/plain", r -> Stream.of("a", "b")))) {
            TestResponse response = client.get("/plain");

            assertThat(response.header("content-type")).hasValue("text/plain; charset=utf-8");
            assertThat(response.header("cache-control")).isEmpty();
        }
    }
}
