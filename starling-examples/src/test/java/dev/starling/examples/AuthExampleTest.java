package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.starling.Starling;
import dev.starling.examples.auth.AuthApp;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The auth example through its real server: the password form gives a JWT that Nimbus signed, the token opens
 * the routes its scopes allow, and every bad token (missing, malformed, tampered, foreign key, "none", expired)
 * answers {@code 401} with {@code WWW-Authenticate: Bearer}.
 */
class AuthExampleTest {

    private static final byte[] SECRET = "a test secret of at least 32 bytes, for HS256".getBytes(StandardCharsets.UTF_8);

    private static TestClient client() {
        return TestClient.create(AuthApp.create(0, SECRET, Duration.ofMinutes(30)));
    }

    private static TestResponse login(TestClient client, String user, String password, String scope) {
        return client.request("POST", "/token").form("grant_type", "password").form("username", user)
                .form("password", password).form("scope", scope).send();
    }

    private static TestResponse get(TestClient client, String path, String token) {
        return client.request("GET", path).header("authorization", "Bearer " + token).send();
    }

    private static void assertRefused(TestResponse response, String detail, String challenge) {
        assertThat(response.status()).as(response.text()).isEqualTo(401);
        assertThat(response.json().get("detail").asString()).isEqualTo(detail);
        assertThat(response.header("www-authenticate")).hasValue(challenge);
    }

    @Test
    void theRealServerIssuesASignedTokenThatOpensTheRoutesOfItsScopes() throws Exception {
        try (Starling app = AuthApp.create(0, SECRET, Duration.ofMinutes(30)).start()) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + app.port();
            String form = "grant_type=password&username=johndoe&password=secret&scope="
                    + URLEncoder.encode("me items", StandardCharsets.UTF_8);
            HttpResponse<String> issued = http.send(HttpRequest.newBuilder(URI.create(base + "/token"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
            JsonNode token = JsonMapper.builder().build().readTree(issued.body());
            assertThat(token.get("token_type").asString()).isEqualTo("bearer");
            assertThat(token.get("scope").asString()).isEqualTo("me items");
            String jwt = token.get("access_token").asString();
            assertThat(SignedJWT.parse(jwt).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
            HttpResponse<String> items = http.send(HttpRequest.newBuilder(URI.create(base + "/users/me/items"))
                    .header("authorization", "Bearer " + jwt).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(items.statusCode()).isEqualTo(200);
            assertThat(items.body()).isEqualTo("[{\"id\":\"Foo\",\"owner\":\"johndoe\"}]");
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(base + "/users/me")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("www-authenticate")).hasValue("Bearer");
        }
    }

    @Test
    void aTokenWithoutTheItemsScopeReadsTheProfileButNotTheItems() {
        try (TestClient client = client()) {
            String token = login(client, "johndoe", "secret", "me").json().get("access_token").asString();
            TestResponse me = get(client, "/users/me", token);
            assertThat(me.status()).isEqualTo(200);
            assertThat(me.json().get("fullName").asString()).isEqualTo("John Doe");
            assertRefused(get(client, "/users/me/items", token), "Not enough permissions", "Bearer scope=\"items me\"");
            String none = login(client, "johndoe", "secret", "").json().get("access_token").asString();
            assertRefused(get(client, "/users/me", none), "Not enough permissions", "Bearer scope=\"me\"");
        }
    }

    @Test
    void aWrongPasswordAnUnknownUserOrAScopeTheUserLacksGetsNoMore() {
        try (TestClient client = client()) {
            assertThat(login(client, "johndoe", "wrong", "me").status()).isEqualTo(400);
            assertThat(login(client, "nobody", "secret", "me").status()).isEqualTo(400);
            assertThat(login(client, "johndoe", "x".repeat(100), "me").status()).isEqualTo(400);
            assertThat(login(client, "johndoe", "secret", "me admin").json().get("scope").asString()).isEqualTo("me");
            String disabled = login(client, "alice", "secret2", "me").json().get("access_token").asString();
            TestResponse inactive = get(client, "/users/me", disabled);
            assertThat(inactive.status()).isEqualTo(400);
            assertThat(inactive.json().get("detail").asString()).isEqualTo("Inactive user");
        }
    }

    @Test
    void aMissingMalformedTamperedForeignUnsignedOrExpiredTokenIsA401WithABearerChallenge() throws Exception {
        try (TestClient client = client()) {
            assertRefused(client.get("/users/me"), "Not authenticated", "Bearer");
            assertRefused(get(client, "/users/me", "not-a-jwt"), "Could not validate credentials", "Bearer scope=\"me\"");
            String token = login(client, "johndoe", "secret", "me items").json().get("access_token").asString();
            String[] parts = token.split("\\.");
            String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                    .replace("johndoe", "alice");
            String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
            assertRefused(get(client, "/users/me", tampered), "Could not validate credentials", "Bearer scope=\"me\"");
            JWTClaimsSet claims = SignedJWT.parse(token).getJWTClaimsSet();
            assertRefused(get(client, "/users/me", sign(claims, "another secret, also of at least 32 bytes")),
                    "Could not validate credentials", "Bearer scope=\"me\"");
            assertRefused(get(client, "/users/me", new PlainJWT(claims).serialize()), "Could not validate credentials",
                    "Bearer scope=\"me\"");
            JWTClaimsSet expired = new JWTClaimsSet.Builder(claims)
                    .issueTime(Date.from(Instant.now().minusSeconds(3600)))
                    .expirationTime(Date.from(Instant.now().minusSeconds(60))).build();
            assertRefused(get(client, "/users/me", sign(expired, new String(SECRET, StandardCharsets.UTF_8))),
                    "Could not validate credentials", "Bearer scope=\"me\"");
            // The same claims, freshly signed with the right key, pass: the refusals above are the token's fault.
            assertThat(get(client, "/users/me", sign(claims, new String(SECRET, StandardCharsets.UTF_8))).status())
                    .isEqualTo(200);
        }
    }

    @Test
    void theDocumentOffersThePasswordFlowWithItsScopes() {
        try (TestClient client = client()) {
            JsonNode doc = client.get("/openapi.json").json();
            assertThat(doc.get("components").get("securitySchemes").get("OAuth2PasswordBearer").get("flows")
                    .get("password").get("tokenUrl").asString()).isEqualTo("token");
            assertThat(doc.get("paths").get("/users/me/items").get("get").get("security").toString())
                    .isEqualTo("[{\"OAuth2PasswordBearer\":[\"items\",\"me\"]}]");
            assertThat(doc.get("paths").get("/status").get("get").has("security")).isFalse();
        }
    }

    private static String sign(JWTClaimsSet claims, String secret) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }
}
