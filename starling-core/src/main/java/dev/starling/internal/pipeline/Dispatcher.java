package dev.starling.internal.pipeline;

import dev.starling.AppState;
import dev.starling.internal.concurrent.Context;
import dev.starling.internal.concurrent.WorkerPool;
import dev.starling.internal.http.Exchange;
import java.util.concurrent.Callable;

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

    Dispatcher(WorkerPool defaultPool, AppState appState, long requestTimeoutNanos, int maxPartMemory) {
        this.sockets = new WebSockets(defaultPool, appState);
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
                new Resolution(exchange, defaultPool, appState).fill(route.injection(), args)
                        .whenComplete((filled, error) -> {
                            if (error != null) {
                                exchange.fail(error);
                            } else {
                                invokeInContext(route, exchange, filled);
                            }
                        });
                return;
            }
            invoke(route, exchange, args);
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
    private void invokeInContext(Route route, Exchange exchange, Object[] args) {
        Context previous = RequestContext.enterRoute(exchange, route.name());
        try {
            invoke(route, exchange, args);
        } finally {
            RequestContext.leaveRoute(previous);
        }
    }

    /** Runs the handler where its route says; the caller has entered the request's context. */
    private void invoke(Route route, Exchange exchange, Object[] args) {
        try {
            if (route.onLoop()) {
                exchange.respond(route.invoker().invoke(exchange, args));
            } else {
                offload(route, exchange, () -> call(route, exchange, args));
            }
        } catch (Throwable t) {
            exchange.fail(t);
        }
    }

    /**
     * Runs {@code work} on the route's pool; the exchange answers with the task's outcome, back on the request's
     * loop, as with any stage a handler returns.
     */
    private void offload(Route route, Exchange exchange, Callable<Object> work) {
        exchange.respond(route.pool().submitForRequest(work, defaultPool, Exchange::discardResult));
    }

    private static Object call(Route route, Exchange exchange, Object[] args) throws Exception {
        try {
            return route.invoker().invoke(exchange, args);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
