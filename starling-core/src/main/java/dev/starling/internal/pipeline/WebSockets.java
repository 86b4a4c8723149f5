package dev.starling.internal.pipeline;

import dev.starling.AppState;
import dev.starling.HttpException;
import dev.starling.WebSocketConnection;
import dev.starling.internal.concurrent.Context;
import dev.starling.internal.concurrent.WorkerPool;
import dev.starling.internal.http.Exchange;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;

/**
 * Runs a matched WebSocket route: checks the upgrade, binds the parameters and resolves the dependencies as for
 * any route (a failure is answered as HTTP, before the upgrade), answers 101, then starts the handler where its
 * route says: an async handler on the loop, a blocking one on a virtual thread of its own, outside every
 * threadpool's limiter, so that waiting for messages holds no token. The exchange is over when the handler ends.
 */
final class WebSockets {

    private final WorkerPool defaultPool;
    private final AppState appState;
    /** One virtual thread per blocking handler; sockets are bounded by the connection limit, not by tokens. */
    private final WorkerPool threads = WorkerPool.wrap("websocket",
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("starling-ws-", 1).factory()), null);

    private final Overrides overrides;

    WebSockets(WorkerPool defaultPool, AppState appState, Overrides overrides) {
        this.overrides = overrides;
        this.defaultPool = defaultPool;
        this.appState = appState;
    }

    /** Opens the socket of {@code route} for {@code exchange}, or answers why not; on the request's loop. */
    void run(Route route, Exchange exchange) {
        Optional<HttpException> refusal = exchange.webSocketRefusal();
        if (refusal.isPresent()) {
            exchange.fail(refusal.get());
            return;
        }
        Context previous = RequestContext.enterRoute(exchange, route.name());
        try {
            Object[] args = route.binder().bind(exchange);
            if (route.injection().isEmpty()) {
                open(route, exchange, args);
                return;
            }
            new Resolution(exchange, defaultPool, appState, overrides).fill(route.injection(), args)
                    .whenComplete((filled, error) -> {
                        if (error != null) {
                            exchange.fail(error);
                        } else {
                            open(route, exchange, filled);
                        }
                    });
        } catch (Throwable t) {
            exchange.fail(t);
        } finally {
            RequestContext.leaveRoute(previous);
        }
    }

    private void open(Route route, Exchange exchange, Object[] args) {
        // Asked again: shutdown may have begun, or requests been pipelined, while the dependencies resolved.
        Optional<HttpException> refusal = exchange.webSocketRefusal();
        if (refusal.isPresent()) {
            exchange.fail(refusal.get());
            return;
        }
        Optional<CompletionStage<WebSocketConnection>> accepted = exchange.acceptWebSocket();
        accepted.ifPresent(stage -> stage.whenComplete((socket, error) -> {
            if (error != null) {
                exchange.webSocketEnded(null);   // the client went away before the 101 was out
            } else if (route.onLoop()) {
                onLoop(route, exchange, args);
            } else {
                // Submitted outside the request's scope, so that the socket's close, which cancels the request's
                // offloaded work, does not cancel the handler itself: it learns of the close from receive().
                Context previous = Context.set(Context.EMPTY);
                try {
                    threads.submitInternal(() -> blocking(route, exchange, args), defaultPool)
                            .whenComplete((ignored, failure) -> exchange.webSocketEnded(failure));
                } finally {
                    Context.set(previous);
                }
            }
        }));
    }

    private static void onLoop(Route route, Exchange exchange, Object[] args) {
        Context previous = RequestContext.enterRoute(exchange, route.name());
        try {
            Object result = route.invoker().invoke(exchange, args);
            if (result instanceof CompletionStage<?> stage) {
                stage.whenComplete((value, error) -> exchange.webSocketEnded(error));
                // A stage that never completes must not keep a closed socket's request in flight.
                exchange.webSocket().closed().whenComplete((how, error) -> exchange.webSocketEnded(null));
            } else {
                exchange.webSocketEnded(new IllegalStateException(route.name() + " returned null instead of a "
                        + "CompletionStage; return socket.closed() to keep the socket open until it closes."));
            }
        } catch (Throwable t) {
            exchange.webSocketEnded(t);
        } finally {
            RequestContext.leaveRoute(previous);
        }
    }

    private static Object blocking(Route route, Exchange exchange, Object[] args) throws Exception {
        // In the request's scope: work the handler offloads is cancelled when the socket closes.
        Context previous = RequestContext.enter(exchange);
        try {
            return Dispatcher.call(route, exchange, args);
        } finally {
            RequestContext.leave(previous);
        }
    }
}
