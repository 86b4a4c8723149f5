package dev.starling.internal;

import dev.starling.internal.binding.Binder;
import dev.starling.internal.concurrent.WorkerPool;
import dev.starling.internal.routing.PathTemplate;

/**
 * One registered route, with where it runs fixed: {@code pool} is null for the event loop, else the pool
 * the handler is offloaded to.
 */
record Route(String method, PathTemplate template, String name, WorkerPool pool, Binder binder, Injection injection,
             Invoker invoker, java.util.List<String> tags, long timeoutNanos) {

    /** A route with no time limit of its own (the app's applies). */
    Route(String method, PathTemplate template, String name, WorkerPool pool, Binder binder, Injection injection,
          Invoker invoker, java.util.List<String> tags) {
        this(method, template, name, pool, binder, injection, invoker, tags, 0L);
    }

    /** Calls the handler with bound arguments. */
    @FunctionalInterface
    interface Invoker {
        Object invoke(dev.starling.Request request, Object[] args) throws Throwable;
    }

    boolean onLoop() {
        return pool == null;
    }

    @Override
    public String toString() {
        return name;
    }
}
