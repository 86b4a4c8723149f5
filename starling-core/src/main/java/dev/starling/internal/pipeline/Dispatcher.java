package dev.starling.internal.pipeline;

import dev.starling.AppState;
import dev.starling.internal.concurrent.Context;
import dev.starling.internal.concurrent.WorkerPool;
import dev.starling.internal.http.Exchange;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Runs a matched route where its registration fixed: binds its parameters, resolves its dependencies, then
 * calls the handler on the loop or offloads it to its pool, and hands the result to the exchange.
 */
final class Dispatcher {

    /** Bodies larger than this are bound on the worker of an offloaded handler instead of on the loop. */
    static final int BIND_ON_LOOP_MAX = 64 * 1024;

    private final WorkerPool defaultPool;
    private final AppState appState;
    /** The app-wide time limit of a request in nanoseconds; 0 for none. */
    private final long requestTimeoutNanos;
    private final int maxPartMemory;
    private final WebSockets sockets;
    private final Overrides overrides;

    Dispatcher(WorkerPool defaultPool, AppState appState, long requestTimeoutNanos, int maxPartMemory,
               Overrides overrides) {
        this.overrides = overrides;
        this.sockets = new WebSockets(defaultPool, appState, overrides);
        this.defaultPool = defaultPool;
        this.appState = appState;
        this.requestTimeoutNanos = requestTimeoutNanos;
        this.maxPartMemory = maxPartMemory;
    }

    /** Runs {@code route} for {@code exchange}, whose path it matched; on the request's loop. */
    void run(Route route, Exchange exchange) {
        if (route.webSocket()) {
            sockets.run(route, exchange);   // no time limit: a socket lives as long as its handler
            return;
        }
        long limit = route.timeoutNanos() > 0 ? route.timeoutNanos() : requestTimeoutNanos;
        if (limit > 0) {
            exchange.deadline(limit);
        }
        Context previous = RequestContext.enterRoute(exchange, route.name());
        try {
            if (route.binder().decodesOffLoop(exchange)) {
                decodeFormOffLoop(route, exchange);
                return;
            }
            if (!route.onLoop() && route.injection().isEmpty() && exchange.bodyLength() > BIND_ON_LOOP_MAX) {
                // Decoding a large body (a megabyte of JSON takes milliseconds) would hold the loop.
                offload(route, exchange, () -> call(route, exchange, route.binder().bind(exchange)));
                return;
            }
            Object[] args = route.binder().bind(exchange);
            if (!route.injection().isEmpty()) {
                // Dependencies first (some offloaded), then the handler, back on this loop.
                Resolution resolution = new Resolution(exchange, defaultPool, appState, overrides);
                resolution.fill(route.injection(), args).whenComplete((filled, error) -> {
                    if (error != null) {
                        exchange.fail(error);
                    } else {
                        invokeInContext(route, exchange, filled, resolution);
                    }
                });
                return;
            }
            invoke(route, exchange, args, null);
        } catch (Throwable t) {
            exchange.fail(t);
        } finally {
            RequestContext.leaveRoute(previous);
        }
    }

    /**
     * Decodes a multipart body on a worker of the default pool, since large parts are spooled to disk, then
     * runs the route again on this loop, where binding now finds the form decoded (see Binder#decodesOffLoop).
     */
    private void decodeFormOffLoop(Route route, Exchange exchange) {
        defaultPool.submitInternal(() -> exchange.formData(maxPartMemory), defaultPool).whenComplete((form, error) -> {
            if (error != null) {
                exchange.fail(error);
            } else {
                run(route, exchange);
            }
        });
    }

    /** Runs the handler once its dependencies are resolved, in the request's context; on the request's loop. */
    private void invokeInContext(Route route, Exchange exchange, Object[] args, Resolution resolution) {
        Context previous = RequestContext.enterRoute(exchange, route.name());
        try {
            invoke(route, exchange, args, resolution);
        } finally {
            RequestContext.leaveRoute(previous);
        }
    }

    /**
     * Runs the handler where its route says; the caller has entered the request's context. When dependencies
     * close as the handler returns ({@code Provides.Scope.HANDLER}), the answer waits for them.
     */
    private void invoke(Route route, Exchange exchange, Object[] args, Resolution resolution) {
        boolean closeFirst = resolution != null && resolution.closesWhenHandlerReturns();
        try {
            if (route.onLoop()) {
                Object result = route.invoker().invoke(exchange, args);
                if (!closeFirst) {
                    exchange.respond(result);
                } else if (result instanceof CompletionStage<?> stage) {
                    exchange.onLoop(stage).whenComplete((value, error) -> answerAfterClosing(exchange, resolution,
                            value, error));
                } else {
                    answerAfterClosing(exchange, resolution, result, null);
                }
            } else if (!closeFirst) {
                offload(route, exchange, () -> call(route, exchange, args));
            } else {
                route.pool().submitForRequest(() -> call(route, exchange, args), defaultPool, Exchange::discardResult)
                        .whenComplete((value, error) -> answerAfterClosing(exchange, resolution, value, error));
            }
        } catch (Throwable t) {
            if (closeFirst) {
                answerAfterClosing(exchange, resolution, null, t);
            } else {
                exchange.fail(t);
            }
        }
    }

    /** Closes the handler-scoped dependencies, told the outcome, then answers; a failing close answers instead. */
    private static void answerAfterClosing(Exchange exchange, Resolution resolution, Object value, Throwable error) {
        Throwable failure = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        resolution.handlerReturned(failure).whenComplete((closed, closeError) -> {
            if (closeError != null) {
                Exchange.discardResult(value);
                exchange.fail(closeError);
            } else if (failure != null) {
                exchange.fail(failure);
            } else {
                exchange.respond(value);
            }
        });
    }

    /**
     * Runs {@code work} on the route's pool; the exchange answers with the task's outcome, back on the request's
     * loop, as with any stage a handler returns.
     */
    private void offload(Route route, Exchange exchange, Callable<Object> work) {
        exchange.respond(route.pool().submitForRequest(work, defaultPool, Exchange::discardResult));
    }

    /** Calls the handler on the current thread, with only checked exceptions and errors escaping as they are. */
    static Object call(Route route, Exchange exchange, Object[] args) throws Exception {
        try {
            return route.invoker().invoke(exchange, args);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
