package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.security.BasicCredentials;
import dev.starling.security.Credentials;
import dev.starling.security.PasswordForm;
import dev.starling.security.Scopes;
import dev.starling.security.SecurityScheme;
import dev.starling.security.SecurityScopes;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Security schemes as dependencies, FastAPI's {@code fastapi.security} since 0.122.0: what each scheme reads, the
 * {@code 401} and {@code WWW-Authenticate} it answers, Optional credentials, OAuth2 scopes along the chain, the
 * checks made when routes are included, and the OpenAPI document's {@code securitySchemes} and {@code security}.
 */
class SecurityTest {

    record User(String name, List<String> scopes) {
    }

    /** Users whose token is their name; "alice" holds the scopes "me" and "items", "bob" only "me". */
    static final class Auth {
        final AtomicInteger userCalls = new AtomicInteger();

        @Provides
        User user(@Depends("OAuth2PasswordBearer") Credentials token, SecurityScopes required) {   // offloaded
            userCalls.incrementAndGet();
            User user = switch (token.value()) {
                case "alice" -> new User("alice", List.of("me", "items"));
                case "bob" -> new User("bob", List.of("me"));
                default -> throw required.unauthorized("Could not validate credentials");
            };
            required.require(user.scopes());
            return user;
        }

        @Provides
        CompletionStage<Optional<User>> maybeUser(@Depends Optional<Credentials> token) {       // on the loop
            return CompletableFuture.completedFuture(token.map(t -> new User(t.value(), List.of())));
        }
    }

    static final class UserApi {
        @Get("/me")
        String me(@Depends User user) {
            return user.name() + " on " + Thread.currentThread().getName();
        }

        @Get("/me/async")
        CompletionStage<String> meAsync(@Depends User user) {
            return CompletableFuture.completedFuture(user.name() + " on " + Thread.currentThread().getName());
        }

        @Get("/items")
        String items(@Depends @Scopes("items") User user) {
            return "items of " + user.name();
        }

        @Get("/greeting")
        String greeting(@Depends Optional<User> user) {
            return "hello " + user.map(User::name).orElse("stranger");
        }
    }

    static final class Api {
        @Get("/token")
        String token(@Depends Credentials token) {
            return token.scheme() + ":" + token.value();
        }

        @Post("/token")
        Map<String, Object> issue(@Depends PasswordForm form) {
            return Map.of("access_token", form.username(), "token_type", "bearer", "scope", form.scopes(),
                    "client", form.clientId().orElse("-"));
        }
    }

    private static Starling app(SecurityScheme<?> scheme, Object api) {
        return Starling.create(c -> c.port(0)).providers(scheme).include(api);
    }

    private static Starling app(SecurityScheme<?> scheme, Object providers, Object... apis) {
        Starling app = Starling.create(c -> c.port(0)).providers(scheme).providers(providers);
        for (Object api : apis) {
            app.include(api);
        }
        return app;
    }

    private static void assertUnauthorized(TestResponse response, String detail, String challenge) {
        assertThat(response.status()).as(response.text()).isEqualTo(401);
        assertThat(response.json().get("detail").asString()).isEqualTo(detail);
        assertThat(response.header("www-authenticate")).hasValue(challenge);
    }

    static final class KeyApi {
        @Get("/key")
        String key(@Depends Credentials key) {
            return key.scheme() + "=" + key.value();
        }

        @Get("/key/optional")
        String optional(@Depends Optional<Credentials> key) {
            return key.map(Credentials::value).orElse("none");
        }
    }

    @Test
    void anApiKeyIsReadFromAHeaderAQueryParameterOrACookieAndItsAbsenceAnswers401WithAnApiKeyChallenge() {
        try (TestClient client = TestClient.create(app(SecurityScheme.apiKeyHeader("x-api-key"), new KeyApi()))) {
            assertThat(client.request("GET", "/key").header("X-API-Key", "s3cret").send().text())
                    .isEqualTo("APIKeyHeader=s3cret");
            assertUnauthorized(client.get("/key"), "Not authenticated", "APIKey");
            assertUnauthorized(client.request("GET", "/key").header("x-api-key", "").send(), "Not authenticated",
                    "APIKey");
        }
        try (TestClient client = TestClient.create(app(SecurityScheme.apiKeyQuery("api_key").named("key"),
                new KeyApi()))) {
            assertThat(client.get("/key?api_key=abc").text()).isEqualTo("key=abc");
            assertUnauthorized(client.get("/key?other=abc"), "Not authenticated", "APIKey");
        }
        try (TestClient client = TestClient.create(app(SecurityScheme.apiKeyCookie("session"), new KeyApi()))) {
            assertThat(client.request("GET", "/key").cookie("session", "c00kie").send().text())
                    .isEqualTo("APIKeyCookie=c00kie");
            assertUnauthorized(client.get("/key"), "Not authenticated", "APIKey");
        }
    }

