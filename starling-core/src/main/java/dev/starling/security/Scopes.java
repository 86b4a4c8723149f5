package dev.starling.security;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Requires OAuth2 scopes of a {@code @Depends} dependency, FastAPI's {@code Security(dependency, scopes=[...])}:
 * every provider down the chain that takes a {@link SecurityScopes} sees these scopes (after those of the
 * dependencies above it), and the route's OpenAPI {@code security} lists them for the scheme the chain reaches.
 *
 * <pre>{@code
 * @Get("/items")
 * List<Item> items(@Depends @Scopes("items:read") User user) { return repository.of(user); }
 * }</pre>
 *
 * <p>The dependency must reach a {@link SecurityScheme} or a provider that takes {@link SecurityScopes}; any
 * other use fails when the routes are included.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Scopes {
    /** The scopes required, each an OAuth2 scope token (printable ASCII without spaces, quotes or backslashes). */
    String[] value();
}
