package dev.starling.internal.pipeline;

import dev.starling.AsyncMiddleware;
import dev.starling.Middleware;
import dev.starling.Request;
import dev.starling.ResponseHead;
import dev.starling.internal.concurrent.Context;
import dev.starling.internal.concurrent.WorkerPool;
import dev.starling.internal.http.Exchange;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The app's middleware, both phases: before routing in the order added (the first that answers ends the
 * request there), and after the response is made in reverse order. Blocking middleware is wrapped once, when
 * added, into the asynchronous shape with each phase offloaded, so the request path treats all alike.
 */
final class MiddlewareChain {

    private final List<AsyncMiddleware> all = new CopyOnWriteArrayList<>();
    private final WorkerPool pool;

    MiddlewareChain(WorkerPool pool) {
        this.pool = pool;
    }

    /** Adds middleware whose phases run on the loop. */
    void add(AsyncMiddleware middleware) {
        all.add(middleware);
    }

    /** Adds middleware whose phases run on the pool; no token is held while the request itself runs. */
    void add(Middleware middleware) {
        all.add(new AsyncMiddleware() {
            @Override
            public CompletionStage<Optional<Object>> before(Request request) {
                return pool.submitInternal(() -> middleware.before(request), pool);
            }

            @Override
            public CompletionStage<Void> after(Request request, ResponseHead response) {
                // The response is already made: its after-phase waits for a token rather than being refused.
                return pool.submitPromised(() -> {
                    middleware.after(request, response);
                    return null;
                }, pool).thenApply(x -> (Void) null);
            }
        });
    }

    boolean isEmpty() {
        return all.isEmpty();
    }

    /** Runs the before phase from the first middleware on; {@code next} goes on when none answered. */
    void before(Exchange exchange, Consumer<Exchange> next) {
        before(exchange, 0, next);
    }

    private void before(Exchange exchange, int i, Consumer<Exchange> next) {
        if (i == all.size()) {
            next.accept(exchange);
            return;
        }
        AsyncMiddleware m = all.get(i);
        Context previous = RequestContext.enter(exchange);
        CompletionStage<Optional<Object>> stage;
        try {
            stage = m.before(exchange);
        } catch (Throwable t) {
            stage = CompletableFuture.failedFuture(t);
        } finally {
            RequestContext.leave(previous);
        }
        stage.whenComplete((answer, error) -> exchange.onLoop(() -> {
            try {
                if (error != null) {
                    exchange.fail(error);
                } else if (answer != null && answer.isPresent()) {
                    exchange.respond(answer.get());
                } else {
                    before(exchange, i + 1, next);
                }
            } catch (Throwable t) {
                // Thrown here it would be lost in the stage (or the loop's task) and the client left waiting.
                exchange.fail(t);
            }
        }));
    }

    /** Runs the after phase on {@code head}, in reverse order; the stage completes on the loop when all did. */
    CompletionStage<Void> after(Exchange exchange, ResponseHead head) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (int i = all.size() - 1; i >= 0; i--) {
            AsyncMiddleware m = all.get(i);
            chain = chain.thenCompose(v -> {
                Context previous = RequestContext.enter(exchange);
                try {
                    return exchange.onLoop(m.after(exchange, head));
                } catch (Throwable t) {
                    return CompletableFuture.failedFuture(t);
                } finally {
                    RequestContext.leave(previous);
                }
            });
        }
        return chain;
    }
}
