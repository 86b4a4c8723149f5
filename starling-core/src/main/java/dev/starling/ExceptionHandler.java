package dev.starling;

/**
 * Turns an exception of one type into a response, FastAPI's exception handlers; it runs on the threadpool.
 *
 * <pre>{@code
 * app.exceptionHandler(ItemMissing.class, (request, e) -> Response.status(404).body(Map.of("missing", e.id())));
 * }</pre>
 *
 * @param <E> the exception type handled
 */
@FunctionalInterface
public interface ExceptionHandler<E extends Throwable> {

    /** Returns the response for {@code exception}, encoded like a handler's result. */
    Object handle(Request request, E exception) throws Exception;
}
