package dev.starling;

import dev.starling.internal.HeaderValues;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A response with a chosen status, headers and body, for when a plain return value is not enough.
 *
 * <p>The body is encoded like a handler's return value: a {@code String} as {@code text/plain}, a
 * {@code byte[]} as {@code application/octet-stream}, anything else as JSON, unless a
 * {@code content-type} header is set.
 *
 * <pre>{@code
 * return Response.status(201).header("location", "/items/42").body(item);
 * }</pre>
 */
public final class Response {

    private final int status;
    private final List<Map.Entry<String, String>> headers;
    private final Object body;

    private Response(int status, List<Map.Entry<String, String>> headers, Object body) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("An HTTP status is between 100 and 599, not " + status + ".");
        }
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /** Returns a 200 response with {@code body}. */
    public static Response ok(Object body) {
        return new Response(200, List.of(), body);
    }

    /** Returns an empty response with {@code status}; add a body with {@link #body(Object)}. */
    public static Response status(int status) {
        return new Response(status, List.of(), null);
    }

    /**
     * Returns a copy with one more header; a header may be given several times. A value with a control
     * character other than a tab (a line break, which would start a header of its own) is refused with an
     * {@link IllegalArgumentException}.
     */
    public Response header(String name, String value) {
        Objects.requireNonNull(name, "The header name must not be null.");
        Objects.requireNonNull(value, "The header value must not be null.");
        HeaderValues.check(name, value);
        List<Map.Entry<String, String>> copy = new ArrayList<>(headers.size() + 1);
        copy.addAll(headers);
        copy.add(Map.entry(name, value));
        return new Response(status, Collections.unmodifiableList(copy), body);
    }

    /** Returns a copy with {@code body}. */
    public Response body(Object body) {
        return new Response(status, headers, body);
    }

    /** Returns the status code. */
    public int status() {
        return status;
    }

    /** Returns the headers in the order they were added. */
    public List<Map.Entry<String, String>> headers() {
        return headers;
    }

    /** Returns the body, if any. */
    public Optional<Object> body() {
        return Optional.ofNullable(body);
    }

    @Override
    public String toString() {
        return "Response[" + status + ", " + headers + "]";
    }
}
