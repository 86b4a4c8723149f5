package dev.starling.security;

import dev.starling.HttpException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The OAuth2 scopes that the route and the dependencies above a provider require of it, FastAPI's
 * {@code SecurityScopes}: a provider parameter of this type receives the {@link Scopes} of every {@code @Depends}
 * on the way from the route down to it, outermost first, each once. They are fixed when the routes are included.
 *
 * <pre>{@code
 * @Provides
 * User currentUser(@Depends Credentials token, SecurityScopes required) {
 *     Claims claims = verify(token.value());          // 401 when the token is bad
 *     required.require(claims.scopes());              // 401 Bearer scope="..." when one is missing
 *     return users.byName(claims.subject());
 * }
 * }</pre>
 */
public final class SecurityScopes {

    private static final SecurityScopes NONE = new SecurityScopes(List.of());

    private final List<String> scopes;

    private SecurityScopes(List<String> scopes) {
        this.scopes = scopes;
    }

    /** Returns the scopes {@code scopes}, in order, each once; for tests and dependency overrides. */
    public static SecurityScopes of(Collection<String> scopes) {
        Objects.requireNonNull(scopes, "The scopes must not be null.");
        if (scopes.isEmpty()) {
            return NONE;
        }
        List<String> distinct = new ArrayList<>();
        for (String scope : scopes) {
            checkScope(scope, "A scope");
            if (!distinct.contains(scope)) {
                distinct.add(scope);
            }
        }
        return new SecurityScopes(List.copyOf(distinct));
    }

    /** Returns the scopes required, outermost first; empty when nothing above asks for one. */
    public List<String> scopes() {
        return scopes;
    }

    /** Returns the scopes separated by spaces, as OAuth2 writes them (FastAPI's {@code scope_str}). */
    public String text() {
        return String.join(" ", scopes);
    }

    /**
     * Returns the {@code WWW-Authenticate} value that tells a client what is required: {@code Bearer} when no scope
     * is, else {@code Bearer scope="a b"} (RFC 6750, section 3).
     */
    public String challenge() {
        return scopes.isEmpty() ? "Bearer" : "Bearer scope=\"" + text() + "\"";
    }

    /**
     * Returns a {@code 401} with {@code detail} and the {@link #challenge()}, to throw when a token is missing,
     * invalid or expired.
     */
    public HttpException unauthorized(String detail) {
        return new HttpException(401, detail, Map.of("www-authenticate", challenge()));
    }

    /**
     * Throws a {@code 401 Not enough permissions} with the {@link #challenge()} unless {@code granted} holds every
     * required scope, as FastAPI's OAuth2 scopes tutorial answers.
     */
    public void require(Collection<String> granted) {
        Objects.requireNonNull(granted, "The granted scopes must not be null.");
        for (String scope : scopes) {
            if (!granted.contains(scope)) {
                throw unauthorized("Not enough permissions");
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecurityScopes other && other.scopes.equals(scopes);
    }

    @Override
    public int hashCode() {
        return scopes.hashCode();
    }

    @Override
    public String toString() {
        return "SecurityScopes" + scopes;
    }

    /**
     * Checks that {@code scope} is an OAuth2 scope token (RFC 6749, section 3.3: printable ASCII other than space,
     * {@code "} and {@code \}), so that it can stand in a {@code WWW-Authenticate} header as it is.
     */
    static void checkScope(String scope, String what) {
        Objects.requireNonNull(scope, what + " must not be null.");
        boolean valid = !scope.isEmpty();
        for (int i = 0; i < scope.length() && valid; i++) {
            char c = scope.charAt(i);
            valid = c >= 0x21 && c <= 0x7e && c != '"' && c != '\\';
        }
        if (!valid) {
            throw new IllegalArgumentException(what + " '" + scope.replaceAll("\\p{Cntrl}", "?") + "' is not an "
                    + "OAuth2 scope; a scope is printable ASCII without spaces, quotes or backslashes (RFC 6749).");
        }
    }
}
