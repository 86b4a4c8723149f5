package dev.starling;

import java.util.concurrent.CompletionStage;

/**
 * A handler that runs on the event loop and returns at once with a stage of its result; it must never block.
 *
 * <pre>{@code
 * app.getAsync("/cached", request -> cache.get(request.query("key").orElse("")));
 * }</pre>
 */
@FunctionalInterface
public interface AsyncHandler {

    /** Handles one request on the event loop; the stage's value is encoded like a {@link Handler}'s result. */
    CompletionStage<?> handle(Request request) throws Exception;
}
