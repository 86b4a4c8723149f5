package dev.starling.internal.pipeline;

import dev.starling.AppState;
import dev.starling.AsyncExceptionHandler;
import dev.starling.AsyncMiddleware;
import dev.starling.ExceptionHandler;
import dev.starling.HttpException;
import dev.starling.Middleware;
import dev.starling.Request;
import dev.starling.ResponseHead;
import dev.starling.internal.concurrent.WorkerPool;
import dev.starling.internal.http.Exchange;
import dev.starling.internal.http.Port;
import dev.starling.internal.routing.RoutingTable;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The way of one request through the app, read top to bottom: the target check, the middleware's before
 * phase, the route, then the {@link Dispatcher} (parameters, dependencies, the handler where its route says,
 * the result); the HTTP layer writes the answer, after the middleware's after phase has seen its head, and
 * runs the after-response actions (dependency cleanup, background tasks) once it is out.
 */
public final class Pipeline implements Port {

    private final RoutingTable<Route> routes;
    private final MiddlewareChain middleware;
    private final ExceptionHandlers exceptionHandlers;
    private final Dispatcher dispatcher;
    private final Overrides overrides = new Overrides();
    /** Made once: the middleware's before phase goes on here, for every request. */
    private final Consumer<Exchange> routeStep = this::route;
    /** Throws with the given sentence once the app has started, when the pipeline is fixed. */
    private final Consumer<String> requireNew;

    /**
     * Creates the pipeline of an app whose routes are {@code routes} (filled while the app is built) and whose
     * blocking user code runs on {@code pool}.
     */
    public Pipeline(RoutingTable<Route> routes, WorkerPool pool, AppState appState, long requestTimeoutNanos,
                    int maxPartMemory, Consumer<String> requireNew) {
        this.routes = routes;
        this.requireNew = requireNew;
        this.middleware = new MiddlewareChain(pool);
        this.exceptionHandlers = new ExceptionHandlers(pool);
        this.dispatcher = new Dispatcher(pool, appState, requestTimeoutNanos, maxPartMemory, overrides);
    }

    // ---- registration (before the app starts) ----

    /** Adds middleware whose phases run on the loop. */
    public void add(AsyncMiddleware m) {
        middleware.add(checkMiddleware(m));
    }

    /** Adds middleware whose phases are offloaded. */
    public void add(Middleware m) {
        middleware.add(checkMiddleware(m));
    }

    /** Adds an exception handler that runs on the loop. */
    public void exceptionHandlerAsync(Class<?> type, AsyncExceptionHandler<?> handler) {
        checkExceptionHandler(type, handler);
        exceptionHandlers.addAsync(type, handler);
    }

    /** Adds an exception handler that is offloaded. */
    public void exceptionHandler(Class<?> type, ExceptionHandler<?> handler) {
        checkExceptionHandler(type, handler);
        exceptionHandlers.addBlocking(type, handler);
    }

    private <M> M checkMiddleware(M m) {
        Objects.requireNonNull(m, "The middleware must not be null.");
        requireNew.accept("Middleware cannot be added once the app has started.");
        return m;
    }

    private void checkExceptionHandler(Class<?> type, Object handler) {
        Objects.requireNonNull(type, "The exception type must not be null.");
        Objects.requireNonNull(handler, "The exception handler must not be null.");
        requireNew.accept("Exception handlers cannot be added once the app has started.");
    }

    /** Resolves {@code replacement} instead of the provider method named {@code provider}, from the next request on. */
    public void overrideDependency(String provider, Supplier<?> replacement) {
        overrides.put(provider, replacement);
    }

    /** Undoes every dependency override. */
    public void clearDependencyOverrides() {
        overrides.clear();
    }

    /** Registers a listener told of every exception that ended a request with 500; called on the loop. */
    public void onUnhandled(BiConsumer<Request, Throwable> listener) {
        exceptionHandlers.onUnhandled(listener);
    }

    // ---- one request ----

    @Override
    public void handle(Exchange exchange) {
        Optional<HttpException> refusal = exchange.targetRefusal();
        if (refusal.isPresent()) {
            // Before any middleware: nothing downstream can read such a path or query without failing.
            exchange.fail(refusal.get());
            return;
        }
        if (exchange.serverWide()) {
            // OPTIONS * asks about the server, not a resource: the server is there, and that is the whole answer.
            exchange.respond(null);
            return;
        }
        if (middleware.isEmpty()) {
            route(exchange);
        } else {
            middleware.before(exchange, routeStep);
        }
    }

    /** Finds the route of the request, after the middleware's before phase, and runs it. */
    private void route(Exchange exchange) {
        RoutingTable.Match<Route> match = routes.lookup(exchange.method(), exchange.rawPath());
        if (!match.found()) {
            exchange.fail(match.methodNotAllowed()
                    ? new HttpException(405, "Method Not Allowed", Map.of("allow", match.allow()))
                    : new HttpException(404, "Not Found"));
            return;
        }
        if (exchange.method().equals("PUT") && exchange.header("content-range").isPresent()) {
            // RFC 9110 section 9.3.4: such a body is likely part of a representation mistaken for all of it.
            exchange.fail(new HttpException(400, "A PUT request cannot have a Content-Range header: send the whole "
                    + "representation."));
            return;
        }
        Route route = match.route();
        exchange.matched(route.name(), route.template().toString(), route.template().names(), match.values());
        dispatcher.run(route, exchange);
    }

    @Override
    public boolean recover(Exchange exchange, Throwable error) {
        return exceptionHandlers.recover(exchange, error);
    }

    @Override
    public void unhandled(Exchange exchange, Throwable error) {
        exceptionHandlers.unhandled(exchange, error);
    }

    @Override
    public boolean seesHeads() {
        return !middleware.isEmpty();
    }

    @Override
    public CompletionStage<Void> after(Exchange exchange, ResponseHead head) {
        return middleware.after(exchange, head);
    }
}
