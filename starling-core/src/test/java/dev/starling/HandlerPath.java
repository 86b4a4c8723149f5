package dev.starling;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The two ways a handler runs, for tests that must hold on both: offloaded to a worker of the default
 * threadpool, or on the event loop. A handler registered through {@link #route} checks that it really runs
 * where it should and answers 500 with a sentence saying where it ran when it does not.
 */
enum HandlerPath {

    /** A plain {@link Handler} ({@code app.get}): offloaded to the default threadpool. */
    OFFLOADED("starling-worker-"),

    /** An {@link AsyncHandler} ({@code app.getAsync}): runs on the connection's event loop. */
    LOOP("starling-loop-");

    private final String threadPrefix;

    HandlerPath(String threadPrefix) {
        this.threadPrefix = threadPrefix;
    }

    /** Returns the prefix of the names of the threads handlers on this path run on. */
    String threadPrefix() {
        return threadPrefix;
    }

    /** Adds {@code handler} for {@code GET path} on this path. */
    Starling get(Starling app, String path, Handler handler) {
        return route(app, "GET", path, handler);
    }

    /** Adds {@code handler} for {@code method path} on this path. */
    Starling route(Starling app, String method, String path, Handler handler) {
        return switch (this) {
            case OFFLOADED -> app.route(method, path, request -> {
                check();
                return handler.handle(request);
            });
            case LOOP -> app.routeAsync(method, path, request -> {
                check();
                Object result = handler.handle(request);
                return result instanceof CompletionStage<?> stage ? stage : CompletableFuture.completedFuture(result);
            });
        };
    }

    /** Fails the request (500 with a sentence) when the current thread is not one of this path. */
    void check() {
        String thread = Thread.currentThread().getName();
        if (!thread.startsWith(threadPrefix)) {
            throw new HttpException(500, "This handler should run on a " + threadPrefix + "* thread, but ran on "
                    + thread + ".");
        }
    }
}
