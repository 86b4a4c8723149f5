package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.WebSocketConnection.Close;
import dev.starling.concurrent.Concurrency;
import dev.starling.concurrent.Threadpool;
import dev.starling.params.Header;
import dev.starling.params.Path;
import dev.starling.params.Query;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestWebSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * WebSockets: where a handler runs is decided by its signature, like a route's; parameters, dependencies and
 * refusals come before the upgrade; messages, closes and limits behave as RFC 6455 says. Behaviours that do not
 * depend on where the handler runs are checked on both the blocking and the async path.
 */
class WebSocketTest {

    /** An echo on each path: blocking on a virtual thread, async on the loop. */
    private static Starling echoes(Config.Builder config) {
        return Starling.create(config.build())
                .websocket("/blocking", socket -> {
                    while (true) {
                        WebSocketConnection.Message m = socket.receive();
                        if (m.isText()) {
                            socket.send("echo: " + m.text());
                        } else {
                            socket.send(m.bytes());
                        }
                    }
                })
                .websocketAsync("/async", socket -> {
                    socket.onMessage(m -> {
                        if (m.isText()) {
                            socket.sendAsync("echo: " + m.text());
                        } else {
                            socket.sendAsync(m.bytes());
                        }
                    });
                    return socket.closed();
                });
    }

    private static Starling echoes() {
        return echoes(Config.builder());
    }

    @Test
    void aBlockingHandlerRunsOnAVirtualThreadOfItsOwnAndAnAsyncOneOnTheLoop() {
        AtomicReference<Thread> blocking = new AtomicReference<>();
        AtomicReference<String> async = new AtomicReference<>();
        Starling app = Starling.create()
                .websocket("/blocking", socket -> {
                    blocking.set(Thread.currentThread());
                    socket.send("hi");
                })
                .websocketAsync("/async", socket -> {
                    async.set(Thread.currentThread().getName());
                    return socket.sendAsync("hi");
                });
        try (TestClient client = TestClient.create(app)) {
            try (TestWebSocket socket = client.websocket("/blocking")) {
                assertThat(socket.receiveText()).isEqualTo("hi");
                assertThat(socket.awaitClose()).isEqualTo(new Close(1000, ""));
            }
            assertThat(blocking.get().isVirtual()).isTrue();
            assertThat(blocking.get().getName()).startsWith("starling-ws-");
            try (TestWebSocket socket = client.websocket("/async")) {
                assertThat(socket.receiveText()).isEqualTo("hi");
                assertThat(socket.awaitClose()).isEqualTo(new Close(1000, ""));
            }
            assertThat(async.get()).startsWith("starling-loop");
        }
    }

    @Test
    void textAndBinaryMessagesEchoOnBothPaths() {
        try (TestClient client = TestClient.create(echoes())) {
            for (String path : new String[] {"/blocking", "/async"}) {
                try (TestWebSocket socket = client.websocket(path)) {
                    socket.send("hello");
                    assertThat(socket.receiveText()).isEqualTo("echo: hello");
                    byte[] bytes = {0, 1, 2, (byte) 0xff};
                    socket.send(bytes);
                    assertThat(socket.receiveBytes()).containsExactly(bytes);
                    socket.send("é ünïcödé ✓");
                    assertThat(socket.receiveText()).isEqualTo("echo: é ünïcödé ✓");
                }
            }
        }
    }

    /** A chat room: path, query and header values and a dependency, bound before the upgrade. */
    static final class Rooms {
        record User(String name) {
        }

        @Provides
        User user(@Header("x-user") Optional<String> name) {
            if (name.isEmpty()) {
                throw new HttpException(403, "Only signed-in users may join a room.");
            }
            return new User(name.get());
        }

        @WebSocket("/rooms/{room}")
        void join(WebSocketConnection socket, @Path String room, @Query("greeting") Optional<String> greeting,
                  @Depends User user) {
            socket.send(greeting.orElse("hello") + ", " + user.name() + ", in " + room);
            socket.send(socket.receiveText() + " from " + user.name());
        }

