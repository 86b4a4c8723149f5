package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.starling.params.Body;
import dev.starling.params.Query;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * The bad-input matrix: every malformed, oversized, ambiguous or hostile request gets its exact status with a
 * detail that is one sentence, never a 500, a hang, a stack trace or a version, and the server serves on.
 * Cases that other classes already pin down are not repeated here: HttpServerTest (the configured limits: 414,
 * 431, 413 by content-length and with {@code Expect: 100-continue}, each beside the request just under it, and
 * refusals pipelined behind a slow request), StaticFilesTest (most traversal attempts), BodiesTest (malformed
 * JSON, non-JSON content type), RoutingTest (405 with {@code Allow}) and ResponsesTest (a header name that
 * cannot be sent).
 */
class BadInputTest {

    private static final int MAX_LINE = 256;
    private static final int MAX_HEADERS = 512;
    private static final int MAX_BODY = 100;

    record Item(String name, int qty) {
    }

    record Big(BigInteger n) {
    }

    /** Typed path and query parameters, on the loop under /items and offloaded under /off/items. */
    static final class TypedItems {
        @Get("/items/{id}")
        CompletionStage<String> item(int id, @Query Optional<String> q) {
            return CompletableFuture.completedFuture(id + " " + q.orElse("none"));
        }

        @Get("/off/items/{id}")
        String offItem(int id, @Query Optional<String> q) {
            return id + " " + q.orElse("none");
        }
    }

    /** JSON bodies read by Jackson: a record, a big integer and any JSON value at all. */
    static final class JsonApi {
        @Post("/item")
        Item item(@Body Item item) {
            return item;
        }

        @Post("/big")
        String big(@Body Big big) {
            return "bits=" + big.n().bitLength();
        }

        @Post("/any")
        String any(@Body Object value) {
            return "type=" + value.getClass().getSimpleName();
        }
    }

    private static Http serve(Consumer<Config.Builder> config) {
        return Http.serve(c -> {
            c.maxRequestLineLength(MAX_LINE).maxHeaderSize(MAX_HEADERS).maxBodySize(MAX_BODY);
            config.accept(c);
        }, BadInputTest::routes);
    }

    private static Http serve() {
        return serve(c -> { });
    }

    private static void routes(Starling app) {
        app.get("/hello", r -> "Hello, World!");
        app.post("/length", r -> "length=" + r.body().length);
        app.get("/items/{id}", r -> "item " + r.pathParam("id").orElse("?"));
        app.get("/echo", r -> "q=" + r.query("q").orElse("?"));
        app.get("/folded", r -> "[" + r.header("x-folded").orElse("?") + "]");
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    }

    /** Asserts that nothing of the server's insides reaches the client: no exception, no stack, no version. */
    private static void assertNoInternals(RawConnection.Response response) {
        assertThat(response.body()).as(response.toString())
                .doesNotContain("Exception").doesNotContain("at dev.").doesNotContain("at io.netty")
                .doesNotContain("\tat ").doesNotContain("\\tat ").doesNotContainIgnoringCase("netty")
                .doesNotContain("java.").doesNotContainIgnoringCase("jdk").doesNotContain("4.2.");
        assertThat(response.header("server")).as("no server header with a version").isEmpty();
    }

