package dev.starling;

import java.util.List;
import java.util.Optional;

/**
 * The status and headers of a response about to be sent, as middleware sees them: they may still change.
 *
 * <pre>{@code
 * public void after(Request request, ResponseHead response) {
 *     response.header("x-served-by", "starling");
 * }
 * }</pre>
 */
public interface ResponseHead {

    /** Returns the status code. */
    int status();

    /** Changes the status code. */
    ResponseHead status(int status);

    /** Returns the first value of header {@code name}, matched without regard to case. */
    Optional<String> header(String name);

    /** Returns every value of header {@code name}. */
    List<String> headers(String name);

    /**
     * Sets header {@code name} to {@code value}, replacing any values it had; a value with a control character
     * other than a tab, such as a line break, is refused with an {@link IllegalArgumentException}.
     */
    ResponseHead header(String name, String value);

    /** Adds a value to header {@code name}; refused like {@link #header(String, String)}'s. */
    ResponseHead addHeader(String name, String value);

    /** Removes header {@code name}. */
    ResponseHead removeHeader(String name);
}
