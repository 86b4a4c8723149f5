package dev.starling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Describes a handler method in the OpenAPI document: a summary (else the method's name in words), a longer
 * description and extra tags.
 *
 * <pre>{@code
 * @Get("/items/{id}")
 * @Operation(summary = "Read an item", description = "Returns the item, or 404 when there is none.")
 * Item read(int id) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Operation {
    /** A short summary; empty means the method's name in words. */
    String summary() default "";

    /** A longer description (CommonMark); empty means none. */
    String description() default "";

    /** Tags added to the router's tags. */
    String[] tags() default {};
}