    /** Asserts a JSON error answer whose detail is exactly {@code detail}, with a content-length. */
    private static void assertError(RawConnection.Response response, int status, String detail) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.header("content-type")).hasValue("application/json");
        assertThat(response.header("content-length")).hasValue(String.valueOf(response.bodyBytes().length));
        assertThat(response.body()).isEqualTo("{\"detail\":\"" + detail + "\"}");
        assertNoInternals(response);
    }

    /** Asserts a JSON error answer whose detail is one sentence that starts with {@code start}. */
    private static void assertSentence(RawConnection.Response response, int status, String start) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.header("content-type")).hasValue("application/json");
        assertThat(response.body()).as(response.toString()).startsWith("{\"detail\":\"" + start)
                .endsWith(".\"}").doesNotEndWith("..\"}");
        assertNoInternals(response);
    }

    /** Asserts that a plain request on a new connection is still answered. */
    private static void assertStillServing(Http http) {
        try (RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response ok = connection.send(get("/hello")).read();
            assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("Hello, World!");
        }
    }

    // ---- request line and version ----

    static Stream<Arguments> malformedRequestLines() {
        return Stream.of(
                argumentSet("no version", "GET /hello\r\nHost: 127.0.0.1\r\n\r\n"),
                argumentSet("a fourth word", "GET /hello HTTP/1.1 extra\r\nHost: 127.0.0.1\r\n\r\n"),
                argumentSet("a space in the target", "GET /hel lo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                argumentSet("the words swapped", "HTTP/1.1 /hello GET\r\nHost: 127.0.0.1\r\n\r\n"),
                argumentSet("a method with a character no token has", "GE(T /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                argumentSet("a version without minor", "GET /hello HTTP/1\r\nHost: 127.0.0.1\r\n\r\n"),
                argumentSet("a protocol that is not HTTP", "GET /hello HTTQ/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                argumentSet("whitespace between header name and colon",
                        "GET /hello HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n"),
                argumentSet("a header name with a space", "GET /hello HTTP/1.1\r\nHost: x\r\nX Y: z\r\n\r\n"));
    }

    @ParameterizedTest
    @MethodSource("malformedRequestLines")
    void aMalformedRequestLineOrHeaderIs400AndTheConnectionCloses(String request) {
        assertRefusedAs400AndClosed(request);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HTTP/2.0", "HTTP/0.9", "HTTP/3.0"})
    void aRequestInAnotherMajorVersionIs505WithASentence(String version) {
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("GET /hello " + version + "\r\nHost: 127.0.0.1\r\n\r\n")
                    .read();

            assertError(response, 505, version + " is not supported; send HTTP/1.1.");
            connection.assertClosedByServer();
            assertStillServing(http);
        }
    }

    static Stream<Arguments> malformedRequests() {
        return Stream.of(
                argumentSet("a request line of one word", "HELLO\r\n\r\n"),
                argumentSet("an invalid version", "GET / HTTP/x.y\r\nHost: 127.0.0.1\r\n\r\n"),
                argumentSet("a content-length that is no number",
                        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n"),
                argumentSet("a header line without colon",
                        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nthis line is no header\r\n\r\n"),
                argumentSet("content-length together with transfer-encoding",
                        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                argumentSet("control bytes", "\u0001\u0002\u0003\u0004\r\n\r\n"));
    }

    @ParameterizedTest
    @MethodSource("malformedRequests")
    void aMalformedRequestIs400AndTheConnectionCloses(String request) {
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send(request).read();

            assertThat(response.status()).as(response.toString()).isEqualTo(400);
            assertThat(response.header("content-type")).hasValue("application/json");
            assertThat(response.header("content-length")).hasValue(String.valueOf(response.bodyBytes().length));
            assertThat(response.body()).startsWith("{\"detail\":\"The request is not valid HTTP/1.1")
                    .doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("\\tat ")
                    .as("the detail is one sentence with one full stop").endsWith(".\"}").doesNotEndWith("..\"}");
            connection.assertClosedByServer();
            assertStillServing(http);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HTTP/2.0", "HTTP/9.9"})
    void aRequestInAnUnsupportedHttpVersionIsRefusedAndTheConnectionCloses(String version) {
        // RFC 9110 section 15.6.6: 505 for a major version the server does not speak; 400 would do as well.
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("GET /hello " + version + "\r\nHost: 127.0.0.1\r\n\r\n")
                    .read();

            assertThat(response.status()).as(response.toString()).isIn(400, 505);
            assertThat(response.body()).doesNotContain("Hello, World!");
            connection.assertClosedByServer();
            assertStillServing(http);
        }
    }

    // ---- headers ----

    @Test
    void anObsoleteLineFoldIsJoinedWithASpaceAsRfc9112Allows() {
        // RFC 9112 section 5.2: a server must either reject obs-fold with 400 or replace it with spaces before
        // interpreting the value. Netty's decoder does the latter, so a folded value can never smuggle a line.
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("GET /folded HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "X-Folded: first\r\n  second\r\n\tthird\r\n\r\n").read();

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("[first second third]");
        }
    }

    @Test
    void anObsoleteLineFoldCannotHideATransferEncodingThatIsNotChunkedLast() {
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Transfer-Encoding: chunked\r\n identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n").read();

            assertSentence(response, 400, "The request is not valid HTTP/1.1");
            connection.assertClosedByServer();
        }
    }

    // ---- bodies over the limit and lying lengths ----

    @Test
    void chunksThatAddUpPastTheLimitAre413AndTheConnectionCloses() {
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            String chunk = "x".repeat(40);
            StringBuilder request = new StringBuilder("POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 3; i++) {   // 120 bytes, over the limit of 100 in the third chunk
                request.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
            }
            request.append("0\r\n\r\n");
            RawConnection.Response response = connection.send(request.toString()).read();

            assertError(response, 413, "The request body is larger than the limit of " + MAX_BODY + " bytes.");
            assertThat(response.header("connection")).hasValue("close");
            connection.assertClosedByServer();
            assertStillServing(http);
        }
    }

    @Test
    void chunksUpToTheLimitAreAccepted() {
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n32\r\n" + "x".repeat(50) + "\r\n32\r\n" + "y".repeat(50)
                    + "\r\n0\r\n\r\n").read();

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("length=" + MAX_BODY);
        }
    }

    /**
     * Bodies being received, across all connections, are bounded by maxBodyMemory: one that would pass it is 503
     * and closes its connection, and every body hands its bytes back once read, so bodies that fit one after the
     * other are all accepted. (scripts/attack-exhaustion holds 200 bodies of 1 MiB at once against the default.)
     */
    @Test
    void aBodyThatWouldPassTheServersBodyMemoryIs503AndBodiesHandTheirBytesBack() {
        try (Http http = serve(c -> c.maxBodyMemory(60))) {
            try (RawConnection connection = RawConnection.open(http.app.port())) {
                RawConnection.Response response = connection.send("POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n28\r\n" + "x".repeat(40) + "\r\n28\r\n" + "y".repeat(40)
                        + "\r\n0\r\n\r\n").read();
                assertError(response, 503, "The server is receiving too many request bodies at once; send this one"
                        + " again later.");
                connection.assertClosedByServer();
            }
            try (RawConnection connection = RawConnection.open(http.app.port())) {
                for (int i = 0; i < 10; i++) {
                    RawConnection.Response fits = connection.send("POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Length: 50\r\n\r\n" + "z".repeat(50)).read();
                    assertThat(fits.status()).as("body " + i + ": " + fits).isEqualTo(200);
                }
            }
            assertStillServing(http);
        }
    }

    /**
     * A body received keeps its bytes in the budget until its request is answered (it lives on the heap until
     * then), so bodies pipelined behind a slow request cannot pile up past maxBodyMemory either.
     */
    @Test
    void aBodyHoldsItsBytesUntilItsRequestIsAnswered() throws Exception {
        CountDownLatch refused = new CountDownLatch(1);
        Observer onRefusal = new Observer() {
            @Override
            public void requestEnded(String method, String route, int status, long nanos) {
                if (status == 503) {
                    refused.countDown();   // observers hear a refusal when it is decided, before it is written
                }
            }
        };
        try (Http http = Http.serve(c -> c.maxBodySize(MAX_BODY).maxBodyMemory(60).observer(onRefusal),
                app -> app.post("/held", r -> {
                    // The first request is answered only once the second body, arriving meanwhile, was refused.
                    refused.await(10, TimeUnit.SECONDS);
                    return "held " + r.body().length;
                }));
             RawConnection connection = RawConnection.open(http.app.port())) {
            String post = "POST /held HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 40\r\n\r\n" + "x".repeat(40);
            connection.send(post + post);
            RawConnection.Response first = connection.read();
            assertThat(first.status()).as(first.toString()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("held 40");
            assertError(connection.read(), 503, "The server is receiving too many request bodies at once; send this"
                    + " one again later.");
            connection.assertClosedByServer();
            try (RawConnection next = RawConnection.open(http.app.port())) {
                RawConnection.Response fits = next.send("POST /held HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Length: 50\r\n\r\n" + "z".repeat(50)).read();
                assertThat(fits.status()).as("both bodies gave their bytes back: " + fits).isEqualTo(200);
            }
        }
    }

    @Test
    void bytesBeyondTheContentLengthAreTheNextRequestWhichIs400WhenMalformed() {
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            connection.send("POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\n"
                    + "helloSMUGGLED\r\n\r\n");

            RawConnection.Response first = connection.read();
            assertThat(first.status()).as(first.toString()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("length=5");
            RawConnection.Response second = connection.read();
            assertSentence(second, 400, "The request is not valid HTTP/1.1");
            connection.assertClosedByServer();
            assertStillServing(http);
        }
    }

    @Test
    void aBodyShorterThanItsContentLengthIsAwaitedUntilTheIdleTimeoutClosesTheConnection() throws IOException {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                "dev.starling.internal.http.ConnectionHandler");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try (Http http = serve(c -> c.idleTimeout(Duration.ofMillis(300)));
             Socket socket = new Socket("127.0.0.1", http.app.port())) {
            socket.setSoTimeout(10_000);
            long sent = System.nanoTime();
            socket.getOutputStream().write(("POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n"
                    + "only ten b").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();

            String answer = RawConnection.readUntilClosed(socket.getInputStream());
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);

            // The rest of the body may still come, so nothing is answered; the idle timeout ends the wait (a 408
            // would do as well, but never a 200 for half a body, nor a 500).
            assertThat(answer.isEmpty() || answer.startsWith("HTTP/1.1 408 ")).as("the server sent: %s", answer)
                    .isTrue();
            assertThat(waitedMillis).as("the server waited for the rest first").isGreaterThanOrEqualTo(250);
            assertStillServing(http);
        } finally {
            log.detachAppender(logged);
        }
        // A client that never finishes its body is no failure of the server's: no warning with a stack trace.
        assertThat(logged.list).as("the warnings logged").noneMatch(e -> e.getLevel().isGreaterOrEqual(
                ch.qos.logback.classic.Level.WARN));
    }

    /**
     * A client that closes in the middle of a body is a closed connection, logged at DEBUG like a reset one:
     * not a WARN with a stack trace, which would let any client fill the log.
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


    // ---- Expect ----

    @Test
    void expect100ContinueGetsAnInterim100ThenTheFinalAnswer() {
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response interim = connection.send("POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n").read();
            assertThat(interim.status()).as(interim.toString()).isEqualTo(100);
            // RFC 9110 section 8.6 and RFC 9112 section 6.1: a 1xx has neither content-length nor transfer-encoding.
            assertThat(interim.headers()).doesNotContainKeys("content-length", "transfer-encoding");

            RawConnection.Response response = connection.send("hello").read();
            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("length=5");
            // The connection stays usable.
            assertThat(connection.send(get("/hello")).read().body()).isEqualTo("Hello, World!");
        }
    }

    @Test
    void anUnknownExpectationIs417WithASentenceAndTheConnectionCloses() {
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Expect: 200-ok\r\nContent-Length: 5\r\n\r\n").read();

            assertError(response, 417, "The expectation '200-ok' is not supported; only 100-continue is.");
            connection.assertClosedByServer();
            assertStillServing(http);
        }
    }

    /** An expectation with a value ({@code a=b}) gets the same 417 with its sentence, not an empty 417. */
    @Test
    void anExpectationWithAValueIs417WithASentenceToo() {
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

    @Test
    void anOversizedExpect100ContinueIsRefusedWithoutItsBodyAndClosesTheConnection() {
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Expect: 100-continue\r\nContent-Length: " + (MAX_BODY + 1) + "\r\n\r\n").read();

            assertError(response, 413, "The request body is larger than the limit of " + MAX_BODY + " bytes.");
            assertThat(response.header("connection")).hasValue("close");
            connection.assertClosedByServer();
        }
    }

    @Test
    void aRefusedExpectationPipelinedBehindASlowRequestIsAnsweredAfterIt() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<String> release = new CompletableFuture<>();
        try (Http http = Http.serve(c -> c.maxBodySize(MAX_BODY), app -> app.get("/slow", r -> {
            started.countDown();
            return release.join();
        })); RawConnection connection = RawConnection.open(http.app.port())) {
            connection.send(get("/slow") + "POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                    + "Content-Length: " + (MAX_BODY + 1) + "\r\n\r\n");
            assertThat(started.await(10, TimeUnit.SECONDS)).as("the slow handler started").isTrue();
            Thread.sleep(200);   // time for a refusal to overtake the slow answer, were it written at once
            release.complete("slow done");

            RawConnection.Response first = connection.read();
            assertThat(first.status()).as(first.toString()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("slow done");
            RawConnection.Response second = connection.read();
            assertError(second, 413, "The request body is larger than the limit of " + MAX_BODY + " bytes.");
            connection.assertClosedByServer();
        }
    }

    // ---- request smuggling ----

    static Stream<Arguments> ambiguousFraming() {
        return Stream.of(
                argumentSet("two content-lengths that differ",
                        "POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
                                + "hello!"),
                argumentSet("one content-length with two values",
                        "POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5, 6\r\n\r\nhello!"),
                argumentSet("a negative content-length",
                        "POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\nhello"),
                argumentSet("a content-length with a plus sign",
                        "POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: +5\r\n\r\nhello"),
                argumentSet("chunked, then identity",
                        "POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
                                + "5\r\nhello\r\n0\r\n\r\n"),
                argumentSet("identity alone",
                        "POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: identity\r\n\r\nhello"),
                argumentSet("chunked twice",
                        "POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
                argumentSet("transfer-encoding and content-length, transfer-encoding first",
                        "POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                                + "Content-Length: 5\r\n\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                argumentSet("a chunk size that is no number",
                        "POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "zz\r\nhello\r\n0\r\n\r\n"));
    }

    @ParameterizedTest
    @MethodSource("ambiguousFraming")
    void aRequestWhoseBodyLengthIsAmbiguousIs400AndTheConnectionCloses(String request) {
        assertRefusedAs400AndClosed(request);
    }

    /** The request gets 400 with the codec's sentence, the connection closes, and the server serves on. */
    private void assertRefusedAs400AndClosed(String request) {
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send(request).read();

            assertSentence(response, 400, "The request is not valid HTTP/1.1");
            assertThat(response.header("connection")).hasValue("close");
            connection.assertClosedByServer();
            assertStillServing(http);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gzip, chunked", "deflate,chunked", "x-custom, chunked"})
    void aTransferCodingOtherThanChunkedIs501AndTheConnectionCloses(String codings) {
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("POST /length HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Transfer-Encoding: " + codings + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n").read();

            String coding = codings.substring(0, codings.indexOf(',')).trim();
            assertError(response, 501, "The transfer coding '" + coding + "' is not supported; send the body "
                    + "with chunked alone or with a content-length.");
            connection.assertClosedByServer();
            assertStillServing(http);
        }
    }

    // ---- percent-encoding ----

    static Stream<Arguments> undecodableTargets() {
        String notAByte = "The request %s holds '%s', which is not a percent-encoded byte.";
        String notUtf8 = "The request %s is not valid UTF-8 once percent-decoded.";
        return Stream.of(
                argumentSet("a path segment with %zz", "/items/%zz", notAByte.formatted("path", "%zz")),
                argumentSet("a path ending in a lone %", "/items/abc%", notAByte.formatted("path", "%")),
                argumentSet("a path with half an escape", "/items/%4", notAByte.formatted("path", "%4")),
                argumentSet("a static path with %zz", "/hello%zz", notAByte.formatted("path", "%zz")),
                argumentSet("a path with a truncated UTF-8 sequence", "/items/%c3", notUtf8.formatted("path")),
                argumentSet("a path with a byte that is never UTF-8", "/items/%ff", notUtf8.formatted("path")),
                argumentSet("a path with an overlong dot", "/items/%c0%ae", notUtf8.formatted("path")),
                argumentSet("a query with %zz", "/echo?q=%zz", notAByte.formatted("query", "%zz")),
                argumentSet("a query name with %g1", "/echo?%g1=x", notAByte.formatted("query", "%g1")),
                argumentSet("a query with a truncated UTF-8 sequence", "/echo?q=%c3", notUtf8.formatted("query")),
                argumentSet("a query with a byte that is never UTF-8", "/echo?q=%ff", notUtf8.formatted("query")));
    }

    @ParameterizedTest
    @MethodSource("undecodableTargets")
    void aTargetThatCannotBePercentDecodedIs400WithASentenceAndTheConnectionServesOn(String target, String detail) {
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send(get(target)).read();

            assertError(response, 400, detail);
            assertThat(response.header("connection")).isEmpty();
            RawConnection.Response next = connection.send(get("/items/caf%C3%A9?q=%C3%A9")).read();
            assertThat(next.body()).as(next.toString()).isEqualTo("item café");
        }
    }

    @Test
    void anUndecodableTargetIs400BehindMiddlewareToo() {
        try (Http http = Http.serve(c -> { }, app -> {
            routes(app);
            app.middleware(new Middleware() {
            });
        }); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response path = connection.send(get("/items/%zz")).read();
            assertError(path, 400, "The request path holds '%zz', which is not a percent-encoded byte.");
            RawConnection.Response query = connection.send(get("/echo?q=%ff")).read();
            assertError(query, 400, "The request query is not valid UTF-8 once percent-decoded.");
            assertThat(connection.send(get("/echo?q=%C3%A9")).read().body()).isEqualTo("q=é");
        }
    }

    /**
     * A malformed percent-escape is 400 with its sentence whatever the route: typed path and query parameters on
     * the loop or offloaded, a handler that reads the query itself, no route at all. The connection serves on.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/items/%zz", "/items/1%", "/items/1%2", "/off/items/%zz", "/items/1?q=%zz", "/items/1?q=%",
        "/off/items/1?q=a%g0", "/hello?name=%", "/nowhere/%zz"})
    void aMalformedPercentEscapeIs400WhateverTheRouteAndTheConnectionServesOn(String target) {
        try (Http http = Http.serve(app -> {
            app.include(new TypedItems());
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

    // ---- static files ----

    @TempDir
    Path temp;

    @Test
    void noEncodedTraversalReachesAFileOutsideTheStaticDirectory() throws IOException {
        // Beside StaticFilesTest's list: fully encoded separators, mixed dots, double encoding and NUL bytes.
        Path root = Files.createDirectories(temp.resolve("public"));
        Files.writeString(root.resolve("app.css"), "body{}");
        Files.writeString(temp.resolve("secret.txt"), "SECRET");
        try (Http http = Http.serve(app -> app.mount("/static", StaticFiles.of(root)))) {
            for (String target : List.of(
                    "/static/%2e%2e%2fsecret.txt",
                    "/static/%2E%2E%2Fsecret.txt",
                    "/static/.%2e/secret.txt",
                    "/static/%2e./secret.txt",
                    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                    "/static/../../../../../../etc/passwd",
                    "/static/..%5c..%5csecret.txt",
                    "/static/%5c..%5csecret.txt",
                    "/static/..\\..\\secret.txt",
                    "/static/%252e%252e/secret.txt",
                    "/static/%252e%252e%252fsecret.txt",
                    "/static/%00",
                    "/static/app.css%00.txt",
                    "/static/..%00/secret.txt",
                    "/static/%c0%af../secret.txt",
                    "/static/C:%5c" + "secret.txt",
                    "/static/%2f" + temp.resolve("secret.txt").toAbsolutePath().toString().substring(1)
                            .replace("/", "%2f"))) {
                try (RawConnection connection = RawConnection.open(http.app.port())) {
                    RawConnection.Response response = connection.send(get(target)).read();

                    assertThat(response.status()).as(target + ": " + response).isIn(400, 404);
                    assertThat(response.body()).as(target).doesNotContain("SECRET").doesNotContain("root:");
                    assertNoInternals(response);
                }
            }
            try (RawConnection connection = RawConnection.open(http.app.port())) {
                assertThat(connection.send(get("/static/app.css")).read().body()).isEqualTo("body{}");
            }
        }
    }

    // ---- JSON bodies ----

    private static Http serveJson() {
        return Http.serve(c -> c.maxBodySize(4 * 1024 * 1024), app -> app.include(new JsonApi()));
    }

    private static RawConnection.Response postJson(Http http, String path, byte[] json) {
        try (RawConnection connection = RawConnection.open(http.app.port())) {
            connection.send(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + json.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return connection.send(json).read();
        }
    }

    private static RawConnection.Response postJson(Http http, String path, String json) {
        return postJson(http, path, json.getBytes(StandardCharsets.UTF_8));
    }

    /** Asserts FastAPI's 422 for a body that is no JSON: one json_invalid entry at a position of the body. */
    private static void assertJsonInvalid(RawConnection.Response response, String errorStart) {
        assertThat(response.status()).as(response.toString()).isEqualTo(422);
        assertThat(response.body()).as(response.toString()).startsWith("{\"detail\":[{\"type\":\"json_invalid\","
                + "\"loc\":[\"body\",").contains("\"msg\":\"JSON decode error\"")
                .contains("\"ctx\":{\"error\":\"" + errorStart);
        assertThat(response.bodyBytes().length).as("the answer does not echo the body").isLessThan(1024);
        assertNoInternals(response);
    }

    @Test
    void aJsonNestingBombIs422QuicklyWithoutAStackOverflow() {
        try (Http http = serveJson()) {
            long start = System.nanoTime();
            RawConnection.Response arrays = postJson(http, "/any", "[".repeat(100_000) + "]".repeat(100_000));
            RawConnection.Response objects = postJson(http, "/any", "{\"a\":".repeat(100_000) + "1"
                    + "}".repeat(100_000));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertJsonInvalid(arrays, "Document nesting depth (");
            assertJsonInvalid(objects, "Document nesting depth (");
            assertThat(millis).as("both answers came quickly").isLessThan(5_000);
            // Nesting within the limit is fine.
            assertThat(postJson(http, "/any", "[".repeat(100) + "]".repeat(100)).body()).isEqualTo("type=ArrayList");
        }
    }

    @Test
    void aMillionDigitNumberIs422Quickly() {
        String digits = "1".repeat(1_000_000);
        try (Http http = serveJson()) {
            long start = System.nanoTime();
            RawConnection.Response intField = postJson(http, "/item", "{\"name\":\"a\",\"qty\":" + digits + "}");
            RawConnection.Response anyValue = postJson(http, "/any", "[" + digits + "]");
            RawConnection.Response bigInteger = postJson(http, "/big", "{\"n\":" + digits + "}");
            RawConnection.Response fraction = postJson(http, "/any", "[0." + digits + "]");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            for (RawConnection.Response response : List.of(intField, anyValue, bigInteger, fraction)) {
                assertJsonInvalid(response, "Number value length (");
            }
            assertThat(millis).as("all answers came quickly").isLessThan(5_000);
        }
    }

    @Test
    void aNumberWithAHugeExponentForABigIntegerIs422Quickly() {
        try (Http http = serveJson()) {
            long start = System.nanoTime();
            RawConnection.Response response = postJson(http, "/big", "{\"n\":1e999999999}");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(response.status()).as(response.toString()).isEqualTo(422);
            assertThat(response.body()).startsWith("{\"detail\":[{");
            assertNoInternals(response);
            assertThat(millis).as("the answer came quickly").isLessThan(5_000);
        }
    }

    @Test
    void aJsonBodyThatIsNoUtf8Is422() {
        try (Http http = serveJson()) {
            byte[] body = {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'};
            RawConnection.Response response = postJson(http, "/item", body);

            assertJsonInvalid(response, "Invalid UTF-8 ");
        }
    }

    // ---- methods ----

    @Test
    void anUnknownMethodOnAKnownPathIs405WithAllowAndOnAnUnknownPath404() {
        try (Http http = serve(); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response foo = connection.send("FOO /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
            assertError(foo, 405, "Method Not Allowed");
            assertThat(foo.header("allow")).hasValue("GET, HEAD");

            RawConnection.Response lower = connection.send("get /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
            assertError(lower, 405, "Method Not Allowed");

            RawConnection.Response nowhere = connection.send("FOO /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .read();
            assertError(nowhere, 404, "Not Found");
            assertThat(connection.send(get("/hello")).read().body()).isEqualTo("Hello, World!");
        }
    }

    // ---- response headers set by handlers ----

    static Stream<Arguments> injectedHeaders() {
        return Stream.of(
                argumentSet("CRLF in a value", "x-note", "a\r\nSet-Cookie: evil=1"),
                argumentSet("a bare LF in a value", "x-note", "a\nSet-Cookie: evil=1"),
                argumentSet("a bare CR in a value", "x-note", "a\rSet-Cookie: evil=1"),
                argumentSet("a NUL in a value", "x-note", "a\u0000b"),
                argumentSet("CRLF in a name", "x-note\r\nSet-Cookie", "evil=1"),
                argumentSet("a colon in a name", "Set-Cookie: evil=1\r\nx-note", "a"));
    }

    @ParameterizedTest
    @MethodSource("injectedHeaders")
    void aResponseHeaderThatWouldInjectAnotherIsRefusedAndTheAnswerIs500(String name, String value) {
        try (Http http = Http.serve(app -> {
            app.get("/response", r -> Response.ok("x").header(name, value));
            app.getAsync("/response-async", r -> CompletableFuture.completedFuture(Response.ok("x").header(name, value)));
            app.get("/exception", r -> {
                throw new HttpException(429, "Slow down.", Map.of(name, value));
            });
        })) {
            for (String route : List.of("/response", "/response-async", "/exception")) {
                try (RawConnection connection = RawConnection.open(http.app.port())) {
                    RawConnection.Response response = connection.send(get(route)).read();

                    assertError(response, 500, "Internal Server Error");
                    assertThat(response.headers()).as(route).doesNotContainKey("set-cookie")
                            .doesNotContainKey("x-note");
                }
            }
        }
    }

    @Test
    void aHeaderValueWithALineBreakIsRefusedWhereItIsSetWithASentenceNamingTheHeader() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Response.ok("x").header("x-note", "a\r\nb: c"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The value of the response header 'x-note' must not contain control characters such "
                        + "as line breaks, but 'a??b: c' does.");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new HttpException(401, "No.", Map.of("www-authenticate", "Bearer\nx: y")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The value of the response header 'www-authenticate' must not contain control "
                        + "characters such as line breaks, but 'Bearer?x: y' does.");
        // A tab is fine inside a value.
        assertThat(Response.ok("x").header("x-note", "a\tb").headers()).hasSize(1);
    }

    @Test
    void aMiddlewareCannotInjectAHeaderEither() {
        try (Http http = Http.serve(app -> {
            app.get("/hello", r -> "Hello, World!");
            app.middleware(new Middleware() {
                @Override
                public void after(Request request, ResponseHead response) {
                    response.header("x-note", "a\r\nSet-Cookie: evil=1");
                }
            });
        }); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send(get("/hello")).read();

            // The after-phase failed (and was logged): the response goes out as the handler made it.
            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("Hello, World!");
            assertThat(response.headers()).doesNotContainKey("set-cookie").doesNotContainKey("x-note");
        }
    }
}
