package dev.starling.internal.netty;

import java.util.concurrent.TimeUnit;

/** A request that was not answered within its time limit; the client gets 504 with this message. */
final class RequestTimedOut extends RuntimeException {

    private static final long serialVersionUID = 1L;

    RequestTimedOut(String route, long nanos) {
        super("The request was not answered within " + describe(nanos) + ", the time limit of " + route + ".", null,
                false, false);
    }

    /** Describes a duration as a sentence would: whole seconds as "5 s", else milliseconds. */
    static String describe(long nanos) {
        long millis = TimeUnit.NANOSECONDS.toMillis(nanos);
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
