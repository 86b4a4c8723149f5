package dev.starling.middleware;

import dev.starling.AsyncMiddleware;
import dev.starling.HttpException;
import dev.starling.Request;
import dev.starling.Response;
import dev.starling.ResponseHead;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * Cross-origin resource sharing, Starlette's {@code CORSMiddleware}: answers preflight requests and adds the
 * {@code Access-Control-*} headers to responses for allowed origins. Runs on the event loop.
 *
 * <pre>{@code
 * app.middlewareAsync(Cors.builder().allowOrigins("https://example.com").allowMethods("GET", "POST").build());
 * }</pre>
 */
public final class Cors implements AsyncMiddleware {

    private final Set<String> origins;
    private final boolean anyOrigin;
    private final Set<String> methods;
    private final Set<String> headers;
    private final boolean anyHeader;
    private final String exposed;
    private final boolean credentials;
    private final Duration maxAge;

    private Cors(Builder b) {
        this.origins = Set.copyOf(b.origins);
        this.anyOrigin = b.origins.contains("*");
        this.methods = b.methods.stream().map(m -> m.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.headers = b.headers.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.anyHeader = b.headers.contains("*");
        this.exposed = String.join(", ", b.exposed);
        this.credentials = b.credentials;
        this.maxAge = b.maxAge;
    }

    /** Returns a builder that allows no origin, the {@code GET} method and no extra header until told. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletionStage<Optional<Object>> before(Request request) {
        Optional<String> origin = request.header("origin");
        Optional<String> wanted = request.header("access-control-request-method");
        if (!request.method().equals("OPTIONS") || origin.isEmpty() || wanted.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        if (!allowed(origin.get())) {
            return CompletableFuture.failedFuture(new HttpException(400, "The origin " + origin.get()
                    + " may not make cross-origin requests here."));
        }
        if (!methods.contains(wanted.get().toUpperCase(Locale.ROOT))) {
            return CompletableFuture.failedFuture(new HttpException(400, "Cross-origin " + wanted.get()
                    + " requests are not allowed here."));
        }
        String requestedHeaders = request.header("access-control-request-headers").orElse("");
        if (!anyHeader) {
            for (String h : requestedHeaders.split(",")) {
                String name = h.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !headers.contains(name)) {
                    return CompletableFuture.failedFuture(new HttpException(400, "The header " + name
                            + " is not allowed in cross-origin requests here."));
                }
            }
        }
        Response preflight = Response.status(200)
                .header("access-control-allow-origin", anyOrigin && !credentials ? "*" : origin.get())
                .header("access-control-allow-methods", String.join(", ", methods))
                .header("access-control-max-age", String.valueOf(maxAge.toSeconds()))
                .header("vary", "Origin")
                .body("OK");
        if (!requestedHeaders.isBlank()) {
            preflight = preflight.header("access-control-allow-headers", requestedHeaders);
        }
        if (credentials) {
            preflight = preflight.header("access-control-allow-credentials", "true");
        }
        return CompletableFuture.completedFuture(Optional.of(preflight));
    }

    @Override
    public CompletionStage<Void> after(Request request, ResponseHead response) {
        Optional<String> origin = request.header("origin");
        if (origin.isPresent() && allowed(origin.get())
                && response.header("access-control-allow-origin").isEmpty()) {
            if (anyOrigin && !credentials) {
                response.header("access-control-allow-origin", "*");
            } else {
                response.header("access-control-allow-origin", origin.get());
                response.addHeader("vary", "Origin");
            }
            if (credentials) {
                response.header("access-control-allow-credentials", "true");
            }
            if (!exposed.isEmpty()) {
                response.header("access-control-expose-headers", exposed);
            }
        }
        return AsyncMiddleware.done();
    }

    private boolean allowed(String origin) {
        return anyOrigin || origins.contains(origin);
    }

    /** Collects the CORS policy. */
    public static final class Builder {
        private List<String> origins = List.of();
        private List<String> methods = List.of("GET");
        private List<String> headers = List.of();
        private List<String> exposed = List.of();
        private boolean credentials;
        private Duration maxAge = Duration.ofMinutes(10);

        private Builder() {
        }

        /** Sets the origins allowed, such as {@code https://example.com}; {@code "*"} allows every origin. */
        public Builder allowOrigins(String... origins) {
            this.origins = Arrays.asList(origins);
            return this;
        }

        /** Sets the methods allowed in cross-origin requests (default {@code GET}). */
        public Builder allowMethods(String... methods) {
            this.methods = Arrays.asList(methods);
            return this;
        }

        /** Sets the request headers allowed beyond the always-allowed simple ones; {@code "*"} allows any. */
        public Builder allowHeaders(String... headers) {
            this.headers = Arrays.asList(headers);
            return this;
        }

        /** Sets the response headers a browser may show to the calling script. */
        public Builder exposeHeaders(String... headers) {
            this.exposed = Arrays.asList(headers);
            return this;
        }

        /** Allows cookies and credentials in cross-origin requests. */
        public Builder allowCredentials(boolean credentials) {
            this.credentials = credentials;
            return this;
        }

        /** Sets how long browsers may cache a preflight answer (default 10 minutes). */
        public Builder maxAge(Duration maxAge) {
            this.maxAge = maxAge;
            return this;
        }

        /** Returns the middleware. */
        public Cors build() {
            return new Cors(this);
        }
    }
}