    @Test
    void anOptionalCredentialIsEmptyInsteadOfA401() {
        try (TestClient client = TestClient.create(app(SecurityScheme.apiKeyHeader("x-api-key"), new KeyApi()))) {
            assertThat(client.get("/key/optional").text()).isEqualTo("none");
            assertThat(client.request("GET", "/key/optional").header("x-api-key", "k").send().text()).isEqualTo("k");
        }
    }

    static final class BasicApi {
        @Get("/basic")
        CompletionStage<String> basic(@Depends BasicCredentials login) {
            return CompletableFuture.completedFuture(login.username() + "/" + login.password());
        }

        @Get("/basic/optional")
        String optional(@Depends Optional<BasicCredentials> login) {
            return login.map(BasicCredentials::username).orElse("anonymous");
        }
    }

    private static String basic(String text) {
        return "Basic " + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void httpBasicDecodesTheUserAndPasswordAndAnswersMissingOrUndecodableCredentialsWith401() {
        try (TestClient client = TestClient.create(app(SecurityScheme.httpBasic(), new BasicApi()))) {
            assertThat(client.request("GET", "/basic").header("authorization", basic("jürgen:pa:ss")).send().text())
                    .isEqualTo("jürgen/pa:ss");
            assertThat(client.request("GET", "/basic").header("authorization", basic("anna:")).send().text())
                    .isEqualTo("anna/");
            assertUnauthorized(client.get("/basic"), "Not authenticated", "Basic");
            assertUnauthorized(client.request("GET", "/basic").header("authorization", "Bearer abc").send(),
                    "Not authenticated", "Basic");
            assertUnauthorized(client.request("GET", "/basic").header("authorization", "Basic %%%").send(),
                    "Not authenticated", "Basic");
            assertUnauthorized(client.request("GET", "/basic").header("authorization", basic("no-colon")).send(),
                    "Not authenticated", "Basic");
            // As in FastAPI, credentials that are there but undecodable are refused even when optional.
            assertThat(client.get("/basic/optional").text()).isEqualTo("anonymous");
            assertUnauthorized(client.request("GET", "/basic/optional").header("authorization", "Basic %%%").send(),
                    "Not authenticated", "Basic");
        }
        try (TestClient client = TestClient.create(app(SecurityScheme.httpBasic().realm("shop"), new BasicApi()))) {
            assertUnauthorized(client.get("/basic"), "Not authenticated", "Basic realm=\"shop\"");
        }
    }

    @Test
    void httpBearerTakesTheTokenOfABearerAuthorizationOnlyAndAnswersEverythingElseWith401() {
        try (TestClient client = TestClient.create(app(SecurityScheme.httpBearer(), new Api()))) {
            assertThat(client.request("GET", "/token").header("authorization", "Bearer abc.def").send().text())
                    .isEqualTo("HTTPBearer:abc.def");
            assertThat(client.request("GET", "/token").header("authorization", "bearer  xyz").send().text())
                    .isEqualTo("HTTPBearer:xyz");
            assertUnauthorized(client.get("/token"), "Not authenticated", "Bearer");
            assertUnauthorized(client.request("GET", "/token").header("authorization", "Bearer").send(),
                    "Not authenticated", "Bearer");
            assertUnauthorized(client.request("GET", "/token").header("authorization", basic("a:b")).send(),
                    "Not authenticated", "Bearer");
        }
    }

    @Test
    void theUsersProviderRunsOffloadedOrOnTheLoopAndTheHandlerWhereItsReturnTypeSays() {
        Auth auth = new Auth();
        try (TestClient client = TestClient.create(app(SecurityScheme.oauth2Password("token"), auth, new UserApi()))) {
            assertThat(client.request("GET", "/me").header("authorization", "Bearer bob").send().text())
                    .startsWith("bob on starling-worker-");
            assertThat(client.request("GET", "/me/async").header("authorization", "Bearer bob").send().text())
                    .startsWith("bob on starling-loop-");
            assertUnauthorized(client.get("/me/async"), "Not authenticated", "Bearer");
            assertUnauthorized(client.request("GET", "/me").header("authorization", "Bearer mallory").send(),
                    "Could not validate credentials", "Bearer");
            // maybeUser returns a CompletionStage: it runs on the loop, and an absent token is no error.
            assertThat(client.get("/greeting").text()).isEqualTo("hello stranger");
            assertThat(client.request("GET", "/greeting").header("authorization", "Bearer carol").send().text())
                    .isEqualTo("hello carol");
        }
    }

    @Test
    void thePasswordFormIsReadFromTheBodyAndAMissingFieldOrAnotherGrantTypeIsA422() {
        try (TestClient client = TestClient.create(app(SecurityScheme.oauth2Password("token"), new Auth(),
                new Api()))) {
            JsonNode token = client.request("POST", "/token").form("grant_type", "password").form("username", "alice")
                    .form("password", "pw").form("scope", "me  items").form("client_id", "swagger").send().json();
            assertThat(token.get("access_token").asString()).isEqualTo("alice");
            assertThat(token.get("scope").toString()).isEqualTo("[\"me\",\"items\"]");
            assertThat(token.get("client").asString()).isEqualTo("swagger");
            TestResponse missing = client.request("POST", "/token").form("username", "alice").send();
            assertThat(missing.status()).isEqualTo(422);
            assertThat(missing.json().get("detail").get(0).get("loc").toString()).isEqualTo("[\"body\",\"password\"]");
            TestResponse grant = client.request("POST", "/token").form("grant_type", "client_credentials")
                    .form("username", "alice").form("password", "pw").send();
            assertThat(grant.status()).isEqualTo(422);
            assertThat(grant.json().get("detail").get(0).get("loc").toString()).isEqualTo("[\"body\",\"grant_type\"]");
        }
    }

    /** FastAPI's scopes tutorial: the active user needs "me", the items route needs "items" on top. */
    static final class ScopedApi {
        @Provides
        User activeUser(@Depends("user") @Scopes("me") User user) {
            return user;
        }

        @Get("/users/me/items")
        String items(@Depends("activeUser") @Scopes("items") User activeUser, SecurityScopes none) {
            return activeUser.name() + " " + none.scopes();
        }

        @Get("/users/me")
        String me(@Depends("activeUser") User user, @Depends("user") User plain) {
            return user.name() + "=" + plain.name();
        }
    }

    @Test
    void scopesRequiredAlongTheChainReachTheProviderOutermostFirstAndAMissingOneAnswers401WithTheScopes() {
        Auth auth = new Auth();
        try (TestClient client = TestClient.create(app(SecurityScheme.oauth2Password("token"), auth,
                new ScopedApi()))) {
            assertThat(client.request("GET", "/users/me/items").header("authorization", "Bearer alice").send().text())
                    .isEqualTo("alice []");
            assertUnauthorized(client.request("GET", "/users/me/items").header("authorization", "Bearer bob").send(),
                    "Not enough permissions", "Bearer scope=\"items me\"");
            assertUnauthorized(client.request("GET", "/users/me/items").header("authorization", "Bearer x").send(),
                    "Could not validate credentials", "Bearer scope=\"items me\"");
            assertUnauthorized(client.get("/users/me/items"), "Not authenticated", "Bearer");
            // The same provider required with other scopes is another value: "user" ran for "me" and for none.
            int before = auth.userCalls.get();
            assertThat(client.request("GET", "/users/me").header("authorization", "Bearer bob").send().text())
                    .isEqualTo("bob=bob");
            assertThat(auth.userCalls.get() - before).isEqualTo(2);
        }
    }

    @Test
    void appAndRouterLevelDependenciesRequireTheSchemeOfEveryRouteTheyCover() {
        Starling app = Starling.create(c -> c.port(0));
        app.providers(SecurityScheme.apiKeyHeader("x-api-key").named("apiKey"));
        app.providers(SecurityScheme.httpBasic());
        app.include(Router.create("/admin").dependsOn("HTTPBasic").get("/stats", r -> "stats"));
        app.get("/open", r -> "open");
        app.dependsOn("apiKey");
        app.get("/closed", r -> "closed");
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.get("/open").text()).isEqualTo("open");
            assertUnauthorized(client.get("/closed"), "Not authenticated", "APIKey");
            assertThat(client.request("GET", "/closed").header("x-api-key", "k").send().text()).isEqualTo("closed");
            assertUnauthorized(client.get("/admin/stats"), "Not authenticated", "Basic");
            assertThat(client.request("GET", "/admin/stats").header("authorization", basic("a:b")).send().text())
                    .isEqualTo("stats");
        }
    }

    @Test
    void aTestCanOverrideASchemeByItsNameForRequiredAndOptionalCredentials() {
        Starling app = app(SecurityScheme.apiKeyHeader("x-api-key"), new KeyApi());
        app.overrideDependency("APIKeyHeader", () -> new Credentials("APIKeyHeader", "stand-in"));
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.get("/key").text()).isEqualTo("APIKeyHeader=stand-in");
            assertThat(client.get("/key/optional").text()).isEqualTo("stand-in");
        }
    }

    // ---- checks when the routes are included ----

    static final class ScopesWithoutDependency {
        @Get("/x")
        String x(@Scopes("items") @dev.starling.params.Query String q) {
            return q;
        }
    }

    static final class ScopesOnPlainProvider {
        @Provides
        String settings() {
            return "s";
        }

        @Get("/x")
        String x(@Depends @Scopes("items") String settings) {
            return settings;
        }
    }

    static final class BadScope {
        @Get("/x")
        String x(@Depends @Scopes("read items") Credentials token) {
            return token.value();
        }
    }

    @Test
    void aScopeRequirementThatNothingWouldCheckFailsWithASentenceNamingTheParameter() {
        assertThatThrownBy(() -> app(SecurityScheme.httpBearer(), new ScopesWithoutDependency()))
                .hasMessage("Parameter 'q' of dev.starling.SecurityTest$ScopesWithoutDependency.x(...) has @Scopes but "
                        + "is not a dependency; scopes are required of a security dependency, as in @Depends "
                        + "@Scopes(\"items\") User user.");
        assertThatThrownBy(() -> app(SecurityScheme.httpBearer(), new ScopesOnPlainProvider()))
                .hasMessage("Parameter 'settings' of dev.starling.SecurityTest$ScopesOnPlainProvider.x(...) requires "
                        + "the scopes [items], but its provider ScopesOnPlainProvider.settings reaches no security "
                        + "scheme and takes no SecurityScopes, so nothing would check them; depend on a provider that "
                        + "does, or remove @Scopes.");
        assertThatThrownBy(() -> app(SecurityScheme.httpBearer(), new BadScope()))
                .hasMessage("Parameter 'token' of dev.starling.SecurityTest$BadScope.x(...) has @Scopes that cannot be "
                        + "sent: A scope 'read items' is not an OAuth2 scope; a scope is printable ASCII without "
                        + "spaces, quotes or backslashes (RFC 6749).");
    }

    static final class WrongType {
        @Get("/x")
        String x(@Depends("HTTPBearer") Optional<BasicCredentials> login) {
            return "x";
        }
    }

    @Test
    void aSchemeOfTheWrongTypeOrTwoSchemesOfOneNameOrTypeWithoutANameAreRefused() {
        assertThatThrownBy(() -> app(SecurityScheme.httpBearer(), new WrongType()))
                .hasMessage("Parameter 'login' of dev.starling.SecurityTest$WrongType.x(...) is a "
                        + "Optional<BasicCredentials>, but its provider HTTPBearer (optional) makes a "
                        + "Optional<Credentials>.");
        Starling app = Starling.create(c -> c.port(0)).providers(SecurityScheme.httpBearer());
        assertThatThrownBy(() -> app.providers(SecurityScheme.oauth2Password("token").named("HTTPBearer")))
                .hasMessageStartingWith("A security scheme named 'HTTPBearer' is already registered");
        app.providers(SecurityScheme.apiKeyHeader("x-key"));
        assertThatThrownBy(() -> app.include(new KeyApi()))
                .hasMessage("Parameter 'key' of dev.starling.SecurityTest$KeyApi.key(...) depends on a Credentials, "
                        + "which several providers make (HTTPBearer, APIKeyHeader); name one with @Depends(\"name\").");
        assertThatThrownBy(() -> SecurityScheme.httpBearer().realm("x"))
                .hasMessage("A realm belongs to HTTPBasic schemes; HTTPBearer is a HTTPBearer.");
        assertThatThrownBy(() -> SecurityScheme.apiKeyHeader("x api key"))
                .hasMessageContaining("is not a valid name");
    }

    // ---- the OpenAPI document ----

    @Test
    void theDocumentDescribesEverySchemeAndEachRouteRequiresTheSchemesItsDependenciesReachWithTheirScopes() {
        Starling app = Starling.create(c -> c.port(0));
        app.providers(SecurityScheme.oauth2Password("token").scope("me", "Read yourself").scope("items", "Read items"))
                .providers(SecurityScheme.apiKeyHeader("x-api-key")).providers(SecurityScheme.apiKeyQuery("k"))
                .providers(SecurityScheme.apiKeyCookie("session")).providers(SecurityScheme.httpBasic())
                .providers(SecurityScheme.httpBearer().named("jwt").bearerFormat("JWT").description("A signed token."))
                .providers(new Auth());
        app.include(new ScopedApi());
        app.include(Router.create("/admin").dependsOn("HTTPBasic").get("/stats", r -> "stats"));
        app.include(Router.create("/keys").dependsOn("APIKeyHeader").dependsOn("APIKeyQuery")
                .dependsOn("APIKeyCookie").dependsOn("jwt").get("/all", r -> "all"));
        app.post("/token", r -> "token");
        String json;
        try (TestClient client = TestClient.create(app)) {
            json = client.get("/openapi.json").text();
        }
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        assertThat(new OpenAPIV3Parser().readContents(json, null, options).getMessages()).as(json).isEmpty();
        JsonNode doc = tools.jackson.databind.json.JsonMapper.builder().build().readTree(json);
        JsonNode schemes = doc.get("components").get("securitySchemes");
        assertThat(schemes.get("OAuth2PasswordBearer").toString()).isEqualTo("{\"type\":\"oauth2\",\"flows\":"
                + "{\"password\":{\"tokenUrl\":\"token\",\"scopes\":{\"me\":\"Read yourself\","
                + "\"items\":\"Read items\"}}}}");
        assertThat(schemes.get("APIKeyHeader").toString())
                .isEqualTo("{\"type\":\"apiKey\",\"in\":\"header\",\"name\":\"x-api-key\"}");
        assertThat(schemes.get("APIKeyQuery").toString())
                .isEqualTo("{\"type\":\"apiKey\",\"in\":\"query\",\"name\":\"k\"}");
        assertThat(schemes.get("APIKeyCookie").toString())
                .isEqualTo("{\"type\":\"apiKey\",\"in\":\"cookie\",\"name\":\"session\"}");
        assertThat(schemes.get("HTTPBasic").toString()).isEqualTo("{\"type\":\"http\",\"scheme\":\"basic\"}");
        assertThat(schemes.get("jwt").toString()).isEqualTo("{\"type\":\"http\",\"scheme\":\"bearer\","
                + "\"bearerFormat\":\"JWT\",\"description\":\"A signed token.\"}");
        JsonNode paths = doc.get("paths");
        assertThat(paths.get("/users/me/items").get("get").get("security").toString())
                .isEqualTo("[{\"OAuth2PasswordBearer\":[\"items\",\"me\"]}]");
        assertThat(paths.get("/users/me").get("get").get("security").toString())
                .isEqualTo("[{\"OAuth2PasswordBearer\":[\"me\"]}]");
        assertThat(paths.get("/admin/stats").get("get").get("security").toString())
                .isEqualTo("[{\"HTTPBasic\":[]}]");
        assertThat(paths.get("/keys/all").get("get").get("security").toString()).isEqualTo("[{\"APIKeyHeader\":[]},"
                + "{\"APIKeyQuery\":[]},{\"APIKeyCookie\":[]},{\"jwt\":[]}]");
        assertThat(paths.get("/token").get("post").has("security")).isFalse();
        // A scheme's own header is not a parameter: Swagger UI sends it from the Authorize dialog.
        assertThat(paths.get("/users/me").get("get").has("parameters")).isFalse();
    }

    @Test
    void thePasswordFormIsDocumentedAsTheRoutesFormBody() {
        try (TestClient client = TestClient.create(app(SecurityScheme.oauth2Password("token"), new Auth(),
                new Api()))) {
            JsonNode body = client.get("/openapi.json").json().get("paths").get("/token").get("post")
                    .get("requestBody");
            JsonNode schema = body.get("content").get("application/x-www-form-urlencoded").get("schema");
            assertThat(schema.get("properties").propertyNames()).containsExactly("username", "password", "scope",
                    "grant_type", "client_id", "client_secret");
            assertThat(schema.get("required").toString()).isEqualTo("[\"username\",\"password\"]");
            assertThat(body.get("required").asBoolean()).isTrue();
        }
    }
}
