package dev.starling.security;

import java.util.Objects;

/**
 * A key or token a client sent, as a {@link SecurityScheme} read it: an API key, an HTTP Bearer token or an OAuth2
 * access token, FastAPI's {@code HTTPAuthorizationCredentials} (and the plain string its API-key and OAuth2
 * schemes give).
 *
 * <pre>{@code
 * @Provides
 * User currentUser(@Depends Credentials token) { return users.byToken(token.value()); }
 * }</pre>
 *
 * @param scheme the name of the security scheme that read it, such as {@code HTTPBearer}
 * @param value  the key or token as sent, never empty
 */
public record Credentials(String scheme, String value) {

    /** Checks that both parts are there. */
    public Credentials {
        Objects.requireNonNull(scheme, "The scheme must not be null.");
        Objects.requireNonNull(value, "The credential value must not be null.");
    }

    /** Returns the scheme's name without the secret, so that a logged value gives nothing away. */
    @Override
    public String toString() {
        return "Credentials[scheme=" + scheme + ", value=***]";
    }
}
