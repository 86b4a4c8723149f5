package dev.starling.security;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The form of an OAuth2 password grant (RFC 6749, section 4.3), FastAPI's {@code OAuth2PasswordRequestForm}:
 * what Swagger UI's Authorize dialog posts to a {@code tokenUrl}. Take it as a dependency; Starling reads it from
 * an {@code application/x-www-form-urlencoded} (or multipart) body and answers {@code 422} when {@code username}
 * or {@code password} is missing or {@code grant_type} is sent with a value other than {@code password}.
 *
 * <pre>{@code
 * @Post("/token")
 * Token token(@Depends PasswordForm form) {
 *     User user = users.check(form.username(), form.password());   // 401 when they do not match
 *     return tokens.issue(user, form.scopes());
 * }
 * }</pre>
 *
 * @param username     the form's {@code username}
 * @param password     the form's {@code password}
 * @param scopes       the form's {@code scope}, split at spaces; empty when absent
 * @param grantType    the form's {@code grant_type}, {@code password} when sent
 * @param clientId     the form's {@code client_id}, when sent
 * @param clientSecret the form's {@code client_secret}, when sent
 */
public record PasswordForm(String username, String password, List<String> scopes, Optional<String> grantType,
                           Optional<String> clientId, Optional<String> clientSecret) {

    /** Checks that no part is null and copies the scopes. */
    public PasswordForm {
        Objects.requireNonNull(username, "The username must not be null.");
        Objects.requireNonNull(password, "The password must not be null.");
        scopes = List.copyOf(scopes);
        Objects.requireNonNull(grantType, "The grant type must not be null; pass Optional.empty().");
        Objects.requireNonNull(clientId, "The client id must not be null; pass Optional.empty().");
        Objects.requireNonNull(clientSecret, "The client secret must not be null; pass Optional.empty().");
    }

    /** Returns the form without its secrets, so that a logged value gives nothing away. */
    @Override
    public String toString() {
        return "PasswordForm[username=" + username + ", password=***, scopes=" + scopes + ", grantType="
                + grantType.orElse("") + ", clientId=" + clientId.orElse("") + ", clientSecret="
                + (clientSecret.isPresent() ? "***" : "") + "]";
    }
}
