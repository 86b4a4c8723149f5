package dev.starling.testing;

import dev.starling.Request;
import dev.starling.Starling;
import dev.starling.internal.app.App;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client that sends real HTTP/1.1 requests to an app over loopback, for tests, like Starlette's
 * {@code TestClient}.
 *
 * <p>Every request goes through the whole pipeline: the socket, Netty's codec, routing, binding, the event
 * loop or the threadpool, and response encoding. {@link #create(Starling)} starts the app on a free port of
 * {@code 127.0.0.1} unless it is already started, and {@link #close()} stops it.
 *
 * <p>By default a request that ends in {@code 500} because the server hit an unhandled exception throws that
 * exception in the test (Starlette's {@code raise_server_exceptions}): a {@link RuntimeException} or an
 * {@link Error} as it is, a checked exception inside an {@link AssertionError}. Create the client with
 * {@code TestClient.create(app, false)} to receive the {@code 500} response instead.
 *
 * <pre>{@code
 * Starling app = Starling.create();
 * app.get("/items/{id}", request -> Map.of("id", request.pathParam("id").orElseThrow()));
 * try (TestClient client = TestClient.create(app)) {
 *     assertThat(client.get("/items/1").json().get("id").asString()).isEqualTo("1");
 * }
 * }</pre>
 *
 * <p>A client is safe to use from several threads at once; it reuses its connections (keep-alive).
 */
public final class TestClient implements AutoCloseable {

    /** The header that tags each request, so that a server exception can be matched to the request it ended. */
    static final String REQUEST_ID_HEADER = "x-starling-test-request";

    private static final AtomicLong CLIENTS = new AtomicLong();

    private final Starling app;
    private final boolean raiseServerExceptions;
    private final Duration timeout;
    private final JsonMapper json;
    private final HttpClient http;
    private final String baseUri;
    private final String clientId = Long.toString(CLIENTS.incrementAndGet());
    private final AtomicLong requests = new AtomicLong();
    private final Map<String, Throwable> serverErrors = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private TestClient(Builder builder) {
        this.app = builder.app;
        this.raiseServerExceptions = builder.raiseServerExceptions;
        this.timeout = builder.timeout;
        this.json = builder.json;
        if (raiseServerExceptions) {
            if (!(app instanceof App real)) {
                throw new IllegalArgumentException("A TestClient can raise server exceptions only for an app made by "
                        + "Starling.create(...), not for a " + app.getClass().getName() + "; create the client with "
                        + "TestClient.create(app, false) to receive 500 responses instead.");
            }
            real.onUnhandled(this::serverFailed);
        }
        int port;
        try {
            port = app.port();
        } catch (IllegalStateException notStarted) {
            app.start(0);
            port = app.port();
        }
        this.baseUri = "http://127.0.0.1:" + port;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Returns a client for {@code app} that rethrows server exceptions, starting the app on a free port of
     * {@code 127.0.0.1} when it is not started yet.
     */
    public static TestClient create(Starling app) {
        return builder(app).build();
    }

    /**
     * Returns a client for {@code app}, starting it when needed; with {@code raiseServerExceptions} false, a
     * request that fails on the server returns its {@code 500} response instead of throwing.
     */
    public static TestClient create(Starling app, boolean raiseServerExceptions) {
        return builder(app).raiseServerExceptions(raiseServerExceptions).build();
    }

    /** Returns a builder for a client of {@code app}, for settings beyond {@link #create(Starling, boolean)}. */
    public static Builder builder(Starling app) {
        return new Builder(app);
    }

    /** Sends {@code GET path} and returns the response; {@code path} may carry a query string. */
    public TestResponse get(String path) {
        return request("GET", path).send();
    }

    /** Sends {@code HEAD path} and returns the response, which has headers and no body. */
    public TestResponse head(String path) {
        return request("HEAD", path).send();
    }

    /** Sends {@code POST path} without a body; use {@link #request(String, String)} to send one. */
    public TestResponse post(String path) {
        return request("POST", path).send();
    }

    /** Sends {@code PUT path} without a body; use {@link #request(String, String)} to send one. */
    public TestResponse put(String path) {
        return request("PUT", path).send();
    }

    /** Sends {@code PATCH path} without a body; use {@link #request(String, String)} to send one. */
    public TestResponse patch(String path) {
        return request("PATCH", path).send();
    }

    /** Sends {@code DELETE path} and returns the response. */
    public TestResponse delete(String path) {
        return request("DELETE", path).send();
    }

    /** Sends {@code OPTIONS path} and returns the response. */
    public TestResponse options(String path) {
        return request("OPTIONS", path).send();
    }

    /**
     * Starts a request with any method, to add query parameters, headers, cookies or a body before
     * {@link TestRequest#send()}.
     *
     * <pre>{@code
     * client.request("POST", "/items").query("q", "a").header("x-token", "t").json(item).send();
     * }</pre>
     */
    public TestRequest request(String method, String path) {
        checkOpen();
        return new TestRequest(this, method, path);
    }

    /**
     * Opens a WebSocket on {@code path} (which may carry a query string), sending {@code headers} with the
     * upgrade; throws {@link WebSocketRefused} with the status when the server answers the upgrade with an error.
     */
    public TestWebSocket websocket(String path, Map<String, String> headers) {
        checkOpen();
        Objects.requireNonNull(headers, "The headers must not be null.");
        TestWebSocket socket = new TestWebSocket(timeout);
        java.net.http.WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(timeout);
        headers.forEach(builder::header);
        try {
            socket.opened(builder.buildAsync(URI.create(baseUri.replace("http:", "ws:") + path), socket.listener())
                    .get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS));
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException refused) {
                throw new WebSocketRefused(path, refused.getResponse().statusCode());
            }
            throw new AssertionError("The WebSocket " + path + " could not be opened: " + e.getCause(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("The WebSocket " + path + " did not open within " + timeout + ".");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while opening the WebSocket " + path + ".", e);
        }
        return socket;
    }

    /** Opens a WebSocket on {@code path}; see {@link #websocket(String, Map)}. */
    public TestWebSocket websocket(String path) {
        return websocket(path, Map.of());
    }

    /** Thrown when the server answers a WebSocket upgrade with an HTTP error instead of 101. */
    public static final class WebSocketRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;

        WebSocketRefused(String path, int status) {
            super("The server refused the WebSocket " + path + " with " + status + ".");
            this.status = status;
        }

        /** Returns the status the server answered the upgrade with, such as 403. */
        public int status() {
            return status;
        }
    }

    /** Returns the app this client talks to. */
    public Starling app() {
        return app;
    }

    /** Returns the address requests go to, such as {@code http://127.0.0.1:40123}, without a trailing slash. */
    public URI baseUri() {
        return URI.create(baseUri);
    }

    /** Returns whether a request that fails on the server throws the server's exception (the default). */
    public boolean raisesServerExceptions() {
        return raiseServerExceptions;
    }

    /**
     * Stops the app, whether or not this client started it, with the app's configured grace period, and
     * releases the client's connections; calling it again does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            app.stop();
        } finally {
            http.close();
        }
    }

    // ---- for TestRequest ----

    JsonMapper json() {
        return json;
    }

    Duration timeout() {
        return timeout;
    }

    String baseUriText() {
        return baseUri;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This TestClient is closed and has stopped its app; create a new app "
                    + "and a new client with TestClient.create(app).");
        }
    }

    /** Sends a built request and turns the answer into a response, or into the server's exception. */
    TestResponse send(HttpRequest.Builder builder, String method, String target) {
        checkOpen();
        String id = null;
        if (raiseServerExceptions) {
            id = clientId + "-" + requests.incrementAndGet();
            builder.header(REQUEST_ID_HEADER, id);
        }
        HttpRequest request = builder.build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            forget(id);
            throw new UncheckedIOException(method + " " + target + " got no response within " + timeoutText(request)
                    + "; raise the timeout with TestClient.builder(app).timeout(...) or TestRequest.timeout(...) "
                    + "if the handler is slow on purpose.", e);
        } catch (ConnectException e) {
            forget(id);
            throw new UncheckedIOException(method + " " + target + " could not connect to " + baseUri
                    + "; the app is not listening there (was it stopped?).", e);
        } catch (IOException e) {
            forget(id);
            throw new UncheckedIOException(method + " " + target + " failed before a response arrived: " + e + ".", e);
        } catch (InterruptedException e) {
            forget(id);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("The test thread was interrupted while " + method + " " + target
                    + " waited for its response.", e);
        }
        Throwable serverError = id == null ? null : serverErrors.remove(id);
        if (serverError != null && response.statusCode() == 500) {
            throw rethrown(serverError, method, target);
        }
        return new TestResponse(method, target, response.statusCode(), response.headers(), response.body(), json);
    }

    private void forget(String id) {
        if (id != null) {
            serverErrors.remove(id);
        }
    }

    private String timeoutText(HttpRequest request) {
        Duration d = request.timeout().orElse(timeout);
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /**
     * Returns a runtime exception to throw as it is, or throws an error itself: an {@link Error} as it is, a
     * checked exception inside an {@link AssertionError}.
     */
    private static RuntimeException rethrown(Throwable error, String method, String target) {
        if (error instanceof RuntimeException runtime) {
            return runtime;
        }
        if (error instanceof Error fatal) {
            throw fatal;
        }
        throw new AssertionError(method + " " + target + " ended in 500 because the server threw " + error
                + " (the cause of this error).", error);
    }

    /** The app's listener for unhandled exceptions: runs on the event loop before the 500 is written. */
    private void serverFailed(Request request, Throwable error) {
        request.header(REQUEST_ID_HEADER).ifPresent(id -> {
            if (id.startsWith(clientId + "-")) {
                serverErrors.put(id, error);
            }
        });
    }

    /**
     * Settings of a {@link TestClient} beyond the defaults.
     *
     * <pre>{@code
     * TestClient client = TestClient.builder(app).raiseServerExceptions(false).timeout(Duration.ofSeconds(5)).build();
     * }</pre>
     */
    public static final class Builder {

        private final Starling app;
        private boolean raiseServerExceptions = true;
        private Duration timeout = Duration.ofSeconds(30);
        private JsonMapper json;

        private Builder(Starling app) {
            this.app = Objects.requireNonNull(app, "The app must not be null; pass the Starling app to test.");
        }

        /**
         * Sets whether a request that ends in {@code 500} because of an unhandled server exception throws that
         * exception in the test (true, the default) or returns the {@code 500} response (false).
         */
        public Builder raiseServerExceptions(boolean raise) {
            this.raiseServerExceptions = raise;
            return this;
        }

        /** Sets how long a request may wait for its response (and for its connection) before it fails; 30 s by default. */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "The timeout must not be null.");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("The timeout must be positive, not " + timeout + ".");
            }
            this.timeout = timeout;
            return this;
        }

        /** Sets the Jackson mapper that writes JSON request bodies and reads JSON responses; a default one otherwise. */
        public Builder jsonMapper(JsonMapper mapper) {
            this.json = Objects.requireNonNull(mapper, "The JSON mapper must not be null.");
            return this;
        }

        /** Returns the client, starting the app on a free port of {@code 127.0.0.1} when it is not started. */
        public TestClient build() {
            if (json == null) {
                json = JsonMapper.builder().build();
            }
            return new TestClient(this);
        }
    }
}
