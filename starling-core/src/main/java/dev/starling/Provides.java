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
 * sent (or, with {@code scope = Scope.HANDLER}, when the handler returns), in reverse order, without ever waiting
 * for a threadpool token; a {@link Resource} may be told whether the request failed.
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

    /** When a provided value that needs closing is closed. */
    enum Scope {
        /** After the response has been sent (FastAPI's default): the value may serve a streamed body. */
        REQUEST,
        /**
         * When the handler returns, before the response is written (FastAPI's {@code scope="function"}): a
         * transaction committed here is visible to the client's next request, and a failing commit answers 500.
         */
        HANDLER
    }

    /** When the value is closed; {@link Scope#REQUEST} unless it must be closed before the client is answered. */
    Scope scope() default Scope.REQUEST;
}
