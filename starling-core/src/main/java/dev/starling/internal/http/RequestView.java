package dev.starling.internal.http;

import dev.starling.AppState;
import dev.starling.HttpException;
import dev.starling.Request;
import dev.starling.UploadedFile;
import dev.starling.internal.params.FormData;
import dev.starling.internal.params.Parameters;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link Request} that handlers see: the method, target, headers and body as read, the matched path
 * values, and what is decoded lazily (query, cookies, per-request state). The {@link Exchange} that extends it
 * adds the response side; reading is safe from any thread.
 */
public abstract class RequestView implements Request {

    private static final String[] NO_VALUES = new String[0];

    final ChannelHandlerContext ctx;
    final String method;
    final String uri;
    final HttpHeaders headers;
    final byte[] body;
    final boolean head;
    String routeName = "(no route)";
    /** The matched route's template, for observers; "unmatched" until a route matches. */
    String routeTemplate = "unmatched";
    private List<String> pathNames = List.of();
    private String[] pathValues = NO_VALUES;
    private QueryStringDecoder query;
    /** The cookies, decoded on first use. */
    private volatile Map<String, String> cookies;
    private volatile AppState state;
    /** The client, scheme and host, worked out on first use (a request that never asks pays nothing). */
    private volatile Forwarding.View view;

    RequestView(ChannelHandlerContext ctx, String method, String uri, HttpHeaders headers, byte[] body) {
        this.ctx = ctx;
        this.method = method;
        this.uri = uri;
        this.headers = headers;
        this.body = body;
        this.head = method.equals("HEAD");
    }

    /** Records the matched route: its name for logs, its template for observers, its path values in order. */
    public void matched(String routeName, String template, List<String> names, String[] values) {
        this.routeName = routeName;
        this.routeTemplate = template;
        this.pathNames = names;
        this.pathValues = values;
    }

    /** Returns the path part of the request target, still percent-encoded. */
    public String rawPath() {
        return RequestTarget.rawPath(uri);
    }

    /**
     * Returns why the server itself refuses the request target, before any middleware, or empty when it can be
     * routed (or is {@code OPTIONS *}, see {@link #serverWide}): a target that is neither a path nor an http(s) URL,
     * an https URL sent without TLS, a path or query that cannot be percent-decoded.
     */
    public Optional<HttpException> targetRefusal() {
        if (uri.isEmpty() || uri.charAt(0) != '/') {
            HttpException form = RequestTarget.formRefusal(method, uri, () -> scheme().equals("https"));
            if (form != null) {
                return Optional.of(form);
            }
        }
        String undecodable = RequestTarget.undecodable(uri);
        return undecodable == null ? Optional.empty() : Optional.of(new HttpException(400, undecodable));
    }

    /** Returns true for {@code OPTIONS *}, a question about the server rather than about a resource. */
    public boolean serverWide() {
        return uri.length() == 1 && uri.charAt(0) == '*';
    }

    /** Returns the body's length in bytes, without copying it. */
    public int bodyLength() {
        return body.length;
    }

    /** Returns the body bytes without a copy; callers must not change them. */
    public byte[] rawBody() {
        return body;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return new QueryStringDecoder(rawPath()).path();
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public Optional<String> pathParam(String name) {
        int i = pathNames.indexOf(name);
        return i < 0 ? Optional.empty() : Optional.of(pathValues[i]);
    }

    @Override
    public Optional<String> query(String name) {
        List<String> values = decoder().parameters().get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    @Override
    public List<String> queryAll(String name) {
        List<String> values = decoder().parameters().get(name);
        return values == null ? List.of() : List.copyOf(values);
    }

    private QueryStringDecoder decoder() {
        QueryStringDecoder d = query;
        if (d == null) {
            int max = shared().config().maxQueryParameters();
            int mark = uri.indexOf('?');
            if (mark >= 0 && Parameters.count(uri, mark + 1) > max) {
                throw new HttpException(400, "The query has more than " + max + " parameters.");
            }
            d = new QueryStringDecoder(uri, StandardCharsets.UTF_8, true, max);
            query = d;
        }
        return d;
    }

    @Override
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }

    @Override
    public List<String> headers(String name) {
        return headers.getAll(name);
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    @Override
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public Optional<String> cookie(String name) {
        Map<String, String> c = cookies;
        if (c == null) {
            c = new HashMap<>();
            for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
                for (Cookie cookie : ServerCookieDecoder.STRICT.decodeAll(header)) {
                    c.putIfAbsent(cookie.name(), cookie.value());
                }
            }
            cookies = c;
        }
        return Optional.ofNullable(c.get(name));
    }

    @Override
    public List<String> formAll(String name) {
        return FormData.of(this).fields(name);
    }

    @Override
    public List<UploadedFile> files(String name) {
        return FormData.of(this).files(name);
    }

    @Override
    public AppState state() {
        AppState s = state;
        if (s == null) {
            s = new SharedState();
            state = s;
        }
        return s;
    }

    @Override
    public String remoteAddress() {
        return String.valueOf(ctx.channel().remoteAddress());
    }

    /** Returns what the request's connection shares with the server's others: its settings, among them. */
    abstract Shared shared();

    private Forwarding.View view() {
        Forwarding.View v = view;
        if (v == null) {
            Shared shared = shared();
            // RFC 9112 section 3.2.2: an absolute-form target's authority stands, whatever the Host header says.
            String authority = RequestTarget.authority(uri);
            v = Forwarding.of(ctx.channel().remoteAddress(), ctx.channel().localAddress(),
                    authority != null ? authority : headers.get(HttpHeaderNames.HOST), headers,
                    shared.config().tls().isPresent(), shared.proxies());
            view = v;
        }
        return v;
    }

    @Override
    public Client client() {
        return view().client();
    }

    @Override
    public String scheme() {
        return view().scheme();
    }

    @Override
    public String host() {
        return view().host();
    }

    @Override
    public String rootPath() {
        return shared().config().rootPath();
    }

    @Override
    public String url() {
        // The path and query as sent, also when the target was in absolute form (GET http://host/path).
        int q = uri.indexOf('?');
        int hash = uri.indexOf('#');
        String query = q < 0 ? "" : uri.substring(q, hash > q ? hash : uri.length());
        return scheme() + "://" + host() + rootPath() + rawPath() + query;
    }

    @Override
    public String toString() {
        return method + " " + uri;
    }
}
