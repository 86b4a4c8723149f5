package dev.starling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gives a handler a time limit: a request still unanswered after it gets {@code 504 Gateway Timeout}, and the
 * request's offloaded work is cancelled (interrupted per its pool's policy). It overrides
 * {@link Config.Builder#requestTimeout(java.time.Duration)}; the limit ends when the handler has returned its
 * result, so a stream, iterator or file returned in time is not cut, even when its first item is slow.
 *
 * <pre>{@code
 * @Get("/reports/{id}") @Timeout("5s")
 * Report report(int id) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Timeout {
    /** The limit: a number and a unit ({@code "250ms"}, {@code "5s"}, {@code "2m"}) or ISO-8601 ({@code "PT5S"}). */
    String value();
}
