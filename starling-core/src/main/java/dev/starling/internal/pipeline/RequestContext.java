package dev.starling.internal.pipeline;

import dev.starling.internal.concurrent.Context;
import dev.starling.internal.concurrent.LoopProbe;
import dev.starling.internal.http.Exchange;

/**
 * Enters and leaves a request's context around user code: the request scope (so offloaded work belongs to the
 * request) with the context values set for it so far (setting one updates the request: Scope#contextChanged)
 * and, for a route's own code on its loop, the watchdog's probe that names the route. Allocation-free but for
 * the request's first entry: it runs for every request, on the loop.
 *
 * <pre>{@code
 * Context previous = RequestContext.enterRoute(exchange, route.name());
 * try { ... the route's code ... } finally { RequestContext.leaveRoute(previous); }
 * }</pre>
 */
final class RequestContext {

    private RequestContext() {
    }

    /**
     * Makes the request's context current (its scope, and the values set for it so far); returns the context
     * that {@link #leave} puts back.
     */
    static Context enter(Exchange exchange) {
        return Context.set(exchange.context());
    }

    /** Restores the context that {@link #enter} replaced; values the code set went to the request already. */
    static void leave(Context previous) {
        Context.set(previous);
    }

    /** Enters as {@link #enter} does and tells the loop's watchdog probe, if any, that {@code route} runs. */
    static Context enterRoute(Exchange exchange, String route) {
        LoopProbe probe = LoopProbe.current();
        Context previous = enter(exchange);
        if (probe != null) {
            probe.enter(route);
        }
        return previous;
    }

    /** Restores what {@link #enterRoute} replaced, on the same thread. */
    static void leaveRoute(Context previous) {
        LoopProbe probe = LoopProbe.current();
        if (probe != null) {
            probe.exit();
        }
        leave(previous);
    }
}
