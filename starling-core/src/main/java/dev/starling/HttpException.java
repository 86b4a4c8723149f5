package dev.starling;

import dev.starling.internal.HeaderValues;
import java.util.Map;
import java.util.Objects;

/**
 * Ends a request with an HTTP error status and a detail for the client, as FastAPI's {@code HTTPException}.
 * The client receives {@code {"detail": ...}} as JSON.
 *
 * <pre>{@code
 * throw new HttpException(404, "Item 42 does not exist.");
 * }</pre>
 */
public class HttpException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Object detail;
    private final Map<String, String> headers;

    /** Creates the exception with a status and a detail (a string, or anything Jackson can write). */
    public HttpException(int status, Object detail) {
        this(status, detail, Map.of());
    }

    /**
     * Creates the exception with a status, a detail and response headers such as {@code Retry-After}; a header
     * value with a control character other than a tab, such as a line break, is refused with an
     * {@link IllegalArgumentException}.
     */
    public HttpException(int status, Object detail, Map<String, String> headers) {
        super("HTTP " + status + ": " + detail);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("An HttpException needs a 4xx or 5xx status, not " + status + ".");
        }
        this.status = status;
        this.detail = detail;
        this.headers = Map.copyOf(Objects.requireNonNull(headers, "The headers must not be null; pass Map.of() for none."));
        this.headers.forEach(HeaderValues::check);
    }

    /** Returns the status code. */
    public int status() {
        return status;
    }

    /** Returns the detail sent to the client. */
    public Object detail() {
        return detail;
    }

    /** Returns the extra response headers. */
    public Map<String, String> headers() {
        return headers;
    }
}
