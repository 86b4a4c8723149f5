package dev.starling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a handler on a named executor registered with {@link Config.Builder#executor(String,
 * dev.starling.concurrent.Threadpool)}; an unknown name fails start-up.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ExecuteOn {
    /** The name the executor was registered under. */
    String value();
}
