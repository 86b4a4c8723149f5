package dev.starling;

import java.util.List;
import java.util.Optional;

/**
 * One HTTP request as a handler sees it: method, path, parameters, headers and the whole body.
 *
 * <pre>{@code
 * app.get("/hello", request -> "Hello, " + request.query("name").orElse("World") + "!");
 * }</pre>
 */
public interface Request {

    /** Returns the method in upper case, such as {@code GET}. */
    String method();

    /** Returns the decoded path without the query string, such as {@code /items/42}. */
    String path();

    /** Returns the raw request target as sent, such as {@code /items/42?q=a%20b}. */
    String uri();

    /** Returns the value of the path parameter {@code name} of the matched template. */
    Optional<String> pathParam(String name);

    /** Returns the first value of the query parameter {@code name}. */
    Optional<String> query(String name);

    /** Returns every value of the query parameter {@code name}, in order; empty when absent. */
    List<String> queryAll(String name);

    /** Returns the first value of header {@code name}, matched without regard to case. */
    Optional<String> header(String name);

    /** Returns every value of header {@code name}, in order. */
    List<String> headers(String name);

    /** Returns the body bytes; empty when there is no body. */
    byte[] body();

    /** Returns the body decoded as UTF-8. */
    String bodyText();

    /**
     * Returns the address of the connection's peer as {@code host:port}; behind a proxy that is the proxy, and
     * {@link #client()} is the client.
     */
    String remoteAddress();

    /**
     * The address of a request's client, Starlette's {@code request.client}.
     *
     * @param host the IP address (IPv6 without brackets, such as {@code ::1}), or, as a proxy forwarded it, an
     *             obfuscated identifier ({@code _hidden}) or {@code unknown}
     * @param port the client's port, or 0 when the proxy did not say
     */
    record Client(String host, int port) {

        /** Checks that the host is given and the port is one. */
        public Client {
            java.util.Objects.requireNonNull(host, "The client's host must not be null.");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("A port is between 0 and 65535, not " + port + ".");
            }
        }

        /** Returns {@code host:port} ({@code [host]:port} for IPv6), or the host alone when the port is 0. */
        @Override
        public String toString() {
            if (port == 0) {
                return host;
            }
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * Returns the client's address as the app should see it: the connection's peer, or, when the peer is one of
     * {@link Config#trustedProxies()}, the client it forwarded ({@code Forwarded: for=...} or
     * {@code X-Forwarded-For}, read from the right, skipping trusted proxies). Forwarding headers from any other
     * peer are ignored. A {@code Request} of your own (a test double) gets its {@link #remoteAddress()} here.
     */
    default Client client() {
        // Starling's own request overrides this; a Request of your own (a test double) gets its peer.
        String peer = remoteAddress();
        int colon = peer.lastIndexOf(':');
        String host = colon > 0 ? peer.substring(0, colon) : peer;
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = colon > 0 ? Integer.parseInt(peer.substring(colon + 1)) : 0;
            return new Client(host, port >= 0 && port <= 65535 ? port : 0);
        } catch (NumberFormatException notAPort) {
            return new Client(peer, 0);
        }
    }

    /**
     * Returns the scheme the client used, {@code http} or {@code https}: the connection's, or the one a trusted
     * proxy forwarded ({@code Forwarded: proto=...} or {@code X-Forwarded-Proto}). A {@code Request} of your own
     * gets {@code http} here.
     */
    default String scheme() {
        return "http";
    }

    /**
     * Returns the host (and port, when the client gave one) the client asked for, such as {@code api.example}
     * or {@code 127.0.0.1:8000}: the one a trusted proxy forwarded ({@code Forwarded: host=...} or
     * {@code X-Forwarded-Host}), else the {@code Host} header (the {@code :authority} of HTTP/2), else the
     * server's own address. A value that cannot be the host of a URL is passed over. A {@code Request} of your
     * own gets its {@code Host} header here, else {@code localhost}.
     */
    default String host() {
        return header("host").orElse("localhost");
    }

    /**
     * Returns the prefix under which a proxy serves the app and which it strips before the request arrives, FastAPI's
     * {@code root_path}: {@link Config#rootPath()}, such as {@code /api}, or empty.
     */
    default String rootPath() {
        return "";
    }

    /**
     * Returns the URL the client used, Starlette's {@code request.url}: scheme, host, root path, path and query
     * as sent, such as {@code https://api.example/api/items/1?q=a%20b}.
     */
    default String url() {
        return scheme() + "://" + host() + rootPath() + uri();
    }

    /**
     * Returns the URL of the app's root as the client sees it, ending with {@code /}, Starlette's
     * {@code request.base_url}: {@code https://api.example/api/}. Links and redirects to the app's own routes
     * start here.
     */
    default String baseUrl() {
        return scheme() + "://" + host() + rootPath() + "/";
    }

    /**
     * Returns the value of cookie {@code name} from the {@code Cookie} header(s), decoded strictly (RFC 6265);
     * empty when absent.
     */
    Optional<String> cookie(String name);

    /**
     * Returns the first value of form field {@code name} of an {@code application/x-www-form-urlencoded} or
     * {@code multipart/form-data} body; empty when absent or when the body is not a form.
     */
    default Optional<String> form(String name) {
        List<String> values = formAll(name);
        return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** Returns every value of form field {@code name}, in order; empty when absent. */
    List<String> formAll(String name);

    /**
     * Returns the files sent under {@code name} in a {@code multipart/form-data} body, in order; empty when
     * absent. On the event loop, a body not decoded yet is decoded in memory (no part is spooled to disk there).
     */
    List<UploadedFile> files(String name);

    /**
     * Returns values that belong to this request only, FastAPI's {@code request.state}: middleware can leave
     * something for handlers here (the request id, the user).
     */
    default AppState state() {
        throw new UnsupportedOperationException("This Request does not keep per-request state.");
    }
}