        @WebSocket("/rooms-async/{room}")
        CompletionStageOfClose joinAsync(WebSocketConnection socket, @Path String room, @Depends User user) {
            return new CompletionStageOfClose(socket.sendAsync("hello, " + user.name() + ", in " + room)
                    .thenCompose(sent -> socket.closed()).toCompletableFuture());
        }
    }

    /** A stage type of the app's own: any CompletionStage makes a handler async. */
    static final class CompletionStageOfClose extends CompletableFuture<Object> {
        CompletionStageOfClose(CompletableFuture<?> inner) {
            inner.whenComplete((v, e) -> {
                if (e != null) {
                    completeExceptionally(e);
                } else {
                    complete(v);
                }
            });
        }
    }

    @Test
    void anAnnotatedHandlerTakesPathQueryHeaderValuesAndDependencies() {
        try (TestClient client = TestClient.create(Starling.create().include(new Rooms()))) {
            try (TestWebSocket socket = client.websocket("/rooms/kitchen?greeting=hi", Map.of("x-user", "ada"))) {
                assertThat(socket.receiveText()).isEqualTo("hi, ada, in kitchen");
                socket.send("tea?");
                assertThat(socket.receiveText()).isEqualTo("tea? from ada");
                assertThat(socket.awaitClose().code()).isEqualTo(1000);
            }
            try (TestWebSocket socket = client.websocket("/rooms-async/hall", Map.of("x-user", "bob"))) {
                assertThat(socket.receiveText()).isEqualTo("hello, bob, in hall");
            }
        }
    }

