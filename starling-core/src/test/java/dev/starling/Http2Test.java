package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.starling.concurrent.Concurrency;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * HTTP/2: h2 over TLS (chosen by ALPN) and h2c by prior knowledge or by {@code Upgrade: h2c} on clear text, beside
 * HTTP/1.1 on the same port; every stream is a request like any other, and resetting a stream cancels its
 * offloaded work.
 */
class Http2Test {

    private static Tls identity;

    @BeforeAll
    static void makeIdentity() {
        identity = Tls.selfSigned();
    }

    @Test
    void h2OverTlsServesRoutesOnTheLoopAndOffloaded() throws Exception {
        try (Starling app = serve(true, a -> {
            a.get("/plain", r -> "plain on " + Thread.currentThread().getName().startsWith("starling-worker"));
            a.getAsync("/loop", r -> CompletableFuture.completedFuture("loop"));
        })) {
            HttpClient client = Https.trusting(identity, HttpClient.Version.HTTP_2);
            HttpResponse<String> plain = client.send(get(app, true, "/plain"), HttpResponse.BodyHandlers.ofString());
            assertThat(plain.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(plain.body()).isEqualTo("plain on true");
            HttpResponse<String> loop = client.send(get(app, true, "/loop"), HttpResponse.BodyHandlers.ofString());
            assertThat(loop.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(loop.body()).isEqualTo("loop");
            assertThat(client.send(get(app, true, "/missing"), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(404);
        }
    }

    @Test
    void h2cByPriorKnowledgeAndHttp11AreServedOnOnePort() throws Exception {
        try (Starling app = serve(false, a -> a.get("/hello", r -> "Hello, h2c"))) {
            Process curl = new ProcessBuilder("curl", "--silent", "--show-error", "--max-time", "20",
                    "--http2-prior-knowledge", "--write-out", " %{http_version}",
                    "http://127.0.0.1:" + app.port() + "/hello").redirectErrorStream(true).start();
            String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(out).isEqualTo("Hello, h2c 2");
            HttpResponse<String> http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                    .send(get(app, false, "/hello"), HttpResponse.BodyHandlers.ofString());
            assertThat(http11.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(http11.body()).isEqualTo("Hello, h2c");
        }
    }

    @Test
    void h2cByUpgradeServesTheUpgradeRequestAsStreamOneOnBlockingAndAsyncRoutes() throws Exception {
        try (Starling app = serve(false, a -> {
            a.get("/sync", r -> "sync on " + Thread.currentThread().getName().startsWith("starling-worker"));
            a.getAsync("/async", r -> CompletableFuture.completedFuture("async"));
        })) {
            String base = "http://127.0.0.1:" + app.port();
            // curl --http2 on http:// sends its first request with Upgrade: h2c; the second one rides on the
            // upgraded connection as stream 3.
            for (List<String> paths : List.of(List.of("/sync", "/async"), List.of("/async", "/sync"))) {
                String out = curl("--http2", "--write-out", " %{http_version} %{num_connects}\n",
                        base + paths.get(0), base + paths.get(1));
                assertThat(out).isEqualTo(answer(paths.get(0)) + " 2 1\n" + answer(paths.get(1)) + " 2 0\n");
            }
        }
    }

    @Test
    void anUpgradeWithABodyBadSettingsOrAfterTheFirstRequestIsServedAsHttp11() throws Exception {
        ListAppender<ILoggingEvent> logged = capture();
        try (Starling app = serve(false, a -> {
            a.post("/echo", r -> "echo " + r.bodyText());
            a.get("/hello", r -> "hello");
        })) {
            // curl sends Upgrade: h2c with a body too: the body is read by the HTTP/1.1 rules (Netty would carry
            // it over to stream 1, past Starling's 413 and 100-continue handling).
            assertThat(curl("--http2", "--data", "hello", "--write-out", " %{http_version}",
                    "http://127.0.0.1:" + app.port() + "/echo")).isEqualTo("echo hello 1.1");
            String upgrade = "Host: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n";
            try (RawConnection http = RawConnection.open(app.port())) {
                // HTTP2-Settings that is no base64url SETTINGS payload: no upgrade, and nothing in the log.
                RawConnection.Response bad = http.send("GET /hello HTTP/1.1\r\n" + upgrade
                        + "HTTP2-Settings: !not base64!\r\n\r\n").read();
                assertThat(bad.statusLine()).startsWith("HTTP/1.1 200");
                assertThat(bad.body()).isEqualTo("hello");
                // A right upgrade, but not the first request of the connection: no upgrade either.
                RawConnection.Response second = http.send("GET /hello HTTP/1.1\r\n" + upgrade
                        + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n").read();
                assertThat(second.statusLine()).startsWith("HTTP/1.1 200");
                assertThat(second.body()).isEqualTo("hello");
            }
        } finally {
            release(logged);
        }
        assertThat(logged.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.INFO)
                && !e.getLoggerName().startsWith("dev.starling.Starling")).isEmpty();
    }

    @Test
    void streamsOfOneConnectionAreOffloadedConcurrently() throws Exception {
        CyclicBarrier both = new CyclicBarrier(2);
        try (Starling app = serve(true, a -> a.get("/meet", r -> {
            // Each of the two requests returns only once the other has arrived too: one at a time would hang.
            both.await(20, TimeUnit.SECONDS);
            return "met";
        }))) {
            HttpClient client = Https.trusting(identity, HttpClient.Version.HTTP_2);
            // One request first, so that both that follow share its connection.
            client.send(get(app, true, "/missing"), HttpResponse.BodyHandlers.ofString());
            var first = client.sendAsync(get(app, true, "/meet"), HttpResponse.BodyHandlers.ofString());
            var second = client.sendAsync(get(app, true, "/meet"), HttpResponse.BodyHandlers.ofString());
            assertThat(first.get(30, TimeUnit.SECONDS).body()).isEqualTo("met");
            assertThat(second.get(30, TimeUnit.SECONDS).body()).isEqualTo("met");
            assertThat(first.get().version()).isEqualTo(HttpClient.Version.HTTP_2);
        }
    }

    @Test
    void aResetStreamCancelsItsOffloadedWork() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        try (Starling app = serve(true, a -> a.get("/hold", r -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return "never";
        }))) {
            HttpClient client = Https.trusting(identity, HttpClient.Version.HTTP_2);
            var held = client.sendAsync(get(app, true, "/hold"), HttpResponse.BodyHandlers.ofString());
            assertThat(started.await(20, TimeUnit.SECONDS)).as("the handler started").isTrue();
            held.cancel(true);
            assertThat(interrupted.await(20, TimeUnit.SECONDS)).as("the handler was interrupted").isTrue();
            Await.until("the token is back", () -> app.limiter("default").orElseThrow().borrowedTokens() == 0);
        }
    }

    @Test
    void aStreamThatOutlastsTheIdleTimeoutIsAnswered() throws Exception {
        CompletableFuture<String> late = new CompletableFuture<>();
        CountDownLatch asked = new CountDownLatch(1);
        try (Starling app = serve(true, c -> c.idleTimeout(Duration.ofMillis(300)), a -> a.getAsync("/late", r -> {
            asked.countDown();
            return late;
        }))) {
            var answer = Https.trusting(identity, HttpClient.Version.HTTP_2)
                    .sendAsync(get(app, true, "/late"), HttpResponse.BodyHandlers.ofString());
            assertThat(asked.await(20, TimeUnit.SECONDS)).isTrue();
            // Three idle timeouts with no frame either way, while the stream waits for its answer.
            Thread.sleep(900);
            late.complete("late");
            assertThat(answer.get(20, TimeUnit.SECONDS).body()).isEqualTo("late");
        }
    }

    @Test
    void aFileIsSentWholeOverH2(@TempDir Path dir) throws Exception {
        byte[] bytes = new byte[200_000];
        Arrays.fill(bytes, (byte) 'x');
        Path file = Files.write(dir.resolve("data.txt"), bytes);
        try (Starling app = serve(true, a -> a.get("/file", r -> FileResponse.of(file)))) {
            HttpResponse<byte[]> response = Https.trusting(identity, HttpClient.Version.HTTP_2).send(get(app, true, "/file"),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(response.body()).isEqualTo(bytes);
        }
    }

    @Test
    void aStreamAndServerSentEventsAreSentOverH2() throws Exception {
        try (Starling app = serve(true, a -> {
            a.get("/count", r -> List.of("1\n", "2\n", "3\n").iterator());
            a.getAsync("/events", r -> CompletableFuture.completedFuture(
                    Concurrency.iterateInThreadpool(List.of(ServerSentEvent.of("a"), ServerSentEvent.of("b"))
                            .iterator())));
        })) {
            HttpClient client = Https.trusting(identity, HttpClient.Version.HTTP_2);
            HttpResponse<String> count = client.send(get(app, true, "/count"), HttpResponse.BodyHandlers.ofString());
            assertThat(count.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(count.body()).isEqualTo("1\n2\n3\n");
            HttpResponse<String> events = client.send(get(app, true, "/events"), HttpResponse.BodyHandlers.ofString());
            assertThat(events.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
            assertThat(events.body()).isEqualTo("data: a\n\ndata: b\n\n");
        }
    }

    @Test
    void aFloodOfOpenedAndResetStreamsClosesTheConnectionAndTheServerServesOn() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        try (Starling app = serve(false, a -> a.get("/work", r -> {
            ran.incrementAndGet();
            return "done";
        }))) {
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            try {
                Http2ChannelDuplexHandler streams = new Http2ChannelDuplexHandler() { };
                Channel client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                        .handler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(), streams);
                            }
                        })
                        .connect("127.0.0.1", app.port()).sync().channel();
                Http2Headers headers = new DefaultHttp2Headers().method("GET").path("/work").scheme("http")
                        .authority("127.0.0.1:" + app.port());
                // The rapid-reset attack: open a stream and reset it at once, many times over, faster than any
                // handler can answer. Past 200 resets in 30 s the server closes the connection.
                client.eventLoop().submit(() -> {
                    for (int i = 0; i < 1000 && client.isActive(); i++) {
                        Http2FrameStream stream = streams.newStream();
                        client.write(new DefaultHttp2HeadersFrame(headers, true).stream(stream));
                        client.write(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(stream));
                    }
                    client.flush();
                }).sync();
                assertThat(client.closeFuture().await(20, TimeUnit.SECONDS)).as("the server closed the connection")
                        .isTrue();
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
            HttpResponse<String> after = HttpClient.newHttpClient().send(get(app, false, "/work"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(after.body()).as("a new client is served").isEqualTo("done");
            assertThat(ran.get()).as("handlers that ran for the flood, of 1,000 opened").isLessThan(1000);
        }
    }

    // ---- helpers ----

    private static String answer(String path) {
        return path.equals("/sync") ? "sync on true" : "async";
    }

    /** Runs Debian's curl with {@code args} and returns what it printed, its errors included. */
    private static String curl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time",
                "20"));
        command.addAll(List.of(args));
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static Starling serve(boolean tls, Consumer<Starling> routes) {
        return serve(tls, c -> { }, routes);
    }

    private static Starling serve(boolean tls, Consumer<Config.Builder> config, Consumer<Starling> routes) {
        Starling app = Starling.create(c -> {
            c.port(0).shutdownGrace(Duration.ofSeconds(5));
            if (tls) {
                c.tls(identity);
            }
            config.accept(c);
        });
        routes.accept(app);
        return app.start();
    }


    private static ListAppender<ILoggingEvent> capture() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(appender);
        return appender;
    }

    private static void release(ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(appender);
    }

    private static HttpRequest get(Starling app, boolean tls, String path) {
        return HttpRequest.newBuilder(URI.create((tls ? "https://localhost:" : "http://127.0.0.1:") + app.port() + path))
                .timeout(Duration.ofSeconds(30)).build();
    }
}
