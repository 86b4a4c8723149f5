package dev.starling.examples.bench;

import dev.starling.Get;
import dev.starling.Starling;
import dev.starling.Tls;
import dev.starling.WebSocket;
import dev.starling.WebSocketConnection;
import dev.starling.concurrent.Concurrency;
import dev.starling.concurrent.Threadpool;
import dev.starling.params.Query;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The six endpoints of the shared bench workload ({@code shared/bench/WORKLOAD.md}), on {@code PORT}
 * (default 8080), and a WebSocket echo on each path ({@code /ws/echo} blocking, {@code /ws/echo-async} async).
 */
public final class BenchApp {

    /** The body of endpoint E. */
    public record Item(int id, String q, List<String> tags) {
    }

    /** The workload's endpoints; the return type decides where each runs. */
    public static final class Endpoints {

        private static final CompletionStage<String> HELLO = CompletableFuture.completedFuture("Hello, World!");
        private static final List<String> TAGS = List.of("a", "b", "c");

        /** A: on the event loop. */
        @Get("/hello/async")
        public CompletionStage<String> helloAsync() {
            return HELLO;
        }

        /** B: a plain handler, offloaded to the default threadpool. */
        @Get("/hello/sync")
        public String helloSync() {
            return "Hello, World!";
        }

        /** C: a blocking sleep on a worker. */
        @Get("/sleep/sync")
        public String sleepSync(@Query int ms) throws InterruptedException {
            Thread.sleep(ms);
            return "slept";
        }

        /** D: an async handler that offloads the sleep explicitly. */
        @Get("/sleep/offload")
        public CompletionStage<String> sleepOffload(@Query int ms) {
            return Concurrency.runInThreadpool(() -> {
                Thread.sleep(ms);
                return "slept";
            });
        }

        /** E: typed path parameter and query parameter, answered on the loop. */
        @Get("/items/{id}")
        public CompletionStage<Item> item(int id, @Query String q) {
            return CompletableFuture.completedFuture(new Item(id, q, TAGS));
        }

        /** WebSocket echo, blocking: each socket's handler on a virtual thread of its own. */
        @WebSocket("/ws/echo")
        public void echo(WebSocketConnection socket) {
            while (true) {
                WebSocketConnection.Message m = socket.receive();
                if (m.isText()) {
                    socket.send(m.text());
                } else {
                    socket.send(m.bytes());
                }
            }
        }

        /** WebSocket echo, async: every socket's messages on its event loop. */
        @WebSocket("/ws/echo-async")
        public CompletionStage<WebSocketConnection.Close> echoAsync(WebSocketConnection socket) {
            socket.onMessage(m -> {
                if (m.isText()) {
                    socket.sendAsync(m.text());
                } else {
                    socket.sendAsync(m.bytes());
                }
            });
            return socket.closed();
        }

        /** F: {@code n} rounds of SHA-256 on a worker. */
        @Get("/cpu/sync")
        public String cpu(@Query int n) {
            return sha256Rounds(n);
        }
    }

    private BenchApp() {
    }

    /** Computes endpoint F's answer exactly as the workload defines it. */
    public static String sha256Rounds(int n) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64];
            for (int i = 0; i < 64; i++) {
                buf[i] = (byte) i;
            }
            byte[] d = null;
            for (int i = 0; i < Math.max(n, 1); i++) {
                d = sha.digest(buf);
                System.arraycopy(d, 0, buf, 0, 32);
            }
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256.", e);
        }
    }

    /** Returns the bench app with its routes, not yet started. */
    public static Starling create(int port) {
        return create(port, Threadpool.create());
    }

    /** Returns the bench app with {@code pool} as its default threadpool, not yet started. */
    public static Starling create(int port, Threadpool pool) {
        return create(port, pool, true);
    }

    /** Returns the bench app with {@code pool} as its default threadpool and the watchdog on or off. */
    public static Starling create(int port, Threadpool pool, boolean watchdog) {
        return create(port, pool, watchdog, Optional.empty());
    }

    /** Returns the bench app as {@link #create(int, Threadpool, boolean)} does, serving HTTPS with {@code tls}. */
    public static Starling create(int port, Threadpool pool, boolean watchdog, Optional<Tls> tls) {
        return create(port, pool, watchdog, tls, 0);
    }

    /**
     * Returns the bench app with {@code extraRoutes} more routes ({@code GET /extra-N/{id}}) registered before the
     * workload's, so that E's {@code /items/{id}} is the last of that many templates of its shape.
     */
    public static Starling create(int port, Threadpool pool, boolean watchdog, Optional<Tls> tls, int extraRoutes) {
        Starling app = Starling.create(c -> {
            c.port(port).threadpool(pool).watchdog(watchdog);
            tls.ifPresent(c::tls);
        });
        for (int i = 0; i < extraRoutes; i++) {
            app.getAsync("/extra-" + i + "/{id}", request -> CompletableFuture.completedFuture("extra"));
        }
        app.include(new Endpoints());
        return app;
    }

    /**
     * Serves the workload on {@code PORT} (default 8080) until the process is stopped; {@code POOL=virtual}
     * makes the default threadpool a virtual thread per task, with {@code TOKENS} tokens (default 40 for
     * platform threads, 1000 for virtual ones); {@code WATCHDOG=off} turns the blocked-loop watchdog off, to
     * measure what it costs; {@code TLS=1} serves HTTPS with a self-signed certificate made at start (h2 by ALPN
     * beside HTTP/1.1). {@code H2C=1} names what clear text always does: HTTP/1.1 and h2c (by prior knowledge or
     * {@code Upgrade: h2c}) on the one port; it changes nothing, and is refused beside {@code TLS=1}.
     * {@code ROUTES=N} registers N more routes of E's shape before the workload's (routing cost by route count).
     */
    public static void main(String[] args) {
        String port = System.getenv().getOrDefault("PORT", "8080");
        boolean virtual = "virtual".equals(System.getenv().getOrDefault("POOL", "platform"));
        int tokens = Integer.parseInt(System.getenv().getOrDefault("TOKENS", virtual ? "1000" : "40"));
        boolean watchdog = !"off".equals(System.getenv().getOrDefault("WATCHDOG", "on"));
        boolean tls = "1".equals(System.getenv().getOrDefault("TLS", "0"));
        if (tls && "1".equals(System.getenv().getOrDefault("H2C", "0"))) {
            throw new IllegalArgumentException("H2C=1 is HTTP/2 over clear text and TLS=1 serves HTTPS: choose one "
                    + "(HTTPS speaks h2 by ALPN).");
        }
        int extraRoutes = Integer.parseInt(System.getenv().getOrDefault("ROUTES", "0"));
        create(Integer.parseInt(port), virtual ? Threadpool.virtual(tokens) : Threadpool.platform(tokens), watchdog,
                tls ? Optional.of(Tls.selfSigned()) : Optional.empty(), extraRoutes).run();
    }
}
