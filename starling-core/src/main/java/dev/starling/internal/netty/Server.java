package dev.starling.internal.netty;

import tools.jackson.databind.json.JsonMapper;

/** What the HTTP layer needs from the app: where requests go and how the app is doing. */
public interface Server {

    /** Routes and runs one request; called on the connection's event loop. */
    void dispatch(Exchange exchange);

    JsonMapper json();

    /** A request has been read and is about to be dispatched. */
    void requestStarted();

    /** A request's response has been written (or its connection is gone). */
    void requestDone();

    /** True once shutdown has begun: responses close their connections. */
    boolean draining();

    /**
     * Offers a failure to the user's exception handlers; returns true when one will answer (it then calls
     * {@code respond} or, if it fails itself, {@code fail}, which no longer consults the handlers).
     */
    boolean handle(Exchange exchange, Throwable error);

    /** Returns true when the app has middleware, which must see every response head. */
    boolean hasMiddleware();

    /** Runs the middleware's after phase on {@code head}, in reverse order; the stage completes when all did. */
    java.util.concurrent.CompletionStage<Void> afterMiddleware(Exchange exchange, io.netty.handler.codec.http.HttpResponse head);

    /** Returns everyone who observes the app, as one observer, when anyone does. */
    java.util.Optional<dev.starling.Observer> observer();

    /** A request failed with an exception no handler answered; it has been logged and answered 500. */
    void unhandled(Exchange exchange, Throwable error);
}
