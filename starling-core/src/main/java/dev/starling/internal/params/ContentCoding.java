package dev.starling.internal.params;

import dev.starling.HttpException;
import dev.starling.Request;
import java.util.Map;

/**
 * Refuses a request body sent with a content coding ({@code Content-Encoding: gzip}, say). Starling decodes
 * none, so it answers 415 (RFC 9110 section 15.5.16) rather than read compressed bytes as JSON or a form, and
 * never inflates a body whose inflated size it cannot bound. A handler that reads {@link Request#body()} itself
 * still gets the bytes as sent.
 */
public final class ContentCoding {

    private ContentCoding() {
    }

    /** Throws a 415 {@link HttpException} when {@code request} names a content coding other than {@code identity}. */
    public static void requireNone(Request request) {
        for (String coding : request.headers("content-encoding")) {
            String value = coding.trim();
            if (!value.isEmpty() && !value.equalsIgnoreCase("identity")) {
                throw new HttpException(415, "The request body has Content-Encoding '" + value + "', which this"
                        + " server does not decode; send it without a content coding.",
                        Map.of("accept-encoding", "identity"));
            }
        }
    }
}
