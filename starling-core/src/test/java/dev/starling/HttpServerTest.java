package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.concurrent.Concurrency;
import dev.starling.internal.concurrent.Loops;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The HTTP/1.1 protocol as the server speaks it: connections, framing and limits. Malformed requests are in
 * BadInputTest.
 */
class HttpServerTest {

    private static final String HELLO = "Hello, World!";
    private static final int MAX_LINE = 128;
    private static final int MAX_HEADERS = 256;
    private static final int MAX_BODY = 100;

    /** An app with /hello, /echo?n=..., /stream and /length (the body's size) on {@code path}. */
    private static Http serve(HandlerPath path, Consumer<Config.Builder> config) {
        return Http.serve(config, app -> {
            path.get(app, "/hello", r -> HELLO);
            path.get(app, "/echo", r -> "n=" + r.query("n").orElse("?"));
            path.get(app, "/stream", r -> Concurrency.iterateInThreadpool(List.of("a", "b", "c").iterator()));
            path.route(app, "POST", "/length", r -> "length=" + r.body().length);
            path.get(app, "/path", r -> "path=" + r.path() + " n=" + r.query("n").orElse("?"));
        });
    }

    private static Http serve(HandlerPath path) {
        return serve(path, c -> { });
    }

    private static Http serveWithLimits() {
        return serve(HandlerPath.OFFLOADED,
                c -> c.maxRequestLineLength(MAX_LINE).maxHeaderSize(MAX_HEADERS).maxBodySize(MAX_BODY));
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    }

    /** Asserts that a plain request on a new connection is still answered. */
    private static void assertStillServing(Http http) {
        HttpResponse<String> ok = http.get("/hello");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(HELLO);
    }

