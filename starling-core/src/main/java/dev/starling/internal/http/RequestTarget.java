package dev.starling.internal.http;

import dev.starling.HttpException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * Reads a request target as sent: its form (RFC 9112 section 3.2), its path still percent-encoded, and whether it
 * can be decoded at all.
 */
final class RequestTarget {

    private RequestTarget() {
    }

    /** Returns the path part of {@code uri}, still percent-encoded. */
    static String rawPath(String uri) {
        int end = uri.length();
        int q = uri.indexOf('?');
        if (q >= 0) {
            end = q;
        }
        int hash = uri.indexOf('#');
        if (hash >= 0 && hash < end) {
            end = hash;
        }
        String path = uri.substring(0, end);
        if (!path.startsWith("/")) {
            // absolute-form (GET http://host/path): keep only the path
            int scheme = path.indexOf("://");
            int slash = scheme < 0 ? -1 : path.indexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        return path;
    }

    /**
     * Returns the refusal of a target that is not a path ({@code origin-form}), or null when it is one Starling
     * serves: an {@code http} or {@code https} URL ({@code absolute-form}) or {@code OPTIONS *}. An {@code https}
     * URL that came without TLS is misdirected (RFC 9110 section 7.4); {@code secure} says whether it did, as the
     * request's scheme (which counts what a trusted proxy forwarded).
     */
    static HttpException formRefusal(String method, String uri, BooleanSupplier secure) {
        if (uri.equals("*")) {
            return method.equals("OPTIONS") ? null
                    : new HttpException(400, "The request target '*' is only for OPTIONS requests.");
        }
        int scheme = uri.indexOf("://");
        if (scheme < 0) {
            return method.equals("CONNECT")
                    ? new HttpException(501, "CONNECT is not supported: this server is not a proxy.")
                    : new HttpException(400, "The request target '" + uri + "' is neither a path starting with '/' "
                            + "nor an http or https URL.");
        }
        String name = uri.substring(0, scheme);
        boolean https = name.equalsIgnoreCase("https");
        if (!https && !name.equalsIgnoreCase("http")) {
            return new HttpException(400, "The request target '" + uri + "' is a URL of the scheme '" + name
                    + "'; only http and https URLs are served.");
        }
        String authority = authority(uri);
        if (authority.isEmpty()) {
            return new HttpException(400, "The request target '" + uri + "' is a URL without a host.");
        }
        if (!HostHeader.valid(authority)) {
            return new HttpException(400, "The request target '" + uri + "' has the authority '" + authority
                    + "', which is not a host name or address with an optional port.");
        }
        if (https && !secure.getAsBoolean()) {
            return new HttpException(421, "The request target is an https URL, but the request did not come "
                    + "over TLS.");
        }
        return null;
    }

    /** Returns the authority of an absolute-form {@code uri} (what follows {@code ://} up to the path), else null. */
    static String authority(String uri) {
        if (uri.isEmpty() || uri.charAt(0) == '/') {
            return null;
        }
        int scheme = uri.indexOf("://");
        if (scheme < 0) {
            return null;
        }
        int from = scheme + 3;
        int to = from;
        while (to < uri.length() && "/?#".indexOf(uri.charAt(to)) < 0) {
            to++;
        }
        return uri.substring(from, to);
    }

    /**
     * Returns why {@code uri} cannot be percent-decoded, as a sentence for a 400, or null when it can: every
     * {@code %} in the path and the query starts an escape of two hexadecimal digits, and each run of escapes
     * makes valid UTF-8 (which the decoder would otherwise turn into U+FFFD, or fail on with a 500).
     */
    static String undecodable(String uri) {
        int end = uri.indexOf('#');
        if (end < 0) {
            end = uri.length();
        }
        int percent = uri.indexOf('%');
        if (percent < 0 || percent >= end) {
            return null;
        }
        int q = uri.indexOf('?');
        if (q < 0 || q > end) {
            q = end;
        }
        String problem = undecodable(uri, 0, q, "path");
        return problem != null || q == end ? problem : undecodable(uri, q + 1, end, "query");
    }

    private static String undecodable(String s, int from, int to, String part) {
        byte[] run = null;
        for (int i = s.indexOf('%', from); i >= 0 && i < to; i = s.indexOf('%', i)) {
            int n = 0;
            boolean ascii = true;
            while (i < to && s.charAt(i) == '%') {
                int hi = i + 1 < to ? hex(s.charAt(i + 1)) : -1;
                int lo = i + 2 < to ? hex(s.charAt(i + 2)) : -1;
                if (hi < 0 || lo < 0) {
                    return "The request " + part + " holds '" + s.substring(i, Math.min(i + 3, to))
                            + "', which is not a percent-encoded byte.";
                }
                if (run == null) {
                    run = new byte[(to - from) / 3];
                }
                run[n++] = (byte) (hi << 4 | lo);
                ascii &= hi < 8;
                i += 3;
            }
            if (!ascii) {
                try {
                    StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(run, 0, n));
                } catch (CharacterCodingException e) {
                    return "The request " + part + " is not valid UTF-8 once percent-decoded.";
                }
            }
        }
        return null;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }
}
