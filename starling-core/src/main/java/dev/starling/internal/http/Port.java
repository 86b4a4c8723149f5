package dev.starling.internal.http;

import dev.starling.ResponseHead;
import java.util.concurrent.CompletionStage;

/**
 * What the HTTP layer needs from the request pipeline above it, and nothing else: where a request goes, who
 * may answer a failure, and who sees a response head before it is sent. Every call is made on the
 * connection's loop.
 */
public interface Port {

    /** Routes and runs one request, which answers through {@link Exchange#respond} or {@link Exchange#fail}. */
    void handle(Exchange exchange);

    /**
     * Offers a failure to the app's exception handlers; returns true when one will answer (it then calls
     * {@code respond}, or {@code fail}, which no longer consults the handlers).
     */
    boolean recover(Exchange exchange, Throwable error);

    /** A request failed with an exception no handler answered; it has been logged and is answered 500. */
    void unhandled(Exchange exchange, Throwable error);

    /** Returns true when the app has middleware, which must see every response head. */
    boolean seesHeads();

    /** Runs the middleware's after phase on {@code head}, in reverse order; the stage completes when all did. */
    CompletionStage<Void> after(Exchange exchange, ResponseHead head);
}
