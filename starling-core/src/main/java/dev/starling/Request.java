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

    /** Returns the remote address as {@code host:port}. */
    String remoteAddress();

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
