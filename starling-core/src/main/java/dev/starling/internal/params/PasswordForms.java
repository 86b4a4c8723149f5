package dev.starling.internal.params;

import dev.starling.Provides;
import dev.starling.params.Default;
import dev.starling.params.Form;
import dev.starling.security.PasswordForm;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The built-in provider of {@link PasswordForm}, FastAPI's {@code OAuth2PasswordRequestForm}: its fields are
 * bound like a handler's {@code @Form} parameters (a missing {@code username} or {@code password} is a 422 at
 * {@code ["body", "username"]}), and the OpenAPI document lists them as the route's form body.
 */
final class PasswordForms {

    @Provides
    static CompletionStage<PasswordForm> passwordForm(@Form("username") String username,
                                                      @Form("password") String password,
                                                      @Form("scope") @Default("") String scope,
                                                      @Form("grant_type") Optional<String> grantType,
                                                      @Form("client_id") Optional<String> clientId,
                                                      @Form("client_secret") Optional<String> clientSecret) {
        if (grantType.isPresent() && !grantType.get().equals("password")) {
            // FastAPI's pattern="^password$": the 422 of a value that does not match.
            ValidationFailure.Collector errors = new ValidationFailure.Collector();
            errors.add("string_pattern_mismatch", List.of("body", "grant_type"),
                    "String should match pattern '^password$'", grantType.get(), Map.of("pattern", "^password$"));
            try {
                errors.throwIfAny();
            } catch (ValidationFailure failure) {
                return CompletableFuture.failedFuture(failure);
            }
        }
        List<String> scopes = Arrays.stream(scope.split(" ")).filter(s -> !s.isEmpty()).toList();
        return CompletableFuture.completedFuture(new PasswordForm(username, password, scopes, grantType, clientId,
                clientSecret));
    }
}
