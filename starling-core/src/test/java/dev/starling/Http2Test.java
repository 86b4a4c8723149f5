package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.starling.concurrent.Concurrency;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2EventAdapter;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Settings;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2: h2 over TLS (chosen by ALPN) and h2c by prior knowledge or by {@code Upgrade: h2c} on clear text, beside
 * HTTP/1.1 on the same port; every stream is a request like any other, and resetting a stream cancels its
 * offloaded work. The limits (concurrent streams, header lists, a client that does not read) are checked with
 * real clients (curl, nghttp, h2load) and with a raw frame client that does what they would not.
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
    void the101OfAnH2cUpgradeNamesH2cInUpgradeAndConnection() {
        // RFC 9110 section 7.8: a 101 sends Upgrade with the new protocol, and Connection: upgrade with it.
        try (Starling app = serve(false, a -> a.get("/hello", r -> "hello"));
             RawConnection http = RawConnection.open(app.port())) {
            RawConnection.Response switched = http.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n").read();

            assertThat(switched.status()).as(switched.toString()).isEqualTo(101);
            assertThat(switched.header("upgrade")).hasValue("h2c");
            assertThat(switched.header("connection")).hasValueSatisfying(v -> assertThat(v).isEqualToIgnoringCase(
                    "upgrade"));
        }
    }

    @Test
    void anHttp10UpgradeIsIgnoredAndOneWithoutHostIsRefusedInsteadOfUpgraded() {
        try (Starling app = serve(false, a -> a.get("/hello", r -> "hello"))) {
            String upgrade = "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";
            // RFC 9110 section 7.8: the Upgrade of an HTTP/1.0 request is ignored.
            try (RawConnection http = RawConnection.open(app.port())) {
                RawConnection.Response old = http.send("GET /hello HTTP/1.0\r\n" + upgrade).read();
                assertThat(old.statusLine()).startsWith("HTTP/1.1 200");
                assertThat(old.body()).isEqualTo("hello");
            }
            // RFC 9112 section 3.2: an HTTP/1.1 request without Host is refused, also when it asks for h2c.
            try (RawConnection http = RawConnection.open(app.port())) {
                RawConnection.Response hostless = http.send("GET /hello HTTP/1.1\r\n" + upgrade).read();
                assertThat(hostless.status()).as(hostless.toString()).isEqualTo(400);
                assertThat(hostless.body())
                        .isEqualTo("{\"detail\":\"The request has no Host header, which HTTP/1.1 requires.\"}");
            }
        }
    }

    @Test
    void anUpgradeWithABodyBadSettingsOrAfterTheFirstRequestIsServedAsHttp11() throws Exception {
        ListAppender<ILoggingEvent> logged = Logs.capture();
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
            Logs.release(logged);
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

    @Test
    void theServerAnnouncesItsLimitsAndRefusesTheHundredAndFirstConcurrentStream() throws Exception {
        AtomicInteger arrived = new AtomicInteger();
        CountDownLatch hundred = new CountDownLatch(100);
        CompletableFuture<String> release = new CompletableFuture<>();
        try (Starling app = serve(false, a -> a.getAsync("/hold", r -> {
            arrived.incrementAndGet();
            hundred.countDown();
            return release;
        }));
             RawH2 client = new RawH2(app.port(), Http2Settings.defaultSettings())) {
            Http2Settings announced = client.serverSettings.get(20, TimeUnit.SECONDS);
            assertThat(announced.maxConcurrentStreams()).isEqualTo(100L);
            assertThat(announced.maxHeaderListSize()).isEqualTo(16L * 1024);
            // The server's SETTINGS are acknowledged (so they bind), then 101 streams open in one go: the limit
            // applies to the streams the client opens, however well the client means.
            client.send(ctx -> {
                for (int i = 0; i < 101; i++) {
                    client.writer.writeHeaders(ctx, 1 + 2 * i, client.get("/hold"), 0, true, ctx.newPromise());
                }
            });
            assertThat(client.stream(201).reset.get(20, TimeUnit.SECONDS)).as("the 101st stream's RST_STREAM")
                    .isEqualTo(Http2Error.REFUSED_STREAM.code());
            assertThat(hundred.await(20, TimeUnit.SECONDS)).as("100 streams reached their handler").isTrue();
            assertThat(arrived.get()).isEqualTo(100);
            release.complete("held");
            for (int i = 0; i < 100; i++) {
                RawH2.Stream stream = client.stream(1 + 2 * i);
                assertThat(stream.body.get(20, TimeUnit.SECONDS)).isEqualTo("held");
                assertThat(stream.status.get()).isEqualTo(200);
            }
            // Once those are answered, the same connection opens new streams.
            client.send(ctx -> client.writer.writeHeaders(ctx, 203, client.get("/hold"), 0, true, ctx.newPromise()));
            assertThat(client.stream(203).body.get(20, TimeUnit.SECONDS)).isEqualTo("held");
        }
    }

    @Test
    void nghttpSeesTheLimitsAndH2loadGetsAHundredStreamsServedAtOnce() throws Exception {
        Object lock = new Object();
        List<CompletableFuture<String>> waiting = new java.util.ArrayList<>();
        int[] inFlight = new int[2];   // now, most at once
        try (Starling app = serve(false, a -> {
            a.get("/hello", r -> "hello");
            a.getAsync("/batch", r -> {
                CompletableFuture<String> answer = new CompletableFuture<>();
                synchronized (lock) {
                    inFlight[1] = Math.max(inFlight[1], ++inFlight[0]);
                    waiting.add(answer);
                    // Each request waits until a hundred are in flight at once: fewer streams at once would hang.
                    if (waiting.size() == 100) {
                        inFlight[0] -= 100;
                        waiting.forEach(w -> w.complete("batch"));
                        waiting.clear();
                    }
                }
                return answer.orTimeout(20, TimeUnit.SECONDS);
            });
        })) {
            String base = "http://127.0.0.1:" + app.port();
            assertThat(run("nghttp", "--null-out", "--verbose", base + "/hello"))
                    .contains("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]")
                    .contains("[SETTINGS_MAX_HEADER_LIST_SIZE(0x06):16384]")
                    .contains(":status: 200");
            // 200 requests, all asked for at once on one connection (-m 200): they are served 100 at a time.
            String out = run("h2load", "-n", "200", "-c", "1", "-m", "200", base + "/batch");
            assertThat(out).contains("200 succeeded, 0 failed, 0 errored").contains("status codes: 200 2xx");
            synchronized (lock) {
                assertThat(inFlight[1]).as("requests in flight at once").isEqualTo(100);
            }
        }
    }

    @Test
    void aHeaderListOverMaxHeaderSizeGets431OnItsStreamAndTheConnectionServesOn() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        try (Starling app = serve(false, a -> a.get("/hello", r -> {
            ran.incrementAndGet();
            return "hello";
        }))) {
            String url = "http://127.0.0.1:" + app.port() + "/hello";
            assertThat(curl("--http2-prior-knowledge", "--header", "x-large: " + "a".repeat(17_000), "--output",
                    "/dev/null", "--write-out", "%{http_code} %{http_version}", url)).isEqualTo("431 2");
            assertThat(ran.get()).isZero();
            try (RawH2 client = new RawH2(app.port(), Http2Settings.defaultSettings())) {
                client.serverSettings.get(20, TimeUnit.SECONDS);
                // An HPACK bomb: one 1,000-byte header sent once and then referenced 99 times from the dynamic
                // table, about 1 KiB on the wire for 100 KiB of headers once decoded.
                Http2Headers bomb = client.get("/hello");
                for (int i = 0; i < 100; i++) {
                    bomb.add("x-bomb", "b".repeat(1000));
                }
                client.send(ctx -> client.writer.writeHeaders(ctx, 1, bomb, 0, true, ctx.newPromise()));
                assertThat(client.stream(1).status.get(20, TimeUnit.SECONDS)).isEqualTo(431);
                assertThat(client.stream(1).body.get(20, TimeUnit.SECONDS)).isEmpty();
                client.send(ctx -> client.writer.writeHeaders(ctx, 3, client.get("/hello"), 0, true,
                        ctx.newPromise()));
                assertThat(client.stream(3).body.get(20, TimeUnit.SECONDS)).isEqualTo("hello");
                assertThat(client.stream(3).status.get()).isEqualTo(200);
            }
            assertThat(ran.get()).as("handlers run: only the last request's").isEqualTo(1);
        }
    }

    @Test
    void aHeaderBlockAQuarterOverTheLimitEndsTheConnectionWithGoawayAndNoWarning() throws Exception {
        ListAppender<ILoggingEvent> logged = Logs.capture();
        try (Starling app = serve(false, a -> a.get("/hello", r -> "hello"))) {
            try (RawH2 client = new RawH2(app.port(), Http2Settings.defaultSettings())) {
                client.serverSettings.get(20, TimeUnit.SECONDS);
                // 40 different 1,000-byte values: no table helps, the block is over 20 KiB (1.25 x 16 KiB) on the
                // wire, and the server stops reading it at that point.
                Http2Headers large = client.get("/hello");
                for (int i = 0; i < 40; i++) {
                    large.add("x-large-" + i, Integer.toString(i).repeat(1000).substring(0, 1000));
                }
                client.send(ctx -> client.writer.writeHeaders(ctx, 1, large, 0, true, ctx.newPromise()));
                assertThat(client.goAway.get(20, TimeUnit.SECONDS)).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
                assertThat(client.channel.closeFuture().await(20, TimeUnit.SECONDS)).as("closed").isTrue();
            }
            assertThat(curl("--http2-prior-knowledge", "http://127.0.0.1:" + app.port() + "/hello")).isEqualTo("hello");
        } finally {
            Logs.release(logged);
        }
        assertThat(logged.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).isEmpty();
    }

    @Test
    void aReaderThatStopsReadingHoldsItsStreamToTheWindowAndAnItem() throws Exception {
        int window = 16 * 1024;
        int size = 1024;
        int items = 1024;
        AtomicLong received = new AtomicLong();
        AtomicInteger pulled = new AtomicInteger();
        AtomicLong mostAhead = new AtomicLong();
        try (Starling app = serve(false, a -> a.get("/items", r -> new java.util.Iterator<String>() {
            @Override
            public boolean hasNext() {
                return pulled.get() < items;
            }

            @Override
            public String next() {
                // What the server has taken from the iterator beyond what the client has received.
                mostAhead.accumulateAndGet((long) pulled.incrementAndGet() * size - received.get(), Math::max);
                return "x".repeat(size - 1) + "\n";
            }
        }))) {
            CompletableFuture<Void> stalled = new CompletableFuture<>();
            AtomicBoolean reading = new AtomicBoolean();
            // The client's stream window is 16 KiB, and it sends no WINDOW_UPDATE until it is told to read.
            try (RawH2 client = new RawH2(app.port(), Http2Settings.defaultSettings().initialWindowSize(window)) {
                @Override
                void data(ChannelHandlerContext ctx, int streamId, int bytes) {
                    if (received.addAndGet(bytes) >= window) {
                        stalled.complete(null);
                    }
                    if (reading.get()) {
                        consume(ctx, streamId, bytes);
                    }
                }
            }) {
                client.serverSettings.get(20, TimeUnit.SECONDS);
                client.send(ctx -> client.writer.writeHeaders(ctx, 1, client.get("/items"), 0, true, ctx.newPromise()));
                stalled.get(20, TimeUnit.SECONDS);
                // The window is used up: the server holds what it took from the iterator and waits.
                assertThat(received.get()).isEqualTo(window);
                assertThat(pulled.get()).as("items taken while the client reads nothing").isLessThanOrEqualTo(
                        window / size + 2);
                assertThat(client.ping().get(20, TimeUnit.SECONDS)).as("the connection answers PING meanwhile")
                        .isTrue();
                // Now the client reads: it gives back what it has and everything that comes.
                client.send(ctx -> {
                    reading.set(true);
                    client.consume(ctx, 1, (int) received.get());
                });
                assertThat(client.stream(1).body.get(30, TimeUnit.SECONDS)).hasSize(size * items);
            }
            assertThat(mostAhead.get()).as("bytes taken beyond what the client received, at most")
                    .isLessThanOrEqualTo(window + 2L * size);
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


    /** Runs {@code command} and returns what it printed, its errors included. */
    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getInputStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command[0] + " did not finish in 60 s");
        }
        return new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
    }


    /**
     * A raw HTTP/2 client over clear text: Netty's frame writer and reader without a connection state, so that
     * it can send what a polite client would not (more streams than allowed, header lists past the limit) and
     * keeps its flow-control window in the test's hands (nothing is given back unless {@link #consume} says
     * so). It acknowledges the server's SETTINGS and collects each stream's status, body and reset.
     */
    private static class RawH2 implements AutoCloseable {

        /** What one stream received. */
        static final class Stream {
            final CompletableFuture<Integer> status = new CompletableFuture<>();
            final CompletableFuture<String> body = new CompletableFuture<>();
            final CompletableFuture<Long> reset = new CompletableFuture<>();
            final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        }

        final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter(Http2HeadersEncoder.NEVER_SENSITIVE, true);
        final CompletableFuture<Http2Settings> serverSettings = new CompletableFuture<>();
        final CompletableFuture<Long> goAway = new CompletableFuture<>();
        final Channel channel;
        private final int port;
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final java.util.Map<Integer, Stream> streams = new java.util.concurrent.ConcurrentHashMap<>();
        private final CompletableFuture<Boolean> pong = new CompletableFuture<>();
        private ChannelHandlerContext ctx;

        RawH2(int port, Http2Settings settings) throws InterruptedException {
            this.port = port;
            DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(true);
            Http2FrameListener listener = new Listener();
            channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ByteToMessageDecoder() {
                        @Override
                        public void channelActive(ChannelHandlerContext c) throws Exception {
                            ctx = c;
                            c.write(Http2CodecUtil.connectionPrefaceBuf());
                            writer.writeSettings(c, settings, c.newPromise());
                            c.flush();
                            super.channelActive(c);
                        }

                        @Override
                        protected void decode(ChannelHandlerContext c, ByteBuf in, List<Object> out)
                                throws Http2Exception {
                            reader.readFrame(c, in, listener);
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                            c.close();   // the server closed on us, as some tests expect
                        }
                    })
                    .connect("127.0.0.1", port).sync().channel();
        }

        /** Returns the request headers of a GET of {@code path}. */
        Http2Headers get(String path) {
            return new DefaultHttp2Headers().method("GET").path(path).scheme("http").authority("127.0.0.1:" + port);
        }

        /** Returns what stream {@code id} received so far, its futures completing as it goes on. */
        Stream stream(int id) {
            return streams.computeIfAbsent(id, k -> new Stream());
        }

        /** Writes {@code frames} on the client's loop, then flushes. */
        void send(Consumer<ChannelHandlerContext> frames) throws Exception {
            channel.eventLoop().submit(() -> {
                frames.accept(ctx);
                ctx.flush();
            }).sync();
        }

        /** Gives {@code bytes} back to the server's window of stream {@code streamId} and of the connection. */
        void consume(ChannelHandlerContext c, int streamId, int bytes) {
            writer.writeWindowUpdate(c, streamId, bytes, c.newPromise());
            writer.writeWindowUpdate(c, 0, bytes, c.newPromise());
            c.flush();
        }

        /** Sends a PING; the future completes when its ACK comes back. */
        CompletableFuture<Boolean> ping() throws Exception {
            send(c -> writer.writePing(c, false, 42L, c.newPromise()));
            return pong;
        }

        /** Called on the client's loop with each DATA frame's length; gives nothing back unless it says so. */
        void data(ChannelHandlerContext c, int streamId, int bytes) {
        }

        @Override
        public void close() throws InterruptedException {
            channel.close().sync();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }

        private final class Listener extends Http2EventAdapter {
            @Override
            public void onSettingsRead(ChannelHandlerContext c, Http2Settings settings) {
                writer.writeSettingsAck(c, c.newPromise());
                c.flush();
                serverSettings.complete(settings);
            }

            @Override
            public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers headers, int padding,
                                      boolean endOfStream) {
                stream(streamId).status.complete(Integer.parseInt(headers.status().toString()));
                if (endOfStream) {
                    stream(streamId).body.complete("");
                }
            }

            @Override
            public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers headers, int dependency,
                                      short weight, boolean exclusive, int padding, boolean endOfStream) {
                onHeadersRead(c, streamId, headers, padding, endOfStream);
            }

            @Override
            public int onDataRead(ChannelHandlerContext c, int streamId, ByteBuf data, int padding,
                                  boolean endOfStream) {
                Stream stream = stream(streamId);
                int bytes = data.readableBytes();
                stream.bytes.writeBytes(ByteBufUtil.getBytes(data));
                data(c, streamId, bytes + padding);
                if (endOfStream) {
                    stream.body.complete(stream.bytes.toString(StandardCharsets.UTF_8));
                }
                return bytes + padding;
            }

            @Override
            public void onRstStreamRead(ChannelHandlerContext c, int streamId, long errorCode) {
                stream(streamId).reset.complete(errorCode);
            }

            @Override
            public void onGoAwayRead(ChannelHandlerContext c, int lastStreamId, long errorCode, ByteBuf debugData) {
                goAway.complete(errorCode);
            }

            @Override
            public void onPingAckRead(ChannelHandlerContext c, long data) {
                pong.complete(data == 42L);
            }
        }
    }

    private static HttpRequest get(Starling app, boolean tls, String path) {
        return HttpRequest.newBuilder(URI.create((tls ? "https://localhost:" : "http://127.0.0.1:") + app.port() + path))
                .timeout(Duration.ofSeconds(30)).build();
    }
}
