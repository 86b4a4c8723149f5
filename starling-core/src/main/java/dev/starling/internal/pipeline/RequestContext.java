package dev.starling.internal.pipeline;

import dev.starling.internal.concurrent.Context;
import dev.starling.internal.concurrent.LoopProbe;
import dev.starling.internal.http.Exchange;

/**
 * Enters and leaves a request's context around user code run on its loop: the request scope (so offloaded
 * work belongs to the request) and, when a watchdog is on, the loop probe that names the route.
 *
 * <pre>{@code
 * RequestContext entered = RequestContext.enter(exchange, route.name());
 * try { ... user code ... } finally { entered.leave(); }
 * }</pre>
 */
final class RequestContext {

    private final Context previous;
    private final LoopProbe probe;

    private RequestContext(Context previous, LoopProbe probe) {
        this.previous = previous;
        this.probe = probe;
    }

    /** Makes {@code exchange} the current scope; with a route name, also tells the watchdog which route runs. */
    static RequestContext enter(Exchange exchange, String route) {
        LoopProbe probe = route == null ? null : LoopProbe.current();
        Context previous = Context.set(Context.forScope(exchange));
        if (probe != null) {
            probe.enter(route);
        }
        return new RequestContext(previous, probe);
    }

    /** Restores what {@link #enter} replaced. */
    void leave() {
        if (probe != null) {
            probe.exit();
        }
        Context.set(previous);
    }
}
