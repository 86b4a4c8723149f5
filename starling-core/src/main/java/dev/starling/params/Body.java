package dev.starling.params;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Binds a handler parameter to the request body: JSON via the app's Jackson mapper for records and classes, the raw bytes for {@code byte[]}, the text for {@code String}; {@code Optional} makes the body optional. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Body {
}