    /** Asserts a JSON error answer with exactly {@code detail}, a content-length and no internals. */
    private static void assertError(RawConnection.Response response, int status, String detail) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.header("content-type")).hasValue("application/json");
        assertThat(response.header("content-length")).hasValue(String.valueOf(response.bodyBytes().length));
        assertThat(response.body()).isEqualTo("{\"detail\":\"" + detail + "\"}");
    }

    /**
     * A /slow route that answers once {@link #release} is called. The answer is given by a task of the
     * connection's event loop, which runs only once the loop has handled everything read with the slow request:
     * by then the requests pipelined behind it are queued or refused.
     */
    private static final class Slow {
        private final CountDownLatch started = new CountDownLatch(1);
        private final CompletableFuture<String> answer = new CompletableFuture<>();
        private volatile Executor loop;

        /** Adds GET /slow on {@code path}. */
        void route(HandlerPath path, Starling app) {
            path.get(app, "/slow", r -> {
                // Offloaded, the handler asks the loop for itself; the loop answers after its current read.
                loop = path == HandlerPath.LOOP ? Loops.current() : Concurrency.fromThread(Loops::current);
                started.countDown();
                return path == HandlerPath.LOOP ? answer : answer.join();
            });
        }

        /** Waits for the handler to start, then lets it answer {@code body}. */
        void release(String body) throws InterruptedException {
            assertThat(started.await(10, TimeUnit.SECONDS)).as("the slow handler started").isTrue();
            loop.execute(() -> answer.complete(body));
        }
    }

    // ---- connections ----

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void twoRequestsOnOneKeepAliveConnectionAreBothAnsweredInOrder(HandlerPath path) {
        try (Http http = serve(path); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response first = connection.send(get("/echo?n=1")).read();
            assertThat(first.status()).as(first.toString()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("n=1");
            assertThat(first.header("connection")).isEmpty();

            RawConnection.Response second = connection.send(get("/echo?n=2")).read();
            assertThat(second.status()).as(second.toString()).isEqualTo(200);
            assertThat(second.body()).isEqualTo("n=2");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void threePipelinedRequestsAreAnsweredInOrder(HandlerPath path) {
        try (Http http = serve(path); RawConnection connection = RawConnection.open(http.app.port())) {
            connection.send(get("/echo?n=1") + get("/missing") + get("/echo?n=3"));

            RawConnection.Response first = connection.read();
            RawConnection.Response second = connection.read();
            RawConnection.Response third = connection.read();

            assertThat(first.body()).as(first.toString()).isEqualTo("n=1");
            assertThat(second.status()).as(second.toString()).isEqualTo(404);
            assertThat(third.body()).as(third.toString()).isEqualTo("n=3");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void pipelinedRequestsUpToTheQueueLimitAreAnsweredInOrderAndTheConnectionReadsOn(HandlerPath path)
            throws Exception {
        Slow slow = new Slow();
        try (Http http = Http.serve(c -> c.maxPipelinedRequests(2), app -> {
            slow.route(path, app);
            path.get(app, "/echo", r -> "n=" + r.query("n").orElse("?"));
        }); RawConnection connection = RawConnection.open(http.app.port())) {
            connection.send(get("/slow") + get("/echo?n=1") + get("/echo?n=2"));
            slow.release("slow done");

            assertThat(connection.read().body()).isEqualTo("slow done");
            for (int n = 1; n <= 2; n++) {
                RawConnection.Response response = connection.read();
                assertThat(response.body()).as(response.toString()).isEqualTo("n=" + n);
            }
            // The full queue paused reading; answering it resumed reading.
            RawConnection.Response next = connection.send(get("/echo?n=3")).read();
            assertThat(next.body()).as(next.toString()).isEqualTo("n=3");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void requestsPipelinedPastTheQueueLimitInOneReadAreNotQueuedAndGet503AfterTheQueuedOnes(HandlerPath path)
            throws Exception {
        Slow slow = new Slow();
        AtomicInteger echoes = new AtomicInteger();
        try (Http http = Http.serve(c -> c.maxPipelinedRequests(2), app -> {
            slow.route(path, app);
            path.get(app, "/echo", r -> {
                echoes.incrementAndGet();
                return "n=" + r.query("n").orElse("?");
            });
            path.get(app, "/hello", r -> HELLO);
        }); RawConnection connection = RawConnection.open(http.app.port())) {
            // One write, so one read: pausing reading cannot hold back what has been read already.
            StringBuilder requests = new StringBuilder(get("/slow"));
            for (int n = 1; n <= 100; n++) {
                requests.append(get("/echo?n=" + n));
            }
            connection.send(requests.toString());
            slow.release("slow done");

            assertThat(connection.read().body()).isEqualTo("slow done");
            for (int n = 1; n <= 2; n++) {
                RawConnection.Response response = connection.read();
                assertThat(response.body()).as(response.toString()).isEqualTo("n=" + n);
            }
            RawConnection.Response refusal = connection.read();
            assertError(refusal, 503, "Too many pipelined requests: at most 2 may wait on one connection.");
            assertThat(refusal.header("connection")).hasValue("close");
            connection.assertClosedByServer();
            assertThat(echoes).as("echo requests that ran").hasValue(2);
            assertStillServing(http);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anHttp11RequestWithConnectionCloseIsAnsweredAndTheServerCloses(HandlerPath path) {
        try (Http http = serve(path); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection
                    .send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").read();

            assertThat(response.body()).as(response.toString()).isEqualTo(HELLO);
            assertThat(response.header("connection")).hasValue("close");
            connection.assertClosedByServer();
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anAbsoluteFormRequestTargetIsRoutedAndSeenByItsPath(HandlerPath path) {
        // RFC 9112 section 3.2.2: a server must accept the absolute form, as proxies send it.
        try (Http http = serve(path); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send(get("http://127.0.0.1:" + http.app.port()
                    + "/path?n=4")).read();

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("path=/path n=4");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anHttp10RequestWithoutKeepAliveIsAnsweredWithConnectionCloseAndTheServerCloses(HandlerPath path) {
        try (Http http = serve(path); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("GET /hello HTTP/1.0\r\n\r\n").read();

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(HELLO);
            assertThat(response.header("connection")).hasValueSatisfying(v -> assertThat(v).isEqualToIgnoringCase(
                    "close"));
            connection.assertClosedByServer();
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anHttp10RequestWithKeepAliveKeepsTheConnectionOpen(HandlerPath path) {
        try (Http http = serve(path); RawConnection connection = RawConnection.open(http.app.port())) {
            String request = "GET /echo?n=%d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
            RawConnection.Response first = connection.send(request.formatted(1)).read();
            assertThat(first.header("connection")).hasValueSatisfying(v -> assertThat(v).isEqualToIgnoringCase(
                    "keep-alive"));
            assertThat(first.body()).isEqualTo("n=1");

            RawConnection.Response second = connection.send(request.formatted(2)).read();
            assertThat(second.body()).as(second.toString()).isEqualTo("n=2");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void headOnAGetRouteSendsTheGetHeadersWithoutABody(HandlerPath path) {
        try (Http http = serve(path); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response head = connection.send("HEAD /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .readHead();
            assertThat(head.status()).as(head.toString()).isEqualTo(200);
            assertThat(head.header("content-length")).hasValue(String.valueOf(HELLO.length()));
            assertThat(head.header("content-type")).hasValue("text/plain; charset=utf-8");

            // Were there a body after the HEAD headers, it would be read here in place of the status line.
            RawConnection.Response get = connection.send(get("/hello")).read();
            assertThat(get.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(get.body()).isEqualTo(HELLO);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void headOnAStreamingGetRouteSendsTheHeadersWithoutABody(HandlerPath path) {
        try (Http http = serve(path); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response head = connection.send("HEAD /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .readHead();
            assertThat(head.status()).as(head.toString()).isEqualTo(200);
            assertThat(head.header("content-type")).hasValue("text/plain; charset=utf-8");

            RawConnection.Response get = connection.send(get("/hello")).read();
            assertThat(get.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(get.body()).isEqualTo(HELLO);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anHttp10ExpectationIsIgnoredSoNoInterim100IsSent(HandlerPath path) {
        // RFC 9110 sections 10.1.1 and 15.2: a 100-continue from HTTP/1.0 is ignored; no 1xx goes to HTTP/1.0.
        try (Http http = serve(path); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("POST /length HTTP/1.0\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 5\r\n\r\nhello").read();

            assertThat(response.statusLine()).as(response.toString()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(response.body()).isEqualTo("length=5");
        }
    }

    // ---- streaming ----

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aPublisherResultIsSentChunkedWithTheWholeBody(HandlerPath path) {
        try (Http http = serve(path)) {
            HttpResponse<String> response = http.get("/stream");

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.headers().firstValue("transfer-encoding")).hasValue("chunked");
            assertThat(response.headers().firstValue("content-length")).isEmpty();
            assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
            assertThat(response.body()).isEqualTo("abc");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aPublisherResultToAnHttp10ClientIsNotChunkedAndEndsWithTheConnection(HandlerPath path) {
        // RFC 9112 section 6.1: a server must not send Transfer-Encoding in answer to an HTTP/1.0 request.
        try (Http http = serve(path); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("GET /stream HTTP/1.0\r\n\r\n").read();

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.header("transfer-encoding")).isEmpty();
            assertThat(response.body()).isEqualTo("abc");
            connection.assertClosedByServer();
        }
    }

    // ---- limits ----

    @Test
    void aRequestLineOverTheLimitIs414AndTheConnectionCloses() {
        try (Http http = serveWithLimits(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send(get("/hello?q=" + "a".repeat(MAX_LINE))).read();

            assertError(response, 414, "The request line is longer than " + MAX_LINE + " bytes.");
            assertThat(response.header("connection")).hasValue("close");
            connection.assertClosedByServer();
            assertStillServing(http);
        }
    }

    @Test
    void aRequestLineJustUnderTheLimitIsServed() {
        try (Http http = serveWithLimits(); RawConnection connection = RawConnection.open(http.app.port())) {
            String target = "/echo?n=1&pad=";
            String line = "GET " + target + " HTTP/1.1";
            target += "a".repeat(MAX_LINE - line.length() - 1);

            RawConnection.Response response = connection.send(get(target)).read();

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("n=1");
        }
    }

    @Test
    void headersOverTheLimitAre431AndTheConnectionCloses() {
        try (Http http = serveWithLimits(); RawConnection connection = RawConnection.open(http.app.port())) {
            String request = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "b".repeat(MAX_HEADERS)
                    + "\r\n\r\n";
            RawConnection.Response response = connection.send(request).read();

            assertError(response, 431, "The request headers are larger than " + MAX_HEADERS + " bytes.");
            assertThat(response.header("connection")).hasValue("close");
            connection.assertClosedByServer();
            assertStillServing(http);
        }
    }

    @Test
    void aBodyOverTheLimitIs413AndTheConnectionCloses() {
        try (Http http = serveWithLimits(); RawConnection connection = RawConnection.open(http.app.port())) {
            // Only the head is sent: the declared length alone must be refused, before any body is read.
            String request = "POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + (MAX_BODY + 1)
                    + "\r\n\r\n";
            RawConnection.Response response = connection.send(request).read();

            assertError(response, 413, "The request body is larger than the limit of " + MAX_BODY + " bytes.");
            assertThat(response.header("connection")).hasValue("close");
            connection.assertClosedByServer();
            assertStillServing(http);
        }
    }

    @Test
    void aBodyOverTheLimitAnnouncedWithExpect100ContinueIs413WithTheSameDetail() {
        // curl sends "Expect: 100-continue" for every body over 1 KiB, so this is how most large uploads arrive.
        try (Http http = serveWithLimits(); RawConnection connection = RawConnection.open(http.app.port())) {
            String request = "POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: "
                    + (MAX_BODY + 1) + "\r\n\r\n";
            RawConnection.Response response = connection.send(request).read();

            assertError(response, 413, "The request body is larger than the limit of " + MAX_BODY + " bytes.");
            assertStillServing(http);
        }
    }

    @Test
    void aBodyOfExactlyTheLimitIsAccepted() {
        try (Http http = serveWithLimits()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(http.uri("/length"))
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(MAX_BODY))).build());

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("length=" + MAX_BODY);
        }
    }

    @Test
    void aBodyUnderTheLimitWithExpect100ContinueIsAccepted() {
        try (Http http = serveWithLimits()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(http.uri("/length"))
                    .timeout(Duration.ofSeconds(30)).expectContinue(true)
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(10))).build());

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("length=10");
        }
    }

    static Stream<Arguments> badRequestsBehindASlowOne() {
        List<Arguments> out = new ArrayList<>();
        for (HandlerPath path : HandlerPath.values()) {
            out.add(Arguments.of(path, get("/hello?q=" + "a".repeat(MAX_LINE)), 414));
            out.add(Arguments.of(path, "POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                    + (MAX_BODY + 1) + "\r\n\r\n", 413));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("badRequestsBehindASlowOne")
    void aBadRequestPipelinedBehindASlowOneIsAnsweredAfterIt(HandlerPath path, String bad, int status)
            throws Exception {
        Slow slow = new Slow();
        try (Http http = Http.serve(c -> c.maxRequestLineLength(MAX_LINE).maxBodySize(MAX_BODY),
                app -> slow.route(path, app)); RawConnection connection = RawConnection.open(http.app.port())) {
            connection.send(get("/slow") + bad);
            slow.release("slow done");

            RawConnection.Response first = connection.read();
            assertThat(first.status()).as(first.toString()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("slow done");
            RawConnection.Response second = connection.read();
            assertThat(second.status()).as(second.toString()).isEqualTo(status);
            connection.assertClosedByServer();
        }
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("badRequestsBehindASlowOne")
    void aGoodRequestPipelinedBetweenASlowOneAndABadOneIsAnsweredBeforeTheRefusal(HandlerPath path, String bad,
                                                                                  int status) throws Exception {
        Slow slow = new Slow();
        try (Http http = Http.serve(c -> c.maxRequestLineLength(MAX_LINE).maxBodySize(MAX_BODY), app -> {
            slow.route(path, app);
            path.get(app, "/hello", r -> HELLO);
        }); RawConnection connection = RawConnection.open(http.app.port())) {
            connection.send(get("/slow") + get("/hello") + bad);
            slow.release("slow done");

            assertThat(connection.read().body()).isEqualTo("slow done");
            RawConnection.Response hello = connection.read();
            assertThat(hello.status()).as(hello.toString()).isEqualTo(200);
            assertThat(hello.body()).isEqualTo(HELLO);
            RawConnection.Response refusal = connection.read();
            assertThat(refusal.status()).as(refusal.toString()).isEqualTo(status);
            connection.assertClosedByServer();
        }
    }

    // ---- idle connections ----

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() {
        try (Http http = serve(HandlerPath.OFFLOADED, c -> c.idleTimeout(Duration.ofMillis(300)));
             RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send(get("/hello")).read();
            assertThat(response.status()).isEqualTo(200);
            long answered = System.nanoTime();

            connection.assertClosedByServer();

            long idleMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered);
            assertThat(idleMillis).as("the connection was kept for the idle timeout first").isGreaterThan(150);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aRequestSlowerThanTheIdleTimeoutIsNotCutOff(HandlerPath path) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<String> release = new CompletableFuture<>();
        try (Http http = Http.serve(c -> c.idleTimeout(Duration.ofMillis(300)), app ->
                path.get(app, "/slow", r -> {
                    started.countDown();
                    return path == HandlerPath.LOOP ? release : release.join();
                }));
             RawConnection busy = RawConnection.open(http.app.port())) {
            busy.send(get("/slow"));
            assertThat(started.await(10, TimeUnit.SECONDS)).as("the slow handler started").isTrue();
            // A second connection, opened after the busy one last read, is closed by the idle timeout; by then
            // the busy connection has been silent for longer than the timeout too.
            try (RawConnection idle = RawConnection.open(http.app.port())) {
                idle.assertClosedByServer();
            }
            release.complete("slow done");

            RawConnection.Response response = busy.read();
            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("slow done");
        }
    }

    @Test
    void aStreamToAClientThatReadsNothingPausesItsPublisherAndResumesWhenTheClientReads() throws Exception {
        int itemSize = 64 * 1024;
        int items = 600;
        java.util.concurrent.atomic.AtomicInteger emitted = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch farAhead = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.Flow.Publisher<byte[]> firehose = subscriber -> subscriber.onSubscribe(
                new java.util.concurrent.Flow.Subscription() {
                    private boolean done;

                    @Override
                    public void request(long n) {
                        for (long i = 0; i < n && !done; i++) {
                            if (emitted.get() == items) {
                                done = true;
                                subscriber.onComplete();
                                return;
                            }
                            // 400 items are 25 MiB: far more than the socket buffers and Netty's outbound buffer hold.
                            if (emitted.incrementAndGet() == 400) {
                                farAhead.countDown();
                            }
                            subscriber.onNext(new byte[itemSize]);
                        }
                    }

                    @Override
                    public void cancel() {
                        done = true;
                    }
                });
        try (Http http = Http.serve(app -> app.getAsync("/firehose",
                r -> java.util.concurrent.CompletableFuture.completedFuture(firehose)));
             java.net.Socket socket = new java.net.Socket("127.0.0.1", http.app.port())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write("GET /firehose HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            // Nothing is read: the publisher must not get far ahead of the socket.
            assertThat(farAhead.await(2, java.util.concurrent.TimeUnit.SECONDS))
                    .as("the publisher was paused with %s items out", emitted.get()).isFalse();
            byte[] all = socket.getInputStream().readAllBytes();
            assertThat(emitted).hasValue(items);
            assertThat(all.length).isGreaterThan(items * itemSize);
            String tail = new String(all, all.length - 5, 5, java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(tail).isEqualTo("0\r\n\r\n");
        }
    }

    @Test
    void aStreamThatFailsAfterItsHeadersEndsWithTheConnectionAndNoLastChunk() throws Exception {
        java.util.concurrent.Flow.Publisher<String> failing = subscriber -> subscriber.onSubscribe(
                new java.util.concurrent.Flow.Subscription() {
                    private int calls;

                    @Override
                    public void request(long n) {
                        if (calls++ == 0) {
                            subscriber.onNext("first part");
                        } else {
                            subscriber.onError(new IllegalStateException("the source broke"));
                        }
                    }

                    @Override
                    public void cancel() {
                    }
                });
        try (Http http = Http.serve(app -> app
                .getAsync("/broken", r -> java.util.concurrent.CompletableFuture.completedFuture(failing))
                .get("/ok", r -> "ok"));
             java.net.Socket socket = new java.net.Socket("127.0.0.1", http.app.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /broken HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String all = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(all).startsWith("HTTP/1.1 200 OK").contains("transfer-encoding: chunked")
                    .contains("first part").doesNotContain("the source broke").doesNotEndWith("0\r\n\r\n");
            // The server is fine afterwards.
            assertThat(http.get("/ok").body()).isEqualTo("ok");
        }
    }
}