    @Test
    void aDependencyThatRefusesAnswersTheUpgradeWith403AndItsSentence() throws Exception {
        try (TestClient client = TestClient.create(Starling.create().include(new Rooms()))) {
            assertThatThrownBy(() -> client.websocket("/rooms/kitchen"))
                    .isInstanceOfSatisfying(TestClient.WebSocketRefused.class, e -> assertThat(e.status()).isEqualTo(403));
            try (RawConnection raw = RawConnection.open(client.app().port())) {
                RawConnection.Response refused = raw.send("GET /rooms/kitchen HTTP/1.1\r\nHost: x\r\n"
                        + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").read();
                assertThat(refused.status()).isEqualTo(403);
                assertThat(refused.body()).contains("Only signed-in users may join a room.");
            }
        }
    }

    /** A router's dependency, run before the upgrade of each of its sockets. */
    static final class Members {
        @Provides
        String member(@Header("x-member") Optional<String> member) {
            return member.orElseThrow(() -> new HttpException(403, "Members only."));
        }
    }

    @Test
    void aRoutersPrefixAndDependenciesApplyToItsWebSockets() {
        Router chat = Router.create("/chat").dependsOn("member")
                .websocket("/blocking", socket -> socket.send("blocking " + socket.request().path()))
                .websocketAsync("/async", socket -> socket.sendAsync("async " + socket.request().path()));
        try (TestClient client = TestClient.create(Starling.create().providers(new Members()).include(chat))) {
            for (String path : new String[] {"/chat/blocking", "/chat/async"}) {
                assertThatThrownBy(() -> client.websocket(path)).isInstanceOfSatisfying(
                        TestClient.WebSocketRefused.class, e -> assertThat(e.status()).isEqualTo(403));
                try (TestWebSocket socket = client.websocket(path, Map.of("x-member", "ada"))) {
                    assertThat(socket.receiveText()).endsWith(" " + path);
                }
            }
        }
    }

    @Test
    void aPlainRequestToAWebSocketRouteIsAnswered426WithWhatToSend() {
        try (TestClient client = TestClient.create(echoes())) {
            var response = client.get("/blocking");
            assertThat(response.status()).isEqualTo(426);
            assertThat(response.header("upgrade")).contains("websocket");
            assertThat(response.text()).contains("/blocking is a WebSocket endpoint; open it with a WebSocket upgrade");
        }
    }

    @Test
    void the101NamesTheProtocolInUpgradeAndConnection() throws Exception {
        // RFC 9110 section 7.8: a 101 sends Upgrade with the new protocol, and Connection: upgrade with it.
        try (TestClient client = TestClient.create(echoes());
             RawWebSocket socket = RawWebSocket.open(client.app().port(), "/blocking", "")) {
            String head = socket.head.toLowerCase(java.util.Locale.ROOT);
            assertThat(head).startsWith("http/1.1 101").contains("\r\nupgrade: websocket\r\n")
                    .contains("\r\nconnection: upgrade\r\n");
        }
    }

    @Test
    void anUpgradeInAnHttp10RequestIsIgnoredSoTheRouteAnswers426() {
        // RFC 9110 section 7.8: a server must ignore the Upgrade of an HTTP/1.0 request.
        try (TestClient client = TestClient.create(echoes());
             RawConnection raw = RawConnection.open(client.app().port())) {
            RawConnection.Response response = raw.send("GET /blocking HTTP/1.0\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").read();

            assertThat(response.status()).as(response.toString()).isEqualTo(426);
            assertThat(response.body()).contains("/blocking is a WebSocket endpoint; open it with a WebSocket upgrade");
        }
    }

    @Test
    void anUpgradeFromAForeignOriginIsRefusedUnlessTheOriginIsListed() throws Exception {
        try (TestClient client = TestClient.create(echoes())) {
            int port = client.app().port();
            try (RawConnection raw = RawConnection.open(port)) {
                RawConnection.Response refused = raw.send("GET /blocking HTTP/1.1\r\nHost: 127.0.0.1:" + port
                        + "\r\nOrigin: https://evil.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").read();
                assertThat(refused.status()).isEqualTo(403);
                assertThat(refused.body()).contains("The origin https://evil.example may not open a WebSocket");
            }
            try (RawWebSocket own = RawWebSocket.open(port, "/blocking", "Origin: http://127.0.0.1:" + port + "\r\n")) {
                own.sendText(true, RawWebSocket.TEXT, "same origin");
                assertThat(own.read().text()).isEqualTo("echo: same origin");
            }
        }
        try (TestClient client = TestClient.create(echoes(Config.builder().webSocketOrigins("https://app.example")));
             RawWebSocket listed = RawWebSocket.open(client.app().port(), "/async", "Origin: https://app.example\r\n")) {
            listed.sendText(true, RawWebSocket.TEXT, "listed");
            assertThat(listed.read().text()).isEqualTo("echo: listed");
        }
    }

    @Test
    void textThatIsNotUtf8ClosesTheSocketWith1007() throws Exception {
        try (TestClient client = TestClient.create(echoes())) {
            for (String path : new String[] {"/blocking", "/async"}) {
                try (RawWebSocket raw = RawWebSocket.open(client.app().port(), path, "")) {
                    raw.send(true, RawWebSocket.TEXT, new byte[] {(byte) 0xc3, (byte) 0x28});
                    RawWebSocket.Frame close = raw.read();
                    assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
                    assertThat(close.closeCode()).isEqualTo(1007);
                }
            }
        }
    }

    @Test
    void reservedBitsWithoutANegotiatedExtensionCloseTheSocketWith1002() throws Exception {
        try (TestClient client = TestClient.create(echoes(Config.builder().webSocketCompression(false)));
             RawWebSocket raw = RawWebSocket.open(client.app().port(), "/blocking", "")) {
            raw.sendText(true, RawWebSocket.TEXT | 0x40, "compressed?");
            RawWebSocket.Frame close = raw.read();
            assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(close.closeCode()).isEqualTo(1002);
        }
    }

    static final class Sessions {
        final CountDownLatch closed = new CountDownLatch(1);

        @Provides
        Resource<String> session() {
            return Resource.of("session", closed::countDown);
        }

        @WebSocket("/forever")
        CompletableFuture<Void> forever(WebSocketConnection socket, @Depends String session) {
            return new CompletableFuture<>();   // never completes
        }
    }

    @Test
    void anAsyncHandlerWhoseStageNeverCompletesStillEndsItsRequestWhenTheSocketCloses() throws Exception {
        Sessions api = new Sessions();
        try (TestClient client = TestClient.create(Starling.create().include(api))) {
            client.websocket("/forever").close(1000, "");
            assertThat(api.closed.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aFragmentedMessageArrivesWholeAndPingsAreAnswered() throws Exception {
        try (TestClient client = TestClient.create(echoes())) {
            for (String path : new String[] {"/blocking", "/async"}) {
                try (RawWebSocket raw = RawWebSocket.open(client.app().port(), path, "")) {
                    raw.sendText(false, RawWebSocket.TEXT, "hel");
                    raw.sendText(true, RawWebSocket.CONTINUATION, "lo");
                    assertThat(raw.read().text()).isEqualTo("echo: hello");
                    raw.sendText(true, RawWebSocket.PING, "are you there");
                    RawWebSocket.Frame pong = raw.read();
                    assertThat(pong.opcode()).isEqualTo(RawWebSocket.PONG);
                    assertThat(pong.text()).isEqualTo("are you there");
                }
            }
        }
    }

    @Test
    void aMessageLargerThanTheLimitClosesTheSocketWith1009() throws Exception {
        try (TestClient client = TestClient.create(echoes(Config.builder().webSocketMaxMessageSize(1024)))) {
            for (String path : new String[] {"/blocking", "/async"}) {
                try (TestWebSocket socket = client.websocket(path)) {
                    socket.send("a".repeat(1000));
                    assertThat(socket.receiveText()).hasSize(1006);
                    socket.send("a".repeat(2000));
                    assertThat(socket.awaitClose().code()).isEqualTo(1009);
                }
                // Fragments that add up to more than the limit are refused too.
                try (RawWebSocket raw = RawWebSocket.open(client.app().port(), path, "")) {
                    raw.sendText(false, RawWebSocket.TEXT, "a".repeat(800));
                    raw.sendText(true, RawWebSocket.CONTINUATION, "a".repeat(800));
                    RawWebSocket.Frame close = raw.read();
                    assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
                    assertThat(close.closeCode()).isEqualTo(1009);
                }
            }
        }
    }

    @Test
    void theClientsCloseCodeAndReasonReachTheHandlerOnBothPaths() {
        CompletableFuture<Close> blocking = new CompletableFuture<>();
        CompletableFuture<Close> async = new CompletableFuture<>();
        Starling app = Starling.create()
                .websocket("/blocking", socket -> {
                    try {
                        socket.receive();
                    } catch (WebSocketConnection.Closed closed) {
                        blocking.complete(closed.close());
                    }
                })
                .websocketAsync("/async", socket -> socket.closed().thenAccept(async::complete));
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.websocket("/blocking").close(4001, "bye")).isEqualTo(new Close(4001, ""));
            assertThat(blocking.join()).isEqualTo(new Close(4001, "bye"));
            assertThat(client.websocket("/async").close(4002, "later")).isEqualTo(new Close(4002, ""));
            assertThat(async.join()).isEqualTo(new Close(4002, "later"));
        }
    }

    @Test
    void aHandlerThatFailsClosesTheSocketWith1011AndItsOwnCodeIsSent() {
        Starling app = Starling.create()
                .websocket("/fails", socket -> {
                    throw new IllegalStateException("broken handler");
                })
                .websocketAsync("/fails-async", socket -> CompletableFuture.failedFuture(new IllegalStateException("x")))
                .websocket("/goodbye", socket -> socket.close(4000, "see you"));
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.websocket("/fails").awaitClose()).isEqualTo(new Close(1011, "The server failed."));
            assertThat(client.websocket("/fails-async").awaitClose()).isEqualTo(new Close(1011, "The server failed."));
            assertThat(client.websocket("/goodbye").awaitClose()).isEqualTo(new Close(4000, "see you"));
            // The server is fine after its handlers failed.
            try (TestWebSocket again = client.websocket("/goodbye")) {
                assertThat(again.awaitClose().code()).isEqualTo(4000);
            }
        }
    }

