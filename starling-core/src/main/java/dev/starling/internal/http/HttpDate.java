package dev.starling.internal.http;

import io.netty.handler.codec.DateFormatter;
import io.netty.util.AsciiString;
import java.util.Date;

/**
 * The value of the {@code Date} header that RFC 9110 section 6.6.1 makes an origin server send: the current second
 * as an IMF-fixdate, formatted once a second rather than once a response.
 */
final class HttpDate {

    /** A second (since the epoch) and its formatted date. */
    private record Second(long second, AsciiString value) {
    }

    private static volatile Second current = format(System.currentTimeMillis() / 1000);

    private HttpDate() {
    }

    /** Returns the current date as a header value. */
    static AsciiString now() {
        long second = System.currentTimeMillis() / 1000;
        Second s = current;
        if (s.second != second) {
            // Two loops may both format the new second; either result is the same value.
            s = format(second);
            current = s;
        }
        return s.value;
    }

    private static Second format(long second) {
        return new Second(second, AsciiString.cached(DateFormatter.format(new Date(second * 1000))));
    }
}
