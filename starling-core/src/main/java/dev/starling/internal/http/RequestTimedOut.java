package dev.starling.internal.http;

import dev.starling.internal.Durations;

/** A request that was not answered within its time limit; the client gets 504 with this message. */
final class RequestTimedOut extends RuntimeException {

    private static final long serialVersionUID = 1L;

    RequestTimedOut(String route, long nanos) {
        super("The request was not answered within " + Durations.describe(nanos) + ", the time limit of " + route
                + ".", null, false, false);
    }

}
