package dev.starling.examples.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.starling.Depends;
import dev.starling.Get;
import dev.starling.HttpException;
import dev.starling.Post;
import dev.starling.Provides;
import dev.starling.Starling;
import dev.starling.security.Credentials;
import dev.starling.security.PasswordForm;
import dev.starling.security.Scopes;
import dev.starling.security.SecurityScheme;
import dev.starling.security.SecurityScopes;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FastAPI's "OAuth2 with Password (and hashing), Bearer with JWT tokens" and "OAuth2 scopes" tutorials on
 * Starling: {@code POST /token} takes the password form and answers a JWT signed with HS256 by Nimbus JOSE+JWT,
 * {@code GET /users/me} needs the scope {@code me}, {@code GET /users/me/items} needs {@code items} too. Passwords
 * are kept as bcrypt hashes (Bouncy Castle); no crypto here is written by hand. A token that is missing,
 * malformed, tampered with, signed with another key or algorithm, or expired answers {@code 401} with
 * {@code WWW-Authenticate: Bearer} (and the required scopes); Swagger UI at {@code /docs} logs in through its
 * Authorize button.
 */
public final class AuthApp {

    private static final Logger LOG = LoggerFactory.getLogger(AuthApp.class);
    /** Where the signing key comes from when the app is started by {@link #main}. */
    public static final String SECRET_VARIABLE = "AUTH_JWT_SECRET";
    private static final String ISSUER = "starling-auth-example";

    /** A user as the service stores it; only the hash of the password is kept. */
    public record User(String username, String fullName, String email, boolean disabled, String passwordHash,
                       Set<String> scopes) {
    }

    /** A user as the client sees it. */
    public record Profile(String username, String fullName, String email) {
    }

    /** An item of a user. */
    public record Item(String id, String owner) {
    }

    /**
     * The answer of the token endpoint, in OAuth2's shape (RFC 6749, section 5.1), which Swagger UI reads: the
     * components carry OAuth2's field names.
     */
    public record Token(String access_token, String token_type, long expires_in, String scope) {
    }

    /** Signs and checks the tokens: HS256 with one secret, a fixed issuer and a lifetime. */
    static final class Tokens {
        private final byte[] secret;
        private final Duration lifetime;
        private final Clock clock;
        private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

