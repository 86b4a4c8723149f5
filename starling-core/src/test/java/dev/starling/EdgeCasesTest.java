package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.concurrent.Threadpool;
import dev.starling.params.Form;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Edge cases found by review, across features: handlers that fail while handling, results that arrive after
 * the client left, middleware with multipart bodies, redirects, boundaries, and work refused by a full pool.
 */
class EdgeCasesTest {

    /** an async exception handler that throws re-enters handle() forever (userHandled set too late). */
    @Test
    void anAsyncExceptionHandlerThatThrowsGivesA500() {
        AtomicInteger calls = new AtomicInteger();
        try (Http http = Http.serve(app -> {
            app.exceptionHandlerAsync(RuntimeException.class, (request, e) -> {
                calls.incrementAndGet();
                throw new IllegalStateException("The handler itself fails.");
            });
            app.getAsync("/boom", r -> CompletableFuture.failedFuture(new IllegalArgumentException("boom")));
        })) {
            HttpResponse<String> r = http.get("/boom");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(calls.get()).as("the handler runs once").isEqualTo(1);
        }
    }

    /** a multipart route re-dispatches after decoding, running every before-middleware twice. */
    @Test
    void beforeMiddlewareRunsOncePerMultipartRequest() {
        AtomicInteger befores = new AtomicInteger();
        String boundary = "XyZ";
        try (Http http = Http.serve(app -> {
            app.middleware(new Middleware() {
                @Override
                public Optional<Object> before(Request request) {
                    befores.incrementAndGet();
                    return Optional.empty();
                }
            });
            app.include(new Object() {
                @Post("/up")
                public String up(@Form String note) {
                    return note;
                }
            });
        })) {
            byte[] body = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--"
                    + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(http.uri("/up"))
                    .timeout(Duration.ofSeconds(30))
                    .header("content-type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
            assertThat(r.body()).isEqualTo("hi");
            assertThat(befores.get()).as("before-phase runs once").isEqualTo(1);
        }
    }

    static final class Leaky {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();

        @Provides
        Resource<String> conn() {
            started.countDown();
            // A provider that does not answer interrupts (a driver's connect, say).
            while (true) {
                try {
                    if (release.await(30, TimeUnit.SECONDS)) {
                        break;
                    }
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                }
            }
            opened.incrementAndGet();
            return Resource.of("c", closed::incrementAndGet);
        }

        @Get("/leak")
        public String leak(@Depends String conn) {
            return conn;
        }
    }

    /** a resource returned by a provider after the client left is never closed. */
    @Test
    void aResourceMadeAfterTheClientLeftIsStillClosed() throws Exception {
        Leaky leaky = new Leaky();
        try (Http http = Http.serve(app -> app.include(leaky))) {
            try (Socket socket = new Socket("127.0.0.1", http.app.port())) {
                OutputStream out = socket.getOutputStream();
                out.write("GET /leak HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(leaky.started.await(10, TimeUnit.SECONDS)).isTrue();
            }
            Await.until("the disconnect cancelled the provider", () -> leaky.interrupted.get() > 0);
            leaky.release.countDown();  // the provider returns its resource anyway
            Await.until("the resource made after the client left is closed", () -> leaky.closed.get() == 1);
            assertThat(leaky.opened).hasValue(1);
        }
    }

    static final class LeakyStream {
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

    /** same root cause for a handler's Stream result: its onClose never runs. */
    @Test
    void aStreamReturnedAfterTheClientLeftIsClosed() throws Exception {
        LeakyStream h = new LeakyStream();
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

    /** a directory request with a leading double slash redirects to a protocol-relative URL (another host). */
    @Test
    void aStaticDirectoryRedirectNeverLeavesTheHost() throws Exception {
        java.nio.file.Path root = java.nio.file.Files.createTempDirectory("review3");
        java.nio.file.Path dir = java.nio.file.Files.createDirectories(root.resolve("evil.example"));
        java.nio.file.Files.writeString(dir.resolve("index.html"), "<p>hi</p>");
        try (Http http = Http.serve(app -> app.mount("/", StaticFiles.of(root).html(true)))) {
            String raw = http.raw("GET //evil.example HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(raw).startsWith("HTTP/1.1 307");
            assertThat(raw.toLowerCase()).doesNotContain("location: //evil.example/");
        }
    }

    /** A boundary longer than RFC 2046 allows (70) is refused before any search, which would be O(body x boundary). */
    @Test
    void aBoundaryLongerThanTheRfcAllowsIsRefused() {
        int k = 4000;
        byte[] body = ("-".repeat(k + 1) + "x").repeat(200).getBytes(StandardCharsets.ISO_8859_1);
        assertThat(dev.starling.internal.params.FormData.decode("multipart/form-data; boundary=" + "-".repeat(k), body,
                false, 1 << 20)).isSameAs(dev.starling.internal.params.FormData.EMPTY);
    }

    /** A sync exception handler whose submission is refused (pool full) recurses the same way. */
    @Test
    void aSyncExceptionHandlerRefusedByAFullPoolGivesA503() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (Http http = Http.serve(c -> c.threadpool(Threadpool.platform(1).maxWaiting(0)), app -> {
            app.exceptionHandler(RuntimeException.class, (request, e) -> Response.status(418).body("handled"));
            app.get("/hold", r -> {
                holding.countDown();
                release.await();
                return "held";
            });
            app.getAsync("/boom", r -> CompletableFuture.failedFuture(new IllegalArgumentException("boom")));
        })) {
            var held = http.client.sendAsync(HttpRequest.newBuilder(http.uri("/hold")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            try {
                HttpResponse<String> r = http.get("/boom");
                assertThat(r.statusCode()).isEqualTo(503);
            } finally {
                release.countDown();
                held.get(10, TimeUnit.SECONDS);
            }
        }
    }

    public static final class Mailer {
        final AtomicInteger sent = new AtomicInteger();

        @Get("/signup")
        public CompletionStage<String> signup(BackgroundTasks tasks) {
            tasks.add(sent::incrementAndGet);
            return CompletableFuture.completedFuture("ok");
        }
    }

    /** a sync background task refused a token (pool busy) is dropped after a 200 was already sent. */
    @Test
    void aBackgroundTaskIsNotLostWhenThePoolIsBusy() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Mailer mailer = new Mailer();
        try (Http http = Http.serve(c -> c.threadpool(Threadpool.platform(1).maxWaiting(0)), app -> {
            app.get("/hold", r -> {
                holding.countDown();
                release.await();
                return "held";
            });
            app.include(mailer);
        })) {
            var held = http.client.sendAsync(HttpRequest.newBuilder(http.uri("/hold")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(http.get("/signup").statusCode()).isEqualTo(200);
            release.countDown();
            held.get(10, TimeUnit.SECONDS);
            Await.until("the accepted signup's mail is sent", () -> mailer.sent.get() == 1);
        }
    }
}
