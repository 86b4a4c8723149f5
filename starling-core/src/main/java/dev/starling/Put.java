package dev.starling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of an object given to {@link Starling#include(Object)} as the handler of {@code PUT} requests
 * to a path template such as {@code /items/{id}}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Put {
    /** The path template, starting with {@code /}; {@code {name}} segments bind to parameters of that name. */
    String value();
}