        Tokens(byte[] secret, Duration lifetime, Clock clock) {
            if (secret.length < 32) {
                throw new IllegalArgumentException("The JWT secret has " + secret.length + " bytes; HS256 needs at "
                        + "least 32 (set " + SECRET_VARIABLE + " to a longer one).");
            }
            this.secret = secret.clone();
            this.lifetime = lifetime;
            this.clock = clock;
            // Only HS256 with this key: a token naming "none" or another algorithm is refused.
            processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256,
                    new ImmutableSecret<>(this.secret)));
            DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                    new JWTClaimsSet.Builder().issuer(ISSUER).build(), Set.of("sub", "exp", "iat"));
            claims.setMaxClockSkew(0);
            processor.setJWTClaimsSetVerifier(claims);
        }

        String issue(String subject, List<String> scopes) {
            Instant now = clock.instant();
            JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).subject(subject)
                    .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(lifetime)))
                    .claim("scope", String.join(" ", scopes)).build();
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            try {
                jwt.sign(new MACSigner(secret));
            } catch (JOSEException e) {
                throw new IllegalStateException("The token could not be signed.", e);
            }
            return jwt.serialize();
        }

        /** Returns the verified claims of {@code token}, or throws {@code unauthorized}. */
        JWTClaimsSet verify(String token, SecurityScopes required) {
            try {
                return processor.process(token, null);
            } catch (ParseException | BadJOSEException | JOSEException e) {
                LOG.debug("A token was refused: {}", e.getMessage());
                throw required.unauthorized("Could not validate credentials");
            }
        }
    }

    /** The routes, the users and the dependencies that turn a bearer token into a user. */
    public static final class Api {
        private final Map<String, User> users;
        private final Tokens tokens;

        Api(Map<String, User> users, Tokens tokens) {
            this.users = users;
            this.tokens = tokens;
        }

        /** Checks the name and password (bcrypt, offloaded), then signs a token with the granted scopes. */
        @Post("/token")
        public Token token(@Depends PasswordForm form) {
            User user = users.get(form.username());
            // Check a hash even for an unknown user, so that timing does not tell which names exist.
            String hash = user != null ? user.passwordHash() : DUMMY_HASH;
            if (!matches(hash, form.password()) || user == null) {
                throw new HttpException(400, "Incorrect username or password");
            }
            List<String> granted = form.scopes().stream().filter(user.scopes()::contains).toList();
            return new Token(tokens.issue(user.username(), granted), "bearer", tokens.lifetime.toSeconds(),
                    String.join(" ", granted));
        }

        /** The user a valid token names, holding every scope required along the way. */
        @Provides
        User currentUser(@Depends Credentials token, SecurityScopes required) {
            JWTClaimsSet claims = tokens.verify(token.value(), required);
            User user = users.get(claims.getSubject());
            if (user == null) {
                throw required.unauthorized("Could not validate credentials");
            }
            Object scope = claims.getClaim("scope");
            required.require(scope instanceof String s ? Arrays.asList(s.split(" ")) : List.of());
            return user;
        }

        /** The current user, who must hold the scope "me" and not be disabled. */
        @Provides
        User activeUser(@Depends("currentUser") @Scopes("me") User user) {
            if (user.disabled()) {
                throw new HttpException(400, "Inactive user");
            }
            return user;
        }

        /** Returns the profile of the token's user. */
        @Get("/users/me")
        public Profile me(@Depends("activeUser") User user) {
            return new Profile(user.username(), user.fullName(), user.email());
        }

        /** Returns the items of the token's user, which needs the scope "items" as well. */
        @Get("/users/me/items")
        public List<Item> items(@Depends("activeUser") @Scopes("items") User user) {
            return List.of(new Item("Foo", user.username()));
        }

        /** Needs no token. */
        @Get("/status")
        public Map<String, String> status() {
            return Map.of("status", "ok");
        }
    }

    /** A bcrypt hash of a random password, checked when the user name is unknown. */
    private static final String DUMMY_HASH = hash(Base64.getEncoder().encodeToString(random(16)));

    private AuthApp() {
    }

    /**
     * Returns the app on {@code port}, signing with {@code secret} (at least 32 bytes) tokens that live for
     * {@code lifetime}, not started. Two users: {@code johndoe} (password {@code secret}, scopes {@code me} and
     * {@code items}) and the disabled {@code alice} (password {@code secret2}).
     */
    public static Starling create(int port, byte[] secret, Duration lifetime) {
        Tokens tokens = new Tokens(secret, lifetime, Clock.systemUTC());
        Map<String, User> users = Map.of(
                "johndoe", new User("johndoe", "John Doe", "johndoe@example.com", false, hash("secret"),
                        Set.of("me", "items")),
                "alice", new User("alice", "Alice Chains", "alicechains@example.com", true, hash("secret2"),
                        Set.of("me", "items")));
        return Starling.create(c -> c.port(port).openapiInfo("Auth example", "1.0.0"))
                .providers(SecurityScheme.oauth2Password("token")
                        .scope("me", "Read information about the current user.")
                        .scope("items", "Read items."))
                .include(new Api(users, tokens));
    }

    /** Serves on port 8000 until the process is stopped, signing with {@value #SECRET_VARIABLE} (or a random key). */
    public static void main(String[] args) {
        String configured = System.getenv(SECRET_VARIABLE);
        byte[] secret;
        if (configured == null || configured.isEmpty()) {
            LOG.warn("{} is not set: tokens are signed with a random key and stop working when the process ends.",
                    SECRET_VARIABLE);
            secret = random(32);
        } else {
            secret = configured.getBytes(StandardCharsets.UTF_8);
        }
        create(8000, secret, Duration.ofMinutes(30)).run();
    }

    private static boolean matches(String hash, String password) {
        try {
            return OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
        } catch (IllegalArgumentException e) {
            return false;   // bcrypt takes at most 72 bytes: a longer password is no stored one
        }
    }

    private static String hash(String password) {
        return OpenBSDBCrypt.generate(password.toCharArray(), random(16), 10);
    }

    private static byte[] random(int bytes) {
        byte[] out = new byte[bytes];
        new SecureRandom().nextBytes(out);
        return out;
    }
}
