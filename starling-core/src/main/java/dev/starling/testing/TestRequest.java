package dev.starling.testing;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * A request being put together by a {@link TestClient}: query parameters, headers, cookies and at most one
 * kind of body, sent by {@link #send()}.
 *
 * <pre>{@code
 * TestResponse response = client.request("POST", "/items")
 *         .query("q", "a").header("x-token", "t").cookie("session", "abc")
 *         .json(new Item(1, "pen"))
 *         .send();
 * }</pre>
 *
 * <p>A body is one of: {@link #json(Object)}, {@link #body(byte[], String)} (or its {@code String} form), or
 * form fields ({@link #form(String, String)}) with or without files ({@link #file(String, String, byte[],
 * String)}). Form fields alone are sent as {@code application/x-www-form-urlencoded}; with a file, every field
 * and file is a part of one {@code multipart/form-data} body. Bodies always carry {@code content-length}.
 * A request is sent once; it is not safe to share between threads.
 */
public final class TestRequest {

    /** Headers the JDK's HttpClient sets itself and refuses to take from the caller. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    private enum BodyKind { NONE, RAW, JSON, FORM }

    private record Field(String name, String value) {
    }

    private record Part(String name, String filename, byte[] content, String contentType) {
    }

    private final TestClient client;
    private final String method;
    private final String path;
    private final StringBuilder query = new StringBuilder();
    private final List<Field> headers = new ArrayList<>();
    private final List<Field> cookies = new ArrayList<>();
    private final List<Object> formParts = new ArrayList<>();
    private BodyKind bodyKind = BodyKind.NONE;
    private byte[] body;
    private String bodyType;
    private boolean hasFile;
    private Duration timeout;
    private boolean sent;

    TestRequest(TestClient client, String method, String path) {
        Objects.requireNonNull(method, "The HTTP method must not be null; pass one such as \"GET\" or \"POST\".");
        Objects.requireNonNull(path, "The path must not be null; pass one such as \"/items/1\".");
        if (method.isEmpty() || !method.chars().allMatch(TestRequest::isTokenChar)) {
            throw new IllegalArgumentException("The HTTP method '" + method + "' is not valid; a method is a word "
                    + "such as GET or POST.");
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("The path '" + path + "' must start with '/', as in \"/items/1\"; "
                    + "the client always talks to its own app, so it takes no scheme or host.");
        }
        if (path.indexOf('#') >= 0) {
            throw new IllegalArgumentException("The path '" + path + "' has a fragment ('#'), which is never sent "
                    + "to a server; remove it.");
        }
        try {
            URI.create("http://127.0.0.1" + path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The path '" + path + "' is not a valid request target ("
                    + e.getMessage() + "); percent-encode spaces and other special characters, or pass query "
                    + "parameters with query(name, value), which encodes them.", e);
        }
        this.client = client;
        this.method = method.toUpperCase(Locale.ROOT);
        this.path = path;
    }

    /** Adds the query parameter {@code name=value}, percent-encoded; call it again to repeat a name. */
    public TestRequest query(String name, String value) {
        Objects.requireNonNull(name, "The query parameter name must not be null.");
        Objects.requireNonNull(value, "The value of query parameter '" + name + "' must not be null; leave the "
                + "parameter out to send none.");
        if (query.length() > 0) {
            query.append('&');
        }
        query.append(encode(name)).append('=').append(encode(value));
        return this;
    }

    /**
     * Adds the header {@code name: value}; call it again to send several values. A {@code content-type} given
     * here replaces the one the body would set.
     */
    public TestRequest header(String name, String value) {
        Objects.requireNonNull(name, "The header name must not be null.");
        Objects.requireNonNull(value, "The value of header '" + name + "' must not be null; leave the header out "
                + "to send none.");
        String lower = name.toLowerCase(Locale.ROOT);
        if (name.isEmpty() || !name.chars().allMatch(TestRequest::isTokenChar)) {
            throw new IllegalArgumentException("The header name '" + name + "' is not valid; a header name is a "
                    + "word such as x-token, without spaces or colons.");
        }
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("The value of header '" + name + "' holds a line break, which would "
                    + "end the header; send the value on one line.");
        }
        if (RESTRICTED.contains(lower)) {
            throw new IllegalArgumentException("The header '" + name + "' cannot be set on a test request: the "
                    + "client sets it itself, as it does connection, content-length, expect, host and upgrade.");
        }
        if (lower.equals(TestClient.REQUEST_ID_HEADER)) {
            throw new IllegalArgumentException("The header '" + name + "' is reserved: the client tags each "
                    + "request with it to match server exceptions to requests; use another name.");
        }
        headers.add(new Field(name, value));
        return this;
    }

    /** Adds the cookie {@code name=value} to the request's {@code cookie} header. */
    public TestRequest cookie(String name, String value) {
        Objects.requireNonNull(name, "The cookie name must not be null.");
        Objects.requireNonNull(value, "The value of cookie '" + name + "' must not be null.");
        if (name.isEmpty() || !name.chars().allMatch(TestRequest::isTokenChar)) {
            throw new IllegalArgumentException("The cookie name '" + name + "' is not valid; a cookie name is a "
                    + "word without spaces, '=', ';' or ','.");
        }
        if (!value.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\')) {
            throw new IllegalArgumentException("The value of cookie '" + name + "' holds a space, a quote, a comma, "
                    + "a semicolon, a backslash or a non-ASCII character, which a cookie cannot carry; "
                    + "percent-encode or Base64-encode it first.");
        }
        cookies.add(new Field(name, value));
        return this;
    }

    /** Sends {@code value} written as JSON by the client's Jackson mapper, as {@code application/json}. */
    public TestRequest json(Object value) {
        startBody(BodyKind.JSON, "json(...)");
        try {
            body = client.json().writeValueAsBytes(value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("The JSON body of " + method + " " + path + " cannot be written: "
                    + e.getMessage(), e);
        }
        bodyType = "application/json";
        return this;
    }

    /** Sends {@code body} as it is, with the content type {@code contentType}. */
    public TestRequest body(byte[] body, String contentType) {
        Objects.requireNonNull(body, "The body must not be null; pass new byte[0] for an empty one.");
        Objects.requireNonNull(contentType, "The content type must not be null; pass one such as "
                + "\"application/octet-stream\".");
        startBody(BodyKind.RAW, "body(...)");
        this.body = body.clone();
        this.bodyType = contentType;
        return this;
    }

    /** Sends {@code body} encoded as UTF-8, with the content type {@code contentType} (such as {@code text/plain}). */
    public TestRequest body(String body, String contentType) {
        Objects.requireNonNull(body, "The body must not be null; pass \"\" for an empty one.");
        return body(body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    /**
     * Adds the form field {@code name=value}: the body is {@code application/x-www-form-urlencoded}, or a part of
     * a {@code multipart/form-data} body when the request also has a file.
     */
    public TestRequest form(String name, String value) {
        Objects.requireNonNull(name, "The form field name must not be null.");
        Objects.requireNonNull(value, "The value of form field '" + name + "' must not be null.");
        startForm("form(...)");
        formParts.add(new Field(name, value));
        return this;
    }

    /**
     * Adds a file upload in the field {@code field}, named {@code filename}, holding {@code content} of type
     * {@code contentType}; the body becomes {@code multipart/form-data}, with the form fields as parts too.
     */
    public TestRequest file(String field, String filename, byte[] content, String contentType) {
        Objects.requireNonNull(field, "The file's field name must not be null.");
        Objects.requireNonNull(filename, "The file name must not be null.");
        Objects.requireNonNull(content, "The content of file '" + filename + "' must not be null; pass new byte[0] "
                + "for an empty file.");
        Objects.requireNonNull(contentType, "The content type of file '" + filename + "' must not be null; pass "
                + "one such as \"text/plain\" or \"application/octet-stream\".");
        startForm("file(...)");
        formParts.add(new Part(field, filename, content.clone(), contentType));
        hasFile = true;
        return this;
    }

    /** Sets how long this request may wait for its response, instead of the client's timeout. */
    public TestRequest timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "The timeout must not be null.");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("The timeout must be positive, not " + timeout + ".");
        }
        this.timeout = timeout;
        return this;
    }

    /**
     * Sends the request and returns the response; throws the server's exception instead when the request ended
     * in {@code 500} because of one and the client raises server exceptions.
     */
    public TestResponse send() {
        if (sent) {
            throw new IllegalStateException("This request to " + method + " " + path + " has already been sent; "
                    + "start a new one with client.request(...).");
        }
        sent = true;
        String target = query.length() == 0 ? path : path + (path.indexOf('?') >= 0 ? "&" : "?") + query;
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(client.baseUriText() + target))
                .timeout(timeout != null ? timeout : client.timeout());
        byte[] payload = body;
        String type = bodyType;
        if (bodyKind == BodyKind.FORM) {
            if (hasFile) {
                String boundary = "starling-test-" + UUID.randomUUID().toString().replace("-", "");
                payload = multipart(boundary);
                type = "multipart/form-data; boundary=" + boundary;
            } else {
                payload = urlEncoded();
                type = "application/x-www-form-urlencoded";
            }
        }
        boolean contentTypeGiven = false;
        for (Field h : headers) {
            builder.header(h.name(), h.value());
            contentTypeGiven |= h.name().equalsIgnoreCase("content-type");
        }
        if (type != null && !contentTypeGiven) {
            builder.header("content-type", type);
        }
        if (!cookies.isEmpty()) {
            StringBuilder cookie = new StringBuilder();
            for (Field c : cookies) {
                if (cookie.length() > 0) {
                    cookie.append("; ");
                }
                cookie.append(c.name()).append('=').append(c.value());
            }
            builder.header("cookie", cookie.toString());
        }
        builder.method(method, payload == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(payload));
        return client.send(builder, method, target);
    }

    @Override
    public String toString() {
        return "TestRequest[" + method + " " + path + (query.length() == 0 ? "" : "?" + query) + "]";
    }

    // ---- bodies ----

    private void startBody(BodyKind kind, String call) {
        if (bodyKind != BodyKind.NONE) {
            throw new IllegalStateException("This request already has a " + describe(bodyKind) + " body, so "
                    + call + " cannot add another; a request has one body.");
        }
        if (method.equals("HEAD")) {
            throw new IllegalStateException("A HEAD request cannot have a body, so " + call + " cannot be used on "
                    + "it.");
        }
        bodyKind = kind;
    }

    private void startForm(String call) {
        if (bodyKind != BodyKind.FORM) {
            startBody(BodyKind.FORM, call);
        }
    }

    private static String describe(BodyKind kind) {
        return switch (kind) {
            case RAW -> "raw (body(...))";
            case JSON -> "JSON (json(...))";
            case FORM -> "form (form(...) or file(...))";
            case NONE -> "empty";
        };
    }

    private byte[] urlEncoded() {
        StringBuilder out = new StringBuilder();
        for (Object o : formParts) {
            Field f = (Field) o;
            if (out.length() > 0) {
                out.append('&');
            }
            out.append(URLEncoder.encode(f.name(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(f.value(), StandardCharsets.UTF_8));
        }
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private byte[] multipart(String boundary) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o : formParts) {
            write(out, "--" + boundary + "\r\n");
            if (o instanceof Field f) {
                write(out, "Content-Disposition: form-data; name=\"" + quoted(f.name()) + "\"\r\n\r\n");
                write(out, f.value());
            } else {
                Part p = (Part) o;
                write(out, "Content-Disposition: form-data; name=\"" + quoted(p.name()) + "\"; filename=\""
                        + quoted(p.filename()) + "\"\r\n");
                write(out, "Content-Type: " + p.contentType() + "\r\n\r\n");
                out.writeBytes(p.content());
            }
            write(out, "\r\n");
        }
        write(out, "--" + boundary + "--\r\n");
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Escapes a name for a quoted multipart parameter the way browsers do (HTML's form encoding). */
    private static String quoted(String name) {
        return name.replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static boolean isTokenChar(int c) {
        return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }
}
