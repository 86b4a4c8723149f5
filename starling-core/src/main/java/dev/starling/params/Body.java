package dev.starling.params;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Binds a handler parameter to the request body: JSON via the app's Jackson mapper for records and classes, the
 * raw bytes for {@code byte[]}, the text for {@code String}; {@code Optional} makes the body optional.
 *
 * <p>With two or more {@code @Body} parameters, or {@code embed = true} on one, the body is one JSON object keyed by
 * the parameters' names, as FastAPI's embedded bodies: {@code create(@Body Item item, @Body User user)} reads
 * {@code {"item": {...}, "user": {...}}}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Body {
    /** True to read this parameter from the key of its name in a JSON object body, even when it is the only one. */
    boolean embed() default false;
}
