package dev.starling.params;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Binds a handler parameter to a form field of an {@code application/x-www-form-urlencoded} or {@code multipart/form-data} body, converted to the parameter's type. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Form {
    /** The field name; empty means the parameter's own name (compile with {@code -parameters}). */
    String value() default "";
}
