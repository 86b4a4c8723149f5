package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Clients that are slow on purpose or by accident: headers sent a byte at a time (slowloris), bodies that
 * trickle in, and readers that stop taking their response. Each is cut off by a time limit, and none makes
 * the server hold more than a bounded buffer. Timing assertions are orders of magnitude only.
 */
class SlowClientsTest {

    private static final String HELLO = "Hello, World!";

    private static Http serve(Consumer<Config.Builder> config) {
        return Http.serve(config, app -> {
            app.get("/hello", r -> HELLO);
            app.post("/length", r -> "length=" + r.body().length);
        });
    }

    private static void assertStillServing(Http http) {
        HttpResponse<String> ok = http.get("/hello");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(HELLO);
    }

    /**
     * Sends {@code head} at once, then one byte of {@code trickle} every 50 ms, over and over, until the
     * server closes the connection or the test ends: a client that never finishes its request.
     */
    private static Thread trickle(RawConnection connection, String head, String trickle) {
        Thread sender = new Thread(() -> {
            try {
                connection.send(head);
                for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                    Thread.sleep(50);
                    connection.send(trickle.substring(i % trickle.length(), i % trickle.length() + 1));
                }
            } catch (InterruptedException | AssertionError e) {
                // the test is over, or the server closed the connection: either way the client stops
            }
        }, "slow-client");
        sender.setDaemon(true);
        sender.start();
        return sender;
    }

    private static void assertTimedOut(RawConnection.Response response, String detail) {
        assertThat(response.status()).as(response.toString()).isEqualTo(408);
        assertThat(response.header("connection")).hasValue("close");
        assertThat(response.header("content-type")).hasValue("application/json");
        assertThat(response.body()).isEqualTo("{\"detail\":\"" + detail + "\"}");
    }

    @Test
    void theTimeoutsHaveTheirDocumentedDefaultsAndMustBePositive() {
        Config defaults = Config.create();
        assertThat(defaults.requestHeaderTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.requestBodyTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(defaults.responseWriteTimeout()).isEqualTo(Duration.ofSeconds(60));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> Config.builder().requestHeaderTimeout(Duration.ZERO))
                .hasMessage("requestHeaderTimeout must be positive, but PT0S was given.");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> Config.builder().requestBodyTimeout(Duration.ofSeconds(-1)))
                .hasMessage("requestBodyTimeout must be positive, but PT-1S was given.");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> Config.builder().responseWriteTimeout(Duration.ZERO))
                .hasMessage("responseWriteTimeout must be positive, but PT0S was given.");
    }

    // ---- slow requests ----

    /**
     * Sends {@code head}, then {@code chunk} a byte at a time without end, and checks the 408 with {@code detail}
     * (its limit is 300 ms), the close, and that the server serves on.
     */
    private static void assertTrickleTimesOut(Http http, String head, String chunk, String detail) throws Exception {
        try (RawConnection connection = RawConnection.open(http.app.port())) {
            long start = System.nanoTime();
            Thread sender = trickle(connection, head, chunk);
            try {
                RawConnection.Response response = connection.read();
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

                assertTimedOut(response, detail);
                connection.assertClosedByServer();
                // A timer never fires early; the read timeout (10 s) bounds it from above.
                assertThat(millis).as("answered after the 300 ms limit").isGreaterThanOrEqualTo(250);
            } finally {
                sender.interrupt();
                sender.join(10_000);
            }
        }
        assertStillServing(http);
    }

    @Test
    void headersSentAByteAtATimeForeverGet408AndTheConnectionIsClosed() throws Exception {
        try (Http http = serve(c -> c.requestHeaderTimeout(Duration.ofMillis(300)))) {
            assertTrickleTimesOut(http, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ", "abcdefgh",
                    "The request headers did not arrive within 300 ms.");
        }
    }

    @Test
    void headersThatStopHalfwayGet408LongBeforeTheIdleTimeout() {
        try (Http http = serve(c -> c.requestHeaderTimeout(Duration.ofMillis(300)));
             RawConnection connection = RawConnection.open(http.app.port())) {
            connection.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Half");

            assertTimedOut(connection.read(), "The request headers did not arrive within 300 ms.");
            connection.assertClosedByServer();
            assertStillServing(http);
        }
    }

    /** Sends a whole request and reads its answer: later writes are not the connection's first read. */
    private static void served(RawConnection connection) {
        connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        RawConnection.Response response = connection.read();
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
    }

    @Test
    void headersThatStopHalfwayBehindACompleteRequestInTheSameWriteGet408Too() {
        // The second write comes in one read: a whole request, then a head that stops mid-line or after a whole
        // line; either way its limit runs.
        for (String partial : new String[] {"GET /hello HTTP/1.1\r\nHost: x\r\nX-Half", "GET /hello HTTP/1.1\r\n"}) {
            try (Http http = serve(c -> c.requestHeaderTimeout(Duration.ofMillis(300)));
                 RawConnection connection = RawConnection.open(http.app.port())) {
                served(connection);
                connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n" + partial);

                RawConnection.Response first = connection.read();
                assertThat(first.status()).as(first.toString()).isEqualTo(200);
                assertTimedOut(connection.read(), "The request headers did not arrive within 300 ms.");
                connection.assertClosedByServer();
                assertStillServing(http);
            }
        }
    }

    @Test
    void aBodyThatStopsHalfwayBehindACompleteRequestInTheSameWriteGets408() {
        try (Http http = serve(c -> c.requestHeaderTimeout(Duration.ofSeconds(60))
                .requestBodyTimeout(Duration.ofMillis(300)));
             RawConnection connection = RawConnection.open(http.app.port())) {
            served(connection);
            connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /length HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\nab");

            RawConnection.Response first = connection.read();
            assertThat(first.status()).as(first.toString()).isEqualTo(200);
            assertTimedOut(connection.read(), "The request body did not arrive within 300 ms.");
            connection.assertClosedByServer();
        }
    }

    @Test
    void aFirstReadThatIsTheStartOfTheHttp2PrefaceIsTimedAsHeaders() {
        // The preface check holds these bytes until it can tell HTTP/2 from HTTP/1.1, so the decoder has none yet.
        try (Http http = serve(c -> c.requestHeaderTimeout(Duration.ofMillis(300)).idleTimeout(Duration.ofSeconds(60)));
             RawConnection connection = RawConnection.open(http.app.port())) {
            connection.send("PRI * HTTP/2.0\r\n");

            assertTimedOut(connection.read(), "The request headers did not arrive within 300 ms.");
            connection.assertClosedByServer();
        }
    }

    /** Waits three header timeouts of 200 ms, then checks that the connection still serves, with no 408 first. */
    private static void assertQuietIsNotLate(RawConnection connection) throws InterruptedException {
        Thread.sleep(600);
        connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        RawConnection.Response next = connection.read();
        assertThat(next.status()).as(next.toString()).isEqualTo(200);
        assertThat(next.body()).isEqualTo(HELLO);
    }

    @Test
    void aConnectionQuietAfterItsFirstRequestIsIdleNotLate() throws Exception {
        try (Http http = serve(c -> c.requestHeaderTimeout(Duration.ofMillis(200)));
             RawConnection connection = RawConnection.open(http.app.port())) {
            served(connection);

            assertQuietIsNotLate(connection);
        }
    }

    @Test
    void anEmptyLineAfterACompleteRequestStartsNoHeaderDeadline() throws Exception {
        // RFC 9112 2.2: empty lines before a request line are ignored, so they start no request to time.
        try (Http http = serve(c -> c.requestHeaderTimeout(Duration.ofMillis(200)));
             RawConnection connection = RawConnection.open(http.app.port())) {
            served(connection);
            connection.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n\r\n");
            assertThat(connection.read().status()).isEqualTo(200);

            assertQuietIsNotLate(connection);
        }
    }

    @Test
    void headersSentInPiecesWithinTheLimitAreServedAndEachRequestHasALimitOfItsOwn() throws Exception {
        // Seven requests of three pieces 100 ms apart: each takes 200 ms, together more than the 1 s limit.
        try (Http http = serve(c -> c.requestHeaderTimeout(Duration.ofSeconds(1)));
             RawConnection connection = RawConnection.open(http.app.port())) {
            long start = System.nanoTime();
            for (int i = 0; i < 7; i++) {
                connection.send("GET /hello HTTP/1.1\r\n");
                Thread.sleep(100);
                connection.send("Host: x\r\nX-Request: " + i);
                Thread.sleep(100);
                connection.send("\r\n\r\n");
                RawConnection.Response response = connection.read();
                assertThat(response.status()).as("request %d: %s", i, response).isEqualTo(200);
                assertThat(response.body()).isEqualTo(HELLO);
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .as("the connection outlived one header timeout").isGreaterThan(1000);
        }
    }

    @Test
    void aBodyThatTricklesInForeverGets408AndTheConnectionIsClosed() throws Exception {
        // The header timeout is long: only the body's limit can answer this one.
        try (Http http = serve(c -> c.requestHeaderTimeout(Duration.ofSeconds(60))
                .requestBodyTimeout(Duration.ofMillis(300)))) {
            assertTrickleTimesOut(http, "POST /length HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
                    "0123456789", "The request body did not arrive within 300 ms.");
        }
    }

    @Test
    void slowHeadersThenASlowBodyWithinItsOwnLimitAreServed() throws Exception {
        // The headers take 100 ms of their 500; the body then takes longer than 500 ms, but has 10 s of its own.
        try (Http http = serve(c -> c.requestHeaderTimeout(Duration.ofMillis(500))
                .requestBodyTimeout(Duration.ofSeconds(10)));
             RawConnection connection = RawConnection.open(http.app.port())) {
            long start = System.nanoTime();
            connection.send("POST /length HTTP/1.1\r\nHost: x\r\n");
            Thread.sleep(100);
            connection.send("Content-Length: 8\r\n\r\n");
            for (int i = 0; i < 4; i++) {
                Thread.sleep(200);
                connection.send("ab");
            }

            RawConnection.Response response = connection.read();
            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("length=8");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .as("the request took longer than the header timeout").isGreaterThan(500);
        }
    }

    // ---- slow readers ----

    /** The server's side of the connection that {@code request} arrived on. */
    private static Channel channelOf(Request request) {
        try {
            java.lang.reflect.Field ctx = dev.starling.internal.http.RequestView.class.getDeclaredField("ctx");
            ctx.setAccessible(true);
            return ((ChannelHandlerContext) ctx.get(request)).channel();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("The request " + request + " has no channel to look at: " + e, e);
        }
    }

    /** The bytes written to {@code channel} that the socket has not taken yet, read on its loop. */
    private static long pendingBytes(Channel channel) {
        try {
            return channel.eventLoop().submit(() -> {
                ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
                return buffer == null ? 0L : buffer.totalPendingWriteBytes();
            }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("Could not look at the outbound buffer of " + channel + ": " + e, e);
        }
    }

    /** A client socket with small buffers, so that a stalled reader fills them quickly. */
    private static Socket smallSocket(int port) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(16 * 1024);
        socket.setSoTimeout(30_000);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return socket;
    }

    private static void request(Socket socket, String target) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Test
    void aClientThatStopsReadingAStreamHoldsAtMostOneItemAndIsClosedByTheWriteTimeout() throws Exception {
        int itemSize = 16 * 1024;
        AtomicReference<Channel> served = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicLong emitted = new java.util.concurrent.atomic.AtomicLong();
        CountDownLatch cancelled = new CountDownLatch(1);
        // An endless stream: without backpressure it would fill the server's memory.
        Flow.Publisher<byte[]> endless = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            private volatile boolean done;

            @Override
            public void request(long n) {
                for (long i = 0; i < n && !done; i++) {
                    emitted.incrementAndGet();
                    subscriber.onNext(new byte[itemSize]);
                }
            }

            @Override
            public void cancel() {
                done = true;
                cancelled.countDown();
            }
        });
        try (Http http = Http.serve(c -> c.responseWriteTimeout(Duration.ofMillis(300)), app -> {
            app.get("/hello", r -> HELLO);
            app.getAsync("/endless", r -> {
                served.set(channelOf(r));
                return CompletableFuture.completedFuture(endless);
            });
        });
             Socket socket = smallSocket(http.app.port())) {
            CountDownLatch closed = new CountDownLatch(1);
            request(socket, "/endless");
            // Nothing is read from here on.
            Await.until("the server has the connection", () -> served.get() != null);
            Channel channel = served.get();
            channel.closeFuture().addListener(f -> closed.countDown());
            // The socket fills up; from then on the server holds what it could not send, which is one item at
            // most: the next is asked for only once the previous one has gone into the socket.
            Await.until("the socket is full", () -> pendingBytes(channel) > 0 || !channel.isActive());
            for (int i = 0; i < 5 && channel.isActive(); i++) {
                // One item with its chunk framing, and the response head while it waits too.
                assertThat(pendingBytes(channel)).isLessThanOrEqualTo(itemSize + 1024L);
            }

            assertThat(closed.await(10, TimeUnit.SECONDS)).as("the server closed the connection").isTrue();
            assertThat(cancelled.await(10, TimeUnit.SECONDS)).as("the stream was cancelled").isTrue();
            // What the socket buffers took and no more: a few MiB, not an endless stream.
            assertThat(emitted.get() * itemSize).isLessThan(64L * 1024 * 1024);
            // The client gets what was sent and then the end of the connection, without the stream's last chunk.
            byte[] received;
            try {
                received = socket.getInputStream().readAllBytes();
            } catch (java.net.SocketException reset) {
                received = new byte[0];
            }
            String tail = new String(received, Math.max(0, received.length - 5), Math.min(5, received.length),
                    StandardCharsets.ISO_8859_1);
            assertThat(tail).isNotEqualTo("0\r\n\r\n");
            assertStillServing(http);
        }
    }

    @Test
    void aClientThatReadsNothingOfALargeResponseIsClosedByTheWriteTimeout() throws Exception {
        String large = "x".repeat(16 * 1024 * 1024);
        AtomicReference<Channel> served = new AtomicReference<>();
        try (Http http = Http.serve(c -> c.responseWriteTimeout(Duration.ofMillis(300)), app -> {
            app.get("/hello", r -> HELLO);
            app.get("/large", r -> {
                served.set(channelOf(r));
                return large;
            });
        });
             Socket socket = smallSocket(http.app.port())) {
            CountDownLatch closed = new CountDownLatch(1);
            request(socket, "/large");
            Await.until("the server has the connection", () -> served.get() != null);
            served.get().closeFuture().addListener(f -> closed.countDown());

            // 16 MiB is more than the socket buffers hold: the response waits on a client that takes nothing,
            // and the server holds that one response (bounded by what the handler returned), nothing more.
            assertThat(closed.await(10, TimeUnit.SECONDS)).as("the server closed the connection").isTrue();
            assertStillServing(http);
        }
    }

    @Test
    void aClientThatReadsALargeResponseSlowlyButSteadilyIsNotCut() throws Exception {
        int size = 8 * 1024 * 1024;
        String large = "y".repeat(size);
        try (Http http = Http.serve(c -> c.responseWriteTimeout(Duration.ofSeconds(1)), app ->
                app.get("/large", r -> large));
             Socket socket = smallSocket(http.app.port())) {
            request(socket, "/large");
            InputStream in = socket.getInputStream();
            long start = System.nanoTime();
            // The head, up to its empty line.
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                assertThat(b).as("the connection ended inside the head: %s", head).isNotNegative();
                head.append((char) b);
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 200").contains("content-length: " + size);
            // The body 4 KiB at a time with a pause after each: 4 MiB/s at most, so two seconds or more, while
            // the server checks every second that the client takes something.
            byte[] piece = new byte[4096];
            long total = 0;
            while (total < size) {
                int n = in.read(piece, 0, (int) Math.min(piece.length, size - total));
                assertThat(n).as("the connection ended after %d bytes of the body", total).isPositive();
                total += n;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .as("the response took longer than the write timeout").isGreaterThan(1000);
        }
    }

    /**
     * Review: the write timeout is the time a reader may take nothing, but the check that enforces it runs
     * every min(idleTimeout, responseWriteTimeout) while a request is in flight, so with a short idle timeout a
     * reader that pauses well within the write timeout is cut after about one idle timeout.
     */
    @Test
    void aReaderThatPausesWithinTheWriteTimeoutIsNotCutByAShorterIdleTimeout() throws Exception {
        int size = 16 * 1024 * 1024;
        String large = "z".repeat(size);
        AtomicReference<Channel> served = new AtomicReference<>();
        try (Http http = Http.serve(c -> c.idleTimeout(Duration.ofMillis(200))
                        .responseWriteTimeout(Duration.ofSeconds(30)), app ->
                app.get("/large", r -> {
                    served.set(channelOf(r));
                    return large;
                }));
             Socket socket = smallSocket(http.app.port())) {
            CountDownLatch closed = new CountDownLatch(1);
            request(socket, "/large");
            Await.until("the server has the connection", () -> served.get() != null);
            served.get().closeFuture().addListener(f -> closed.countDown());
            // The client takes nothing for 1.5 s (twenty times less than the write timeout): the server must
            // keep the connection (it would be cut after two idle-check periods, about 0.4 s, if that governed).
            assertThat(closed.await(1500, TimeUnit.MILLISECONDS))
                    .as("the server closed a connection whose reader paused 1.5 s of a 30 s write timeout")
                    .isFalse();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            for (int n; total <= size && (n = in.read(buffer)) > 0; ) {
                total += n;
            }
            assertThat(total).isGreaterThan(size);
        }
    }
}
