package dev.starling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a handler (or provider) parameter as a dependency, FastAPI's {@code Depends}: its value comes from a
 * {@link Provides} method, resolved once per request.
 *
 * <pre>{@code
 * @Get("/items/{id}")
 * Item read(int id, @Depends Database db) { return db.load(id); }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Depends {
    /** The provider method's name; empty means the one provider whose return type fits the parameter. */
    String value() default "";

    /**
     * Whether one value serves every use in a request (the default, FastAPI's {@code use_cache=True}); false
     * calls the provider again for this parameter.
     */
    boolean useCache() default true;
}
