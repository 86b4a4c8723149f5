package dev.starling.internal.pipeline;

import dev.starling.internal.concurrent.WorkerPool;
import dev.starling.internal.params.Binder;
import dev.starling.internal.params.Injection;
import dev.starling.internal.params.Invoker;
import dev.starling.internal.routing.PathTemplate;
import java.util.List;

/**
 * One registered route, with where it runs fixed: {@code pool} is null for the event loop, else the pool
 * the handler is offloaded to; {@code timeoutNanos} is its own time limit, 0 when the app's applies. A
 * {@code webSocket} route opens a WebSocket; its blocking handler (pool not null) runs on a virtual thread of
 * its own rather than on the pool.
 */
public record Route(String method, PathTemplate template, String name, WorkerPool pool, Binder binder,
                    Injection injection, Invoker invoker, List<String> tags, long timeoutNanos, boolean webSocket) {

    /** A route that answers HTTP requests, with its own time limit. */
    public Route(String method, PathTemplate template, String name, WorkerPool pool, Binder binder,
                 Injection injection, Invoker invoker, List<String> tags, long timeoutNanos) {
        this(method, template, name, pool, binder, injection, invoker, tags, timeoutNanos, false);
    }

    /** A route with no time limit of its own (the app's applies). */
    public Route(String method, PathTemplate template, String name, WorkerPool pool, Binder binder,
                 Injection injection, Invoker invoker, List<String> tags) {
        this(method, template, name, pool, binder, injection, invoker, tags, 0L);
    }

    /** A route built in by the app (the OpenAPI document, Swagger UI, a static mount): on the loop, no parameters. */
    public static Route builtIn(String method, PathTemplate template, String name, Invoker invoker) {
        return new Route(method, template, name, null, Binder.none(), Injection.NONE, invoker, List.of());
    }

    /** Returns true when the handler runs on the event loop. */
    public boolean onLoop() {
        return pool == null;
    }

    @Override
    public String toString() {
        return name;
    }
}
