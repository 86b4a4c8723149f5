package dev.starling.params;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Binds a handler parameter to a cookie of the request (from the Cookie header), converted to the parameter's type. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Cookie {
    /** The cookie name; empty means the parameter's own name (compile with {@code -parameters}). */
    String value() default "";
}
