package dev.starling;

import java.util.concurrent.CompletionStage;

/**
 * Turns an exception of one type into a response on the event loop; it must not block.
 *
 * <pre>{@code
 * app.exceptionHandlerAsync(Throttled.class, (request, e) -> CompletableFuture.completedFuture(
 *         Response.status(429).header("retry-after", "5").body("Slow down.")));
 * }</pre>
 *
 * @param <E> the exception type handled
 */
@FunctionalInterface
public interface AsyncExceptionHandler<E extends Throwable> {

    /** Returns a stage of the response for {@code exception}, encoded like a handler's result. */
    CompletionStage<?> handle(Request request, E exception) throws Exception;
}
