package dev.starling;

import java.util.Optional;

/**
 * Code around every request, FastAPI's middleware, written in blocking style: each phase runs on the
 * threadpool, and no token is held while the request itself runs, so middleware can never starve handlers.
 * Middleware runs in the order it was added before routing, and in reverse order once the response is made.
 *
 * <pre>{@code
 * app.middleware(new Middleware() {
 *     public void after(Request request, ResponseHead response) { response.header("x-app", "demo"); }
 * });
 * }</pre>
 */
public interface Middleware {

    /**
     * Runs before routing; returns a response (anything a handler may return) to answer at once, without
     * routing or the middleware after this one, or empty to go on.
     */
    default Optional<Object> before(Request request) throws Exception {
        return Optional.empty();
    }

    /** Runs once the response is made (by a handler, an error, or a middleware's before), before it is sent. */
    default void after(Request request, ResponseHead response) throws Exception {
    }
}
