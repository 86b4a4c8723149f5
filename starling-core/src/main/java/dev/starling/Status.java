package dev.starling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gives the status a handler answers with when it returns normally: a plain return value is sent with it instead
 * of {@code 200} (a {@code void} handler's empty answer instead of {@code 204}), and the OpenAPI document lists
 * it as the operation's successful response.
 *
 * <pre>{@code
 * @Post("/notes") @Status(201)
 * Note create(@Body NewNote note) { ... }
 * }</pre>
 *
 * <p>A thrown exception still answers with its own status. A handler that returns {@link Response} sets the status
 * there (and documents it with {@link ApiResponse}); a stream, iterator, publisher or {@link FileResponse} has a
 * status of its own. Either with {@code @Status}, a status outside 200–599, or a status without a body (204,
 * 205, 304) on a handler that returns a value, fails start-up with a sentence saying so.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Status {
    /** The status code, between 200 and 599. */
    int value();
}
