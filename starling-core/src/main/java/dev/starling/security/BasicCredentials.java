package dev.starling.security;

import java.util.Objects;

/**
 * The user name and password of an HTTP Basic {@code Authorization} header (RFC 7617), FastAPI's
 * {@code HTTPBasicCredentials}; compare the password in constant time ({@code MessageDigest.isEqual}).
 *
 * <pre>{@code
 * @Get("/me")
 * String me(@Depends BasicCredentials login) { return login.username(); }
 * }</pre>
 *
 * @param username the part before the first colon
 * @param password the part after it, possibly empty
 */
public record BasicCredentials(String username, String password) {

    /** Checks that both parts are there. */
    public BasicCredentials {
        Objects.requireNonNull(username, "The username must not be null.");
        Objects.requireNonNull(password, "The password must not be null.");
    }

    /** Returns the user name without the password, so that a logged value gives nothing away. */
    @Override
    public String toString() {
        return "BasicCredentials[username=" + username + ", password=***]";
    }
}
