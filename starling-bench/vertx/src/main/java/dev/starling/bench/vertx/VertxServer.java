package dev.starling.bench.vertx;

import io.netty.util.Version;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The shared bench workload ({@code shared/bench/WORKLOAD.md}) served by Vert.x 5 and vertx-web.
 *
 * <p>Two instances of an HTTP verticle share one port on 127.0.0.1, one event loop each, as Starling runs one
 * loop per core on the two-core bench machine. Blocking handlers run unordered on the worker pool of 40
 * threads, Starling's 40 tokens. Nothing is logged per request.
 */
public final class VertxServer implements AutoCloseable {

    /** The worker pool size, matching Starling's default of 40 threadpool tokens. */
    public static final int WORKER_POOL_SIZE = 40;

    /** The number of HTTP verticle instances, one per event loop serving the port. */
    public static final int INSTANCES = 2;

    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json";
    private static final String HELLO = "Hello, World!";
    private static final String SLEPT = "slept";

    private final Vertx vertx;
    private final int port;

    private VertxServer(Vertx vertx, int port) {
        this.vertx = vertx;
        this.port = port;
    }

    /**
     * Starts the server on 127.0.0.1 and {@code port} and returns once both verticles listen.
     *
     * <p>Port 0 picks a free port first, because Vert.x gives each instance its own random port for 0 rather
     * than sharing one; the deployment is then the same as for a fixed port.
     */
    public static VertxServer start(int port) {
        VertxOptions options = new VertxOptions()
                .setWorkerPoolSize(WORKER_POOL_SIZE)
                .setPreferNativeTransport(true);
        Vertx vertx = Vertx.vertx(options);
        try {
            int attempts = port == 0 ? 3 : 1;
            for (int i = 1; ; i++) {
                int bound = port == 0 ? freePort() : port;
                try {
                    await(vertx.deployVerticle(() -> new HttpVerticle(bound),
                            new DeploymentOptions().setInstances(INSTANCES)));
                    return new VertxServer(vertx, bound);
                } catch (IllegalStateException e) {
                    if (i >= attempts) {
                        throw e;
                    }
                    // Another process took the free port between the probe and the bind: try another.
                }
            }
        } catch (RuntimeException e) {
            vertx.close();
            throw e;
        }
    }

    private static int freePort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on 127.0.0.1.", e);
        }
    }

    /** Returns the port the server listens on. */
    public int port() {
        return port;
    }

    /** Returns whether Vert.x runs on a native transport (epoll) rather than NIO. */
    public boolean nativeTransport() {
        return vertx.isNativeTransportEnabled();
    }

    /** Stops the server and its Vert.x instance, waiting up to ten seconds. */
    @Override
    public void close() {
        await(vertx.close());
    }

    /** Serves the workload on {@code PORT} (default 8080) until the process is stopped. */
    public static void main(String[] args) {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        VertxServer server = start(port);
        System.out.println("Vert.x " + Vertx.class.getPackage().getImplementationVersion() + " on Netty "
                + Version.identify().get("netty-common").artifactVersion() + " serves the bench workload on"
                + " http://127.0.0.1:" + server.port() + " (" + INSTANCES + " verticles, " + WORKER_POOL_SIZE
                + " workers, " + (server.nativeTransport() ? "epoll" : "NIO") + ")");
    }

    /** Computes endpoint F's answer exactly as the workload defines it (a copy of BenchApp.sha256Rounds). */
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

    /** Builds the router of the six endpoints; blocking handlers are unordered so they use the whole pool. */
    static Router router(Vertx vertx) {
        Router router = Router.router(vertx);
        // A: on the event loop.
        router.get("/hello/async").handler(ctx -> text(ctx, HELLO));
        // B: a blocking handler on the worker pool.
        router.get("/hello/sync").blockingHandler(ctx -> text(ctx, HELLO), false);
        // C: a blocking sleep on a worker.
        router.get("/sleep/sync").blockingHandler(ctx -> {
            Integer ms = intParam(ctx, ctx.request().getParam("ms"), "ms");
            if (ms == null) {
                return;
            }
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ctx.fail(e);
                return;
            }
            text(ctx, SLEPT);
        }, false);
        // D: an event-loop handler that offloads the sleep and answers on the loop.
        router.get("/sleep/offload").handler(ctx -> {
            Integer ms = intParam(ctx, ctx.request().getParam("ms"), "ms");
            if (ms == null) {
                return;
            }
            vertx.executeBlocking(() -> {
                Thread.sleep(ms);
                return SLEPT;
            }, false).onComplete(ar -> {
                if (ar.succeeded()) {
                    text(ctx, ar.result());
                } else {
                    ctx.fail(ar.cause());
                }
            });
        });
        // E: a typed path parameter and a query parameter, answered on the loop.
        router.get("/items/:id").handler(ctx -> {
            Integer id = intParam(ctx, ctx.pathParam("id"), "id");
            if (id == null) {
                return;
            }
            String q = ctx.request().getParam("q");
            if (q == null) {
                badRequest(ctx, "q is required");
                return;
            }
            JsonObject item = new JsonObject()
                    .put("id", id)
                    .put("q", q)
                    .put("tags", new JsonArray().add("a").add("b").add("c"));
            ctx.response().putHeader("content-type", JSON).end(item.encode());
        });
        // F: n rounds of SHA-256 on a worker.
        router.get("/cpu/sync").blockingHandler(ctx -> {
            Integer n = intParam(ctx, ctx.request().getParam("n"), "n");
            if (n != null) {
                text(ctx, sha256Rounds(n));
            }
        }, false);
        return router;
    }

    private static void text(RoutingContext ctx, String body) {
        ctx.response().putHeader("content-type", TEXT).end(body);
    }

    private static void badRequest(RoutingContext ctx, String message) {
        ctx.response().setStatusCode(400).putHeader("content-type", TEXT).end(message);
    }

    /** Returns {@code value} as an int, or answers 400 and returns null when it is missing or not an int. */
    private static Integer intParam(RoutingContext ctx, String value, String name) {
        if (value == null) {
            badRequest(ctx, name + " is required");
            return null;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            badRequest(ctx, name + " is not an int");
            return null;
        }
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Vert.x.", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Vert.x failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Vert.x did not answer within ten seconds.", e);
        }
    }

    /** One HTTP server on the shared port with the workload's router, on its own event loop. */
    static final class HttpVerticle extends VerticleBase {

        private final int port;

        HttpVerticle(int port) {
            this.port = port;
        }

        @Override
        public Future<?> start() {
            HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(port);
            HttpServer server = vertx.createHttpServer(options).requestHandler(router(vertx));
            return server.listen();
        }
    }
}
