package dev.starling.internal.pipeline;

import dev.starling.AsyncExceptionHandler;
import dev.starling.ExceptionHandler;
import dev.starling.Request;
import dev.starling.internal.concurrent.Context;
import dev.starling.internal.concurrent.WorkerPool;
import dev.starling.internal.http.Exchange;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * The app's exception handlers by type, FastAPI's {@code exception_handlers}: the most specific registered
 * type answers. Blocking handlers are wrapped once, when added, into the asynchronous shape, offloaded.
 * Also tells listeners of every failure that no handler answered.
 */
final class ExceptionHandlers {

    private final Map<Class<?>, AsyncExceptionHandler<Throwable>> byType = new ConcurrentHashMap<>();
    private final List<BiConsumer<Request, Throwable>> unhandledListeners = new CopyOnWriteArrayList<>();
    private final WorkerPool pool;

    ExceptionHandlers(WorkerPool pool) {
        this.pool = pool;
    }

    /** Adds a handler that runs on the loop; one type has one handler. */
    @SuppressWarnings("unchecked")
    void addAsync(Class<?> type, AsyncExceptionHandler<?> handler) {
        if (byType.putIfAbsent(type, (AsyncExceptionHandler<Throwable>) handler) != null) {
            throw new IllegalArgumentException("An exception handler for " + type.getName()
                    + " is already registered; one type has one handler.");
        }
    }

    /** Adds a handler that runs on the pool; one type has one handler. */
    @SuppressWarnings("unchecked")
    void addBlocking(Class<?> type, ExceptionHandler<?> handler) {
        ExceptionHandler<Throwable> blocking = (ExceptionHandler<Throwable>) handler;
        addAsync(type, (AsyncExceptionHandler<Throwable>) (request, error) ->
                pool.submitInternal(() -> blocking.handle(request, error), pool));
    }

    /** Registers a listener told of every exception that ended a request with 500; called on the loop. */
    void onUnhandled(BiConsumer<Request, Throwable> listener) {
        unhandledListeners.add(listener);
    }

    /** Lets the handler of {@code error}'s type answer; returns false when there is none. */
    boolean recover(Exchange exchange, Throwable error) {
        if (byType.isEmpty()) {
            return false;
        }
        AsyncExceptionHandler<Throwable> found = null;
        // The most specific registered type wins: walk up from the exception's own class.
        for (Class<?> c = error.getClass(); c != null && found == null; c = c.getSuperclass()) {
            found = byType.get(c);
        }
        if (found == null) {
            return false;
        }
        Context previous = RequestContext.enter(exchange);
        try {
            exchange.respond(found.handle(exchange, error));
        } catch (Throwable t) {
            exchange.fail(t);
        } finally {
            RequestContext.leave(previous);
        }
        return true;
    }

    /** Tells the listeners that {@code error} ended {@code exchange} with 500. */
    void unhandled(Exchange exchange, Throwable error) {
        for (BiConsumer<Request, Throwable> listener : unhandledListeners) {
            listener.accept(exchange, error);
        }
    }
}
