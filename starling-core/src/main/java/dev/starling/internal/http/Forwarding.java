package dev.starling.internal.http;

import dev.starling.Request;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who sent a request and which URL it used, as the app should see them: from the connection (the peer, TLS, the
 * {@code Host} header), or, when the peer is a trusted proxy, from what it forwarded ({@code Forwarded}, else
 * {@code X-Forwarded-For}, {@code -Proto} and {@code -Host}). Computed once per request, on first use.
 *
 * <p>The address chain is walked from the right, skipping trusted proxies, as uvicorn's
 * {@code ProxyHeadersMiddleware} does: the entries to the left of the nearest untrusted one were written by
 * whoever the client is and prove nothing.
 */
final class Forwarding {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarding.class);
    private static final CharSequence FORWARDED = "forwarded";
    private static final CharSequence X_FORWARDED_FOR = "x-forwarded-for";
    private static final CharSequence X_FORWARDED_PROTO = "x-forwarded-proto";
    private static final CharSequence X_FORWARDED_HOST = "x-forwarded-host";

    /** What a request's client, scheme and host are. */
    record View(Request.Client client, String scheme, String host) {
    }

    private Forwarding() {
    }

    /**
     * Returns the view of the request whose peer is {@code peer}, local address {@code local}, host as the client
     * named it ({@code requestHost}: the target's authority or the {@code Host} header; null without), and headers.
     */
    static View of(SocketAddress peer, SocketAddress local, String requestHost, HttpHeaders headers, boolean tls,
                   TrustedProxies trusted) {
        String scheme = tls ? "https" : "http";
        String host = host(requestHost);
        if (host == null) {
            host = address(local);
        }
        Request.Client direct = client(peer);
        if (trusted.none() || !trusted.trusts(peer)) {
            return new View(direct, scheme, host);
        }
        List<String> forwarded = headers.getAll(FORWARDED);
        if (!forwarded.isEmpty()) {
            List<Forwarded.Element> elements = Forwarded.parse(forwarded);
            if (elements == null) {
                LOG.debug("The Forwarded header {} from the trusted proxy {} is malformed, so it is ignored.",
                        forwarded, peer);
                return new View(direct, scheme, host);
            }
            if (elements.isEmpty()) {
                return new View(direct, scheme, host);
            }
            int i = elements.size() - 1;
            while (i > 0 && trusted.trusts(Node.of(elements.get(i).forNode()).ip())) {
                i--;
            }
            Forwarded.Element chosen = elements.get(i);
            return new View(Node.of(chosen.forNode()).client(), scheme(chosen.proto(), scheme),
                    or(host(chosen.host()), host));
        }
        List<String> chain = values(headers.getAll(X_FORWARDED_FOR));
        int i = chain.size() - 1;
        while (i > 0 && trusted.trusts(Node.of(chain.get(i)).ip())) {
            i--;
        }
        Request.Client client = chain.isEmpty() ? direct : Node.of(chain.get(i)).client();
        String proto = matching(values(headers.getAll(X_FORWARDED_PROTO)), i, chain.size());
        String forwardedHost = matching(values(headers.getAll(X_FORWARDED_HOST)), i, chain.size());
        return new View(client, scheme(proto, scheme), or(host(forwardedHost), host));
    }

    /**
     * The value of {@code values} that goes with the client found at {@code index} of a chain of {@code length}:
     * the one at the same place when there are as many, else the last (the nearest proxy's).
     */
    private static String matching(List<String> values, int index, int length) {
        if (values.isEmpty()) {
            return null;
        }
        return values.size() == length && index >= 0 ? values.get(index) : values.get(values.size() - 1);
    }

    private static List<String> values(List<String> headers) {
        List<String> out = new ArrayList<>();
        for (String header : headers) {
            for (String part : header.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
        }
        return out;
    }

    private static String scheme(String proto, String otherwise) {
        if (proto == null) {
            return otherwise;
        }
        return switch (proto.toLowerCase(Locale.ROOT)) {
            case "https", "wss" -> "https";
            case "http", "ws" -> "http";
            default -> otherwise;
        };
    }

    private static String or(String value, String otherwise) {
        return value != null ? value : otherwise;
    }

    /** Returns {@code value} when it can be the host part of a URL (a name or an IP literal, and a port), else null. */
    static String host(String value) {
        if (value == null || value.isEmpty() || value.length() > 261) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']' || c == '%';
            if (!ok) {
                return null;
            }
        }
        return value;
    }

    private static String address(SocketAddress local) {
        if (local instanceof InetSocketAddress socket && socket.getAddress() != null) {
            String ip = NetUtil.toAddressString(socket.getAddress());
            return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + socket.getPort();
        }
        return "localhost";
    }

    private static Request.Client client(SocketAddress peer) {
        if (peer instanceof InetSocketAddress socket) {
            InetAddress ip = socket.getAddress();
            return new Request.Client(ip != null ? NetUtil.toAddressString(ip) : socket.getHostString(),
                    socket.getPort());
        }
        return new Request.Client(String.valueOf(peer), 0);
    }

    /**
     * A node of a forwarding header: {@code 192.0.2.60}, {@code 192.0.2.60:4711}, {@code [2001:db8::17]:4711} (or
     * bare IPv6 in {@code X-Forwarded-For}), {@code unknown}, or an obfuscated {@code _hidden} (RFC 7239 §6).
     *
     * @param name the address without brackets, or the identifier as written
     * @param port the port, or 0 when none or obfuscated
     * @param ip   the address when the name is an IP literal, else null
     */
    record Node(String name, int port, InetAddress ip) {

        static Node of(String text) {
            if (text == null || text.isEmpty()) {
                return new Node("unknown", 0, null);
            }
            String name = text;
            String port = null;
            if (text.startsWith("[")) {
                int close = text.indexOf(']');
                if (close > 0) {
                    name = text.substring(1, close);
                    port = text.startsWith(":", close + 1) ? text.substring(close + 2) : null;
                }
            } else {
                int colon = text.indexOf(':');
                if (colon >= 0 && colon == text.lastIndexOf(':')) {
                    name = text.substring(0, colon);
                    port = text.substring(colon + 1);
                }
            }
            int number = port != null && port.matches("\\d{1,5}") ? Integer.parseInt(port) : 0;
            return new Node(name, number <= 65535 ? number : 0, TrustedProxies.literal(name));
        }

        Request.Client client() {
            return new Request.Client(ip != null ? NetUtil.toAddressString(ip) : name, port);
        }
    }
}
