package dev.starling.internal.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Iterator;

/**
 * The {@code Host} header of an HTTP/1.x request as RFC 9112 section 3.2 wants it: an HTTP/1.1 request has exactly
 * one, any request at most one, and its value is {@code uri-host [ ":" port ]} of RFC 3986 (an empty value is
 * allowed: it stands for a target without authority).
 */
final class HostHeader {

    /** The characters of a reg-name besides {@code %}: unreserved and sub-delims (RFC 3986 section 3.2.2). */
    private static final boolean[] NAME = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            NAME[c] = true;
            NAME[Character.toUpperCase(c)] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            NAME[c] = true;
        }
        for (char c : "-._~!$&'()*+,;=".toCharArray()) {
            NAME[c] = true;
        }
    }

    private HostHeader() {
    }

    /**
     * Returns why {@code headers} cannot be those of a request, as the sentence of a 400, or null when their
     * {@code Host} is right; {@code required} for HTTP/1.1, where a request without one is refused too.
     */
    static String problem(HttpHeaders headers, boolean required) {
        // The decoder's values as they are: no String iterator wrapped around them, no copies, on every request.
        Iterator<? extends CharSequence> values = headers.valueCharSequenceIterator(HttpHeaderNames.HOST);
        if (!values.hasNext()) {
            return required ? "The request has no Host header, which HTTP/1.1 requires." : null;
        }
        CharSequence host = values.next();
        if (values.hasNext()) {
            return "The request has more than one Host header.";
        }
        return valid(host) ? null : "The Host header '" + host + "' is not a host name or address with an optional "
                + "port.";
    }

    /** Returns true when {@code host} is {@code uri-host [ ":" port ]}, the host possibly empty. */
    static boolean valid(CharSequence host) {
        int n = host.length();
        int i = 0;
        if (n > 0 && host.charAt(0) == '[') {
            // An IP literal: IPv6 (or IPvFuture) characters up to the closing bracket.
            for (i = 1; i < n && host.charAt(i) != ']'; i++) {
                char c = host.charAt(i);
                if (c >= 128 || !(NAME[c] || c == ':')) {
                    return false;
                }
            }
            if (i == n || i == 1) {
                return false;
            }
            i++;
        } else {
            while (i < n && host.charAt(i) != ':') {
                char c = host.charAt(i);
                if (c == '%') {
                    if (i + 2 >= n || notHex(host.charAt(i + 1)) || notHex(host.charAt(i + 2))) {
                        return false;
                    }
                    i += 3;
                    continue;
                }
                if (c >= 128 || !NAME[c]) {
                    return false;
                }
                i++;
            }
        }
        if (i == n) {
            return true;
        }
        if (host.charAt(i) != ':') {
            return false;
        }
        for (i++; i < n; i++) {
            char c = host.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean notHex(char c) {
        return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
    }
}
