package dev.starling.bench.helidon;

import io.helidon.common.Version;
import io.helidon.common.parameters.Parameters;
import io.helidon.http.BadRequestException;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The shared bench workload ({@code shared/bench/WORKLOAD.md}) served by Helidon SE 4's web server.
 *
 * <p>Helidon SE 4 has no event loop: it reads each connection on a virtual thread of its own and runs the
 * handlers of its requests there, so every handler is plain blocking code and the server's defaults (no cap
 * on concurrent requests) are kept. Nothing is logged per request, and Helidon logs only at WARNING and
 * above ({@code logging.properties}).
 */
public final class HelidonServer implements AutoCloseable {

    private static final Header TEXT = HeaderValues.createCached(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    private static final String HELLO = "Hello, World!";
    private static final String SLEPT = "slept";
    private static final List<String> TAGS = List.of("a", "b", "c");

    private final WebServer server;

    private HelidonServer(WebServer server) {
        this.server = server;
    }

    /** Starts the server on 127.0.0.1 and {@code port} (0 for a free one) and returns once it listens. */
    public static HelidonServer start(int port) {
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .routing(HelidonServer::routing)
                .build()
                .start();
        return new HelidonServer(server);
    }

    /** Returns the port the server listens on. */
    public int port() {
        return server.port();
    }

    /** Stops the server, letting requests in progress finish. */
    @Override
    public void close() {
        server.stop();
    }

    /** Serves the workload on {@code PORT} (default 8080) until the process is stopped. */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HelidonServer server = start(port);
        System.out.println("Helidon SE " + Version.VERSION + " serves the bench workload on http://127.0.0.1:"
                + server.port() + " (a virtual thread per connection, every handler on it)");
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

    /** Endpoint E's body, written to JSON by Helidon's Jackson media support. */
    public record Item(int id, String q, List<String> tags) {
    }

    /**
     * Adds the six endpoints; each handler runs on the virtual thread of its connection, so A and B are the
     * same code, and so are C and D: there is no loop to keep free and nothing to offload to.
     */
    static void routing(HttpRouting.Builder routing) {
        routing.get("/hello/async", (req, res) -> text(res, HELLO))
                .get("/hello/sync", (req, res) -> text(res, HELLO))
                .get("/sleep/sync", (req, res) -> {
                    Thread.sleep(intParam(req.query(), "ms"));
                    text(res, SLEPT);
                })
                .get("/sleep/offload", (req, res) -> {
                    Thread.sleep(intParam(req.query(), "ms"));
                    text(res, SLEPT);
                })
                .get("/items/{id}", (req, res) -> {
                    int id = intParam(req.path().pathParameters(), "id");
                    String q = req.query().first("q")
                            .orElseThrow(() -> new BadRequestException("q is required"));
                    res.send(new Item(id, q, TAGS));
                })
                .get("/cpu/sync", (req, res) -> text(res, sha256Rounds(intParam(req.query(), "n"))));
    }

    private static void text(ServerResponse res, String body) {
        res.header(TEXT).send(body);
    }

    /** Returns parameter {@code name} as an int; Helidon answers 400 when it is missing or not an int. */
    private static int intParam(Parameters parameters, String name) {
        String value = parameters.first(name).orElseThrow(() -> new BadRequestException(name + " is required"));
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new BadRequestException(name + " is not an int");
        }
    }
}
