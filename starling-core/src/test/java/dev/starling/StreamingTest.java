package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Handlers that return an {@code Iterator} or a {@code Stream}: the items are pulled one at a time on the
 * threadpool and sent chunked; the stream is closed when it ends, on HEAD, and when the client goes away.
 */
class StreamingTest {

    /** Builds an app on a free port with {@code routes} and returns a client that started it. */
    private static TestClient serve(Consumer<Starling> routes) {
        return serve(true, routes);
    }

    private static TestClient serve(boolean raiseServerExceptions, Consumer<Starling> routes) {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
        routes.accept(app);
        return TestClient.create(app, raiseServerExceptions);
    }

    /** Sends raw bytes on a new connection and returns everything the server sends until it closes. */
    private static String raw(TestClient client, String request) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", client.app().port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new AssertionError("Raw request failed: " + e, e);
        }
    }

    record Item(int id) {
    }

    /** Counts items and remembers the threads {@code next()} ran on; closeable, so the server must close it. */
    static final class Letters implements Iterator<String>, AutoCloseable {
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final CountDownLatch closed = new CountDownLatch(1);
        private final Iterator<String> letters = List.of("a", "b", "c").iterator();

        @Override
        public boolean hasNext() {
            threads.add(Thread.currentThread().getName());
            return letters.hasNext();
        }

        @Override
        public String next() {
            threads.add(Thread.currentThread().getName());
            return letters.next();
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anIteratorIsSentChunkedAndEachNextRunsOnTheThreadpool(HandlerPath path) throws Exception {
        Letters letters = new Letters();
        try (TestClient client = serve(app -> path.get(app, "/letters", r -> letters))) {
            try (RawConnection connection = RawConnection.open(client.app().port())) {
                RawConnection.Response response = connection.send("GET /letters HTTP/1.1\r\nHost: x\r\n\r\n").read();

                assertThat(response.status()).isEqualTo(200);
                assertThat(response.chunked()).isTrue();
                assertThat(response.header("content-type")).hasValue("text/plain; charset=utf-8");
                assertThat(response.body()).isEqualTo("abc");
            }
            assertThat(letters.closed.await(10, TimeUnit.SECONDS)).as("the iterator is closed at its end").isTrue();
            assertThat(letters.threads).isNotEmpty().allMatch(t -> t.startsWith("starling-worker-"));
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aStreamOfRecordsIsSentAsJsonLinesAndClosedAtItsEnd(HandlerPath path) throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (TestClient client = serve(app -> path.get(app, "/items", r -> Stream.of(new Item(1), new Item(2))
                .onClose(closed::countDown)))) {
            TestResponse response = client.get("/items");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("content-type")).hasValue("application/x-ndjson");
            assertThat(response.header("transfer-encoding")).hasValue("chunked");
            assertThat(response.text()).isEqualTo("{\"id\":1}\n{\"id\":2}\n");
            assertThat(closed.await(10, TimeUnit.SECONDS)).as("the stream's onClose ran").isTrue();
        }
    }

    @Test
    void anEmptyStreamIsAnEmptyChunkedResponse() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (TestClient client = serve(app -> app.get("/none", r -> Stream.empty().onClose(closed::countDown)))) {
            TestResponse response = client.get("/none");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEmpty();
            assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aClientThatDisconnectsClosesTheStream(HandlerPath path) throws Exception {
        CountDownLatch produced = new CountDownLatch(3);
        CountDownLatch closed = new CountDownLatch(1);
        AtomicInteger items = new AtomicInteger();
        try (TestClient client = serve(app -> path.get(app, "/endless", r -> Stream.generate(() -> {
            produced.countDown();
            return "item " + items.incrementAndGet() + "\n";
        }).onClose(closed::countDown)))) {
            try (Socket socket = new Socket("127.0.0.1", client.app().port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                InputStream in = socket.getInputStream();
                byte[] first = new byte[64];
                assertThat(in.read(first)).as("the stream started").isPositive();
                assertThat(produced.await(10, TimeUnit.SECONDS)).as("several items were produced").isTrue();
            }
            assertThat(closed.await(10, TimeUnit.SECONDS)).as("the disconnect closed the stream").isTrue();
            int after = items.get();
            // Closed means no more pulls: nothing is produced past the close.
            client.get("/").status();   // a round trip through the server
            assertThat(items.get()).isLessThanOrEqualTo(after + 1);
        }
    }

    /** A handler that ignores interrupts, as a JDBC driver may, and returns its stream when released. */
    static final class UninterruptibleRows {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();

        @Get("/rows")
        public java.util.stream.Stream<String> rows() {
            started.countDown();
            while (true) {
                try {
                    if (release.await(30, TimeUnit.SECONDS)) {
                        break;
                    }
                } catch (InterruptedException ignored) {
                    // a JDBC driver, say, that does not answer interrupts
                    interrupted.incrementAndGet();
                }
            }
            return java.util.stream.Stream.of("a", "b").onClose(closed::incrementAndGet);
        }
    }

    /**
     * A stream that its handler returns only after the client has left (the disconnect's interrupt was ignored)
     * is still closed: its onClose runs though nothing is sent.
     */
    @Test
    void aStreamReturnedAfterTheClientLeftIsClosed() throws Exception {
        UninterruptibleRows h = new UninterruptibleRows();
        try (Http http = Http.serve(app -> app.include(h))) {
            try (Socket socket = new Socket("127.0.0.1", http.app.port())) {
                socket.getOutputStream().write("GET /rows HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                assertThat(h.started.await(10, TimeUnit.SECONDS)).isTrue();
            }
            Await.until("the disconnect cancelled the handler", () -> h.interrupted.get() > 0);
            h.release.countDown();
            Await.until("the stream returned after the client left is closed", () -> h.closed.get() == 1);
        }
    }

    @Test
    void aClosingIteratorIsClosedWhenTheClientDisconnects() throws Exception {
        CountDownLatch pulled = new CountDownLatch(2);
        CountDownLatch closed = new CountDownLatch(1);
        final class Endless implements Iterator<String>, AutoCloseable {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public String next() {
                pulled.countDown();
                return "x".repeat(1024);
            }

            @Override
            public void close() {
                closed.countDown();
            }
        }
        try (TestClient client = serve(app -> app.get("/endless", r -> new Endless()))) {
            try (Socket socket = new Socket("127.0.0.1", client.app().port())) {
                socket.getOutputStream().write("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                assertThat(pulled.await(10, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(closed.await(10, TimeUnit.SECONDS)).as("the disconnect closed the iterator").isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void headOnAStreamSendsTheHeadersAndClosesTheStreamUnread(HandlerPath path) throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        AtomicInteger pulled = new AtomicInteger();
        try (TestClient client = serve(app -> path.get(app, "/items", r -> Stream.generate(() -> {
            pulled.incrementAndGet();
            return "item";
        }).onClose(closed::countDown)))) {
            try (RawConnection connection = RawConnection.open(client.app().port())) {
                RawConnection.Response head = connection.send("HEAD /items HTTP/1.1\r\nHost: x\r\n\r\n").readHead();
                assertThat(head.status()).isEqualTo(200);
                assertThat(closed.await(10, TimeUnit.SECONDS)).as("the stream is closed").isTrue();
                assertThat(pulled).as("no item is pulled for HEAD").hasValue(0);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aStreamThatFailsBeforeItsFirstItemIs500AndIsClosed(HandlerPath path) throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (TestClient client = serve(false, app -> path.get(app, "/broken", r -> Stream.<String>generate(() -> {
            throw new IllegalStateException("The source is broken.");
        }).onClose(closed::countDown)))) {
            TestResponse response = client.get("/broken");

            assertThat(response.status()).isEqualTo(500);
            assertThat(response.text()).isEqualTo("{\"detail\":\"Internal Server Error\"}");
            assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aListIsStillJsonNotAStream() {
        try (TestClient client = serve(app -> app.get("/list", r -> List.of("a", "b")))) {
            TestResponse response = client.get("/list");

            assertThat(response.header("content-type")).hasValue("application/json");
            assertThat(response.text()).isEqualTo("[\"a\",\"b\"]");
        }
    }

    @Test
    void anIteratorWhoseNextFailsMidStreamEndsTheConnection() {
        Iterator<String> failing = new Iterator<>() {
            private int calls;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public String next() {
                if (++calls == 2) {
                    throw new NoSuchElementException("The source is gone.");
                }
                return "first";
            }
        };
        try (TestClient client = serve(app -> app.get("/failing", r -> failing))) {
            String raw = raw(client, "GET /failing HTTP/1.1\r\nHost: x\r\n\r\n");

            assertThat(raw).startsWith("HTTP/1.1 200").contains("first").doesNotContain("\r\n0\r\n\r\n");
        }
    }
}
