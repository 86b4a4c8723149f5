package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** At {@code maxConnections} the server stops accepting; a waiting client is served once a connection closes. */
class ConnectionLimitTest {

    private static final String GET = "GET /hello HTTP/1.1\r\nhost: test\r\n\r\n";

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aConnectionPastTheLimitWaitsUntilAnotherCloses(HandlerPath path) {
        try (Http http = Http.serve(c -> c.maxConnections(2), app -> path.get(app, "/hello", r -> "hello"));
             RawConnection first = RawConnection.open(http.app.port());
             RawConnection second = RawConnection.open(http.app.port());
             RawConnection third = RawConnection.open(http.app.port())) {
            assertThat(first.send(GET).read().body()).isEqualTo("hello");
            assertThat(second.send(GET).read().body()).isEqualTo("hello");

            // The third is in the kernel's backlog: connected, but not accepted, so nobody reads its request.
            third.send(GET);
            third.assertNothingArrivesWithin(300);
            assertThat(second.send(GET).read().body()).as("open connections keep being served").isEqualTo("hello");

            first.close();
            assertThat(third.read().body()).as("served once a place is free").isEqualTo("hello");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void manyConnectionsOpenedAndClosedNeverExhaustTheLimit(HandlerPath path) {
        try (Http http = Http.serve(c -> c.maxConnections(3), app -> path.get(app, "/hello", r -> "hello"))) {
            for (int i = 0; i < 200; i++) {
                try (RawConnection connection = RawConnection.open(http.app.port())) {
                    assertThat(connection.send(GET).read().body()).isEqualTo("hello");
                }
            }
        }
    }
}
