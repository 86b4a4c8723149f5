package dev.starling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method that provides a dependency. Its parameters are bound like a handler's (path, query,
 * headers, other dependencies); a plain return type runs on the threadpool, a {@code CompletionStage} on the
 * event loop. A value that is {@link AutoCloseable}, or a {@link Resource}, is closed after the response is
 * sent, in reverse order, without ever waiting for a threadpool token.
 *
 * <pre>{@code
 * @Provides
 * Database database(@Header("x-tenant") String tenant) { return pool.open(tenant); }   // closed after the response
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Provides {
}