    @Test
    void blockingHandlersWaitingForMessagesHoldNoThreadpoolToken() throws Exception {
        CountDownLatch waiting = new CountDownLatch(3);
        Starling app = Starling.create(c -> c.threadpool(Threadpool.platform(1)))
                .websocket("/wait", socket -> {
                    waiting.countDown();
                    socket.receive();
                })
                .get("/sync", request -> "answered on " + Thread.currentThread().getName().startsWith("starling-worker"));
        try (TestClient client = TestClient.create(app);
             TestWebSocket a = client.websocket("/wait");
             TestWebSocket b = client.websocket("/wait");
             TestWebSocket c = client.websocket("/wait")) {
            assertThat(waiting.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(client.get("/sync").text()).isEqualTo("answered on true");
        }
    }

    @Test
    void aClosedSocketCancelsTheWorkItsHandlerOffloaded() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        Starling app = Starling.create().websocket("/work", socket -> {
            Concurrency.runInThreadpool(() -> {
                started.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
                return null;
            }).toCompletableFuture().exceptionally(e -> null).join();
        });
        try (TestClient client = TestClient.create(app)) {
            RawWebSocket raw = RawWebSocket.open(client.app().port(), "/work", "");
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            raw.close();   // gone without a close frame
            assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aClientThatStopsReadingMakesABlockingSendWaitThenCloseInsteadOfGrowingMemory() throws Exception {
        AtomicInteger sent = new AtomicInteger();
        CompletableFuture<Close> ended = new CompletableFuture<>();
        byte[] chunk = new byte[64 * 1024];
        Starling app = Starling.create(c -> c.webSocketSendBuffer(128 * 1024)
                .responseWriteTimeout(Duration.ofMillis(500))).websocket("/flood", socket -> {
            try {
                while (true) {
                    socket.send(chunk);
                    sent.incrementAndGet();
                }
            } catch (WebSocketConnection.Closed closed) {
                ended.complete(closed.close());
            }
        });
        try (TestClient client = TestClient.create(app);
             RawWebSocket raw = RawWebSocket.open(client.app().port(), "/flood", "")) {
            // The client never reads: the sender waits, and after the write timeout the server gives up on it.
            assertThat(ended.get(20, TimeUnit.SECONDS)).isEqualTo(new Close(1008,
                    "The client did not read its messages."));
            // What the kernel's socket buffers took, plus the send buffer: megabytes, not an unbounded flood.
            assertThat((long) sent.get() * chunk.length).isLessThan(64L * 1024 * 1024);
        }
    }

    @Test
    void stoppingTheServerSendsGoingAwayToOpenSockets() {
        Starling app = echoes();
        TestClient client = TestClient.create(app);
        TestWebSocket blocking = client.websocket("/blocking");
        TestWebSocket async = client.websocket("/async");
        blocking.send("ping");
        assertThat(blocking.receiveText()).isEqualTo("echo: ping");
        client.close();
        assertThat(blocking.awaitClose()).isEqualTo(new Close(1001, "The server is shutting down."));
        assertThat(async.awaitClose()).isEqualTo(new Close(1001, "The server is shutting down."));
    }

    @Test
    void aSilentClientIsPingedThenClosedWith1001() throws Exception {
        try (TestClient client = TestClient.create(echoes(Config.builder()
                .webSocketIdleTimeout(Duration.ofMillis(400))));
             RawWebSocket raw = RawWebSocket.open(client.app().port(), "/blocking", "")) {
            assertThat(raw.read().opcode()).isEqualTo(RawWebSocket.PING);
            RawWebSocket.Frame close = raw.read();
            assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
            assertThat(close.closeCode()).isEqualTo(1001);
        }
    }

    @Test
    void wssServesTheSameHandlersOverTls() throws Exception {
        Tls identity = Tls.selfSigned();
        Starling app = echoes(Config.builder().tls(identity)).start(0);
        try {
            HttpClient https = Https.trusting(identity, HttpClient.Version.HTTP_1_1);
            CompletableFuture<String> reply = new CompletableFuture<>();
            java.net.http.WebSocket ws = https.newWebSocketBuilder()
                    .buildAsync(URI.create("wss://localhost:" + app.port() + "/async"),
                            new java.net.http.WebSocket.Listener() {
                                @Override
                                public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w,
                                        CharSequence data, boolean last) {
                                    reply.complete(data.toString());
                                    return null;
                                }
                            })
                    .get(10, TimeUnit.SECONDS);
            ws.sendText("over tls", true).get(10, TimeUnit.SECONDS);
            assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("echo: over tls");
            ws.abort();
        } finally {
            app.stop();
        }
    }

    @Test
    void pythonsWebsocketsClientTalksToBothPathsWithCompression() throws Exception {
        try (TestClient client = TestClient.create(echoes())) {
            String script = String.join("\n",
                    "import asyncio, sys, websockets",
                    "async def main(port):",
                    "    for path in ('/blocking', '/async'):",
                    "        async with websockets.connect(f'ws://127.0.0.1:{port}{path}', compression='deflate') as ws:",
                    "            ext = ws.response_headers.get('Sec-WebSocket-Extensions', '')",
                    "            for i in range(100):",
                    "                await ws.send('message %d ' % i + 'x' * 2000)",
                    "                reply = await ws.recv()",
                    "                assert reply == 'echo: message %d ' % i + 'x' * 2000, reply[:40]",
                    "            await ws.send(b'\\x00\\x01')",
                    "            assert await ws.recv() == b'\\x00\\x01'",
                    "            await ws.ping()",
                    "            print(path, ext, 'ok')",
                    "        # 2 MB of one letter compresses to a few KB: inflated past the 1 MiB limit, it is refused.",
                    "        async with websockets.connect(f'ws://127.0.0.1:{port}{path}', compression='deflate',",
                    "                                      max_size=None) as ws:",
                    "            await ws.send('a' * 2_000_000)",
                    "            try:",
                    "                await ws.recv()",
                    "            except websockets.ConnectionClosed as closed:",
                    "                print(path, 'closed', closed.code)",
                    "asyncio.run(main(int(sys.argv[1])))");
            Process python = new ProcessBuilder("/usr/bin/python3", "-c", script, Integer.toString(client.app().port()))
                    .redirectErrorStream(true).start();
            String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(out).contains("/blocking permessage-deflate", "/async permessage-deflate");
            assertThat(out.lines().filter(l -> l.endsWith(" ok"))).hasSize(2);
            assertThat(out).contains("/blocking closed 1009", "/async closed 1009");
        }
    }

    static final class NoSocket {
        @WebSocket("/ws")
        void chat(@Query("q") String q) {
        }
    }

    static final class SocketOnGet {
        @Get("/ws")
        String chat(WebSocketConnection socket) {
            return "";
        }
    }

    static final class MovedSocket {
        @WebSocket("/ws")
        @ExecuteOn("io")
        void chat(WebSocketConnection socket) {
        }
    }

    @Test
    void aBadWebSocketDeclarationFailsWithASentence() {
        assertThatThrownBy(() -> Starling.create().include(new NoSocket()))
                .hasMessageContaining("NoSocket.chat(...) is a @WebSocket handler, so it takes exactly one "
                        + "WebSocketConnection parameter, the open socket; it has 0.");
        assertThatThrownBy(() -> Starling.create().include(new SocketOnGet()))
                .hasMessageContaining("SocketOnGet.chat(...) takes a WebSocketConnection, which only @WebSocket "
                        + "handlers are given");
        assertThatThrownBy(() -> Starling.create().include(new MovedSocket()))
                .hasMessageContaining("MovedSocket.chat(...) is a @WebSocket handler, which runs where its return "
                        + "type says");
    }
}
