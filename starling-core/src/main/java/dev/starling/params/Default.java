package dev.starling.params;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gives a query, header, cookie or form parameter, or a component of a record read from a JSON body, the value used
 * when the request has none, so it is not required; the string is converted once when the route is added, and a
 * bad one fails start-up.
 *
 * <pre>{@code
 * record NewNote(String text, @Default("3") int priority) {}   // {"text": "hi"} gives priority 3
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
public @interface Default {
    /** The default value, written as the request would send it (such as {@code "10"} or {@code "2024-01-31"}). */
    String value();
}
