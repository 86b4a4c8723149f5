package dev.starling;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Code around every request that runs on the event loop and must not block; see {@link Middleware} for the
 * order. The built-in CORS, trusted-host and request-id middleware are of this kind.
 *
 * <pre>{@code
 * app.middlewareAsync(new AsyncMiddleware() {
 *     public CompletionStage<Void> after(Request request, ResponseHead response) {
 *         response.header("x-app", "demo");
 *         return AsyncMiddleware.done();
 *     }
 * });
 * }</pre>
 */
public interface AsyncMiddleware {

    /** Runs before routing; completes with a response to answer at once, or empty to go on. */
    default CompletionStage<Optional<Object>> before(Request request) {
        return CompletableFuture.completedFuture(Optional.empty());
    }

    /** Runs once the response is made, before it is sent; may change its status and headers. */
    default CompletionStage<Void> after(Request request, ResponseHead response) {
        return done();
    }

    /** Returns a completed stage, for {@link #after} implementations that finish at once. */
    static CompletionStage<Void> done() {
        return CompletableFuture.completedFuture(null);
    }
}
