package dev.starling.security;

import dev.starling.HttpException;
import dev.starling.Request;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How a client proves who it is, FastAPI's {@code fastapi.security} classes: an API key in a header, a query
 * parameter or a cookie, HTTP Basic, HTTP Bearer, or an OAuth2 password flow's bearer token. Given to
 * {@code Starling.providers(...)}, a scheme is a dependency like a {@code @Provides} method: a {@code @Depends}
 * parameter of its value type ({@link Credentials}, or {@link BasicCredentials} for HTTP Basic) receives what the
 * client sent, and {@code app.dependsOn(name)} or {@code Router.dependsOn(name)} requires it of a group. Missing
 * credentials answer {@code 401 {"detail":"Not authenticated"}} with the scheme's {@code WWW-Authenticate}
 * challenge, as FastAPI does since 0.122.0; a {@code @Depends Optional<Credentials>} parameter receives an empty
 * value instead (FastAPI's {@code auto_error=False}). The OpenAPI document lists the scheme under
 * {@code components.securitySchemes} and each route that reaches it under {@code security}, so Swagger UI offers
 * its Authorize button.
 *
 * <pre>{@code
 * app.providers(SecurityScheme.apiKeyHeader("x-api-key"))       // a scheme named APIKeyHeader
 *    .providers(new Auth())                                      // @Provides User user(@Depends Credentials key)
 *    .include(new ItemsApi());                                   // Item read(int id, @Depends User user)
 * }</pre>
 *
 * <p>A scheme only reads credentials; checking them (a key against a store, a token's signature) is the work of
 * the provider that depends on it. Instances are immutable: {@link #named}, {@link #description},
 * {@link #realm}, {@link #bearerFormat} and {@link #scope} return a changed copy.
 *
 * @param <C> the type of the credentials it reads
 */
public final class SecurityScheme<C> {

    /** The kinds of scheme, FastAPI's classes of the same names. */
    private enum Kind {
        API_KEY_HEADER("APIKeyHeader", "header"), API_KEY_QUERY("APIKeyQuery", "query"),
        API_KEY_COOKIE("APIKeyCookie", "cookie"), HTTP_BASIC("HTTPBasic", null), HTTP_BEARER("HTTPBearer", null),
        OAUTH2_PASSWORD("OAuth2PasswordBearer", null);

        final String defaultName;
        final String in;

        Kind(String defaultName, String in) {
            this.defaultName = defaultName;
            this.in = in;
        }
    }

    /** The names OpenAPI allows as keys of {@code components.securitySchemes}. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

    private final Kind kind;
    private final Class<C> type;
    private final String name;
    /** The header, query parameter or cookie of an API key; the token URL of an OAuth2 flow; null otherwise. */
    private final String parameter;
    private final String description;
    private final String realm;
    private final String bearerFormat;
    private final Map<String, String> scopes;

    private SecurityScheme(Kind kind, Class<C> type, String name, String parameter, String description, String realm,
                           String bearerFormat, Map<String, String> scopes) {
        this.kind = kind;
        this.type = type;
        this.name = name;
        this.parameter = parameter;
        this.description = description;
        this.realm = realm;
        this.bearerFormat = bearerFormat;
        this.scopes = scopes;
    }

    private static <C> SecurityScheme<C> of(Kind kind, Class<C> type, String parameter) {
        return new SecurityScheme<>(kind, type, kind.defaultName, parameter, null, null, null, Map.of());
    }

    /** Returns a scheme that reads an API key from request header {@code header}, FastAPI's {@code APIKeyHeader}. */
    public static SecurityScheme<Credentials> apiKeyHeader(String header) {
        return of(Kind.API_KEY_HEADER, Credentials.class, checkToken(header, "API key header"));
    }

    /** Returns a scheme that reads an API key from query parameter {@code parameter}, FastAPI's {@code APIKeyQuery}. */
    public static SecurityScheme<Credentials> apiKeyQuery(String parameter) {
        return of(Kind.API_KEY_QUERY, Credentials.class, checkNotBlank(parameter, "API key query parameter"));
    }

    /** Returns a scheme that reads an API key from cookie {@code cookie}, FastAPI's {@code APIKeyCookie}. */
    public static SecurityScheme<Credentials> apiKeyCookie(String cookie) {
        return of(Kind.API_KEY_COOKIE, Credentials.class, checkToken(cookie, "API key cookie"));
    }

    /** Returns a scheme that reads {@code Authorization: Basic ...} (RFC 7617), FastAPI's {@code HTTPBasic}. */
    public static SecurityScheme<BasicCredentials> httpBasic() {
        return of(Kind.HTTP_BASIC, BasicCredentials.class, null);
    }

    /** Returns a scheme that reads {@code Authorization: Bearer ...} (RFC 6750), FastAPI's {@code HTTPBearer}. */
    public static SecurityScheme<Credentials> httpBearer() {
        return of(Kind.HTTP_BEARER, Credentials.class, null);
    }

    /**
     * Returns a scheme that reads the bearer token of an OAuth2 password flow whose tokens are issued at
     * {@code tokenUrl} (relative to the document, such as {@code token}, or absolute), FastAPI's
     * {@code OAuth2PasswordBearer}: Swagger UI's Authorize dialog posts the user's name and password there.
     */
    public static SecurityScheme<Credentials> oauth2Password(String tokenUrl) {
        return of(Kind.OAUTH2_PASSWORD, Credentials.class, checkNotBlank(tokenUrl, "OAuth2 token URL"));
    }

    /**
     * Returns this scheme under {@code name}: its key in the OpenAPI document and the name that
     * {@code @Depends("name")} and {@code dependsOn("name")} use. The default is FastAPI's class name, such as
     * {@code HTTPBearer}.
     */
    public SecurityScheme<C> named(String name) {
        Objects.requireNonNull(name, "The scheme name must not be null.");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("The security scheme name '" + name + "' is not one OpenAPI allows; "
                    + "use letters, digits, '.', '-' and '_'.");
        }
        return new SecurityScheme<>(kind, type, name, parameter, description, realm, bearerFormat, scopes);
    }

    /** Returns this scheme with a description for the OpenAPI document (CommonMark). */
    public SecurityScheme<C> description(String description) {
        Objects.requireNonNull(description, "The description must not be null.");
        return new SecurityScheme<>(kind, type, name, parameter, description, realm, bearerFormat, scopes);
    }

    /** Returns this HTTP Basic scheme with a realm, sent as {@code WWW-Authenticate: Basic realm="..."}. */
    public SecurityScheme<C> realm(String realm) {
        only(Kind.HTTP_BASIC, "A realm");
        Objects.requireNonNull(realm, "The realm must not be null.");
        if (realm.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '"' || c == '\\')) {
            throw new IllegalArgumentException("The realm '" + realm.replaceAll("\\p{Cntrl}", "?") + "' must not "
                    + "contain quotes, backslashes or control characters, since it is sent quoted in a header.");
        }
        return new SecurityScheme<>(kind, type, name, parameter, description, realm, bearerFormat, scopes);
    }

    /** Returns this HTTP Bearer scheme with a hint of the token's format for the document, such as {@code JWT}. */
    public SecurityScheme<C> bearerFormat(String format) {
        only(Kind.HTTP_BEARER, "A bearer format");
        Objects.requireNonNull(format, "The bearer format must not be null.");
        return new SecurityScheme<>(kind, type, name, parameter, description, realm, format, scopes);
    }

    /**
     * Returns this OAuth2 scheme with one more scope it can grant, described for the document (Swagger UI offers
     * it as a check box in the Authorize dialog).
     */
    public SecurityScheme<C> scope(String scope, String description) {
        only(Kind.OAUTH2_PASSWORD, "A scope");
        SecurityScopes.checkScope(scope, "The scope");
        Objects.requireNonNull(description, "The description of scope '" + scope + "' must not be null.");
        Map<String, String> more = new LinkedHashMap<>(scopes);
        more.put(scope, description);
        return new SecurityScheme<>(kind, type, name, parameter, this.description, realm, bearerFormat,
                Collections.unmodifiableMap(more));
    }

    /** Returns the scheme's name in the OpenAPI document and for {@code @Depends("name")}. */
    public String name() {
        return name;
    }

    /** Returns the type of credentials it reads: {@link BasicCredentials} for HTTP Basic, else {@link Credentials}. */
    public Class<C> type() {
        return type;
    }

    /**
     * Returns the credentials {@code request} carries for this scheme, empty when it carries none (no such
     * header, query parameter or cookie, an empty one, or an {@code Authorization} of another scheme). HTTP Basic
     * credentials that are there but cannot be decoded (not Base64, not UTF-8, no colon) throw a {@code 401}, as
     * FastAPI answers them even with {@code auto_error=False}.
     */
    public Optional<C> read(Request request) {
        Objects.requireNonNull(request, "The request must not be null.");
        Optional<String> found = switch (kind) {
            case API_KEY_HEADER -> request.header(parameter);
            case API_KEY_QUERY -> request.query(parameter);
            case API_KEY_COOKIE -> request.cookie(parameter);
            case HTTP_BASIC -> authorization(request, "basic");
            case HTTP_BEARER, OAUTH2_PASSWORD -> authorization(request, "bearer");
        };
        if (found.isEmpty() || found.get().isEmpty()) {
            return Optional.empty();
        }
        Object credentials = kind == Kind.HTTP_BASIC ? basic(found.get()) : new Credentials(name, found.get());
        return Optional.of(type.cast(credentials));
    }

    /** Returns the credentials {@code request} carries for this scheme, or throws {@link #unauthorized} 401. */
    public C require(Request request) {
        return read(request).orElseThrow(() -> unauthorized("Not authenticated"));
    }

    /**
     * Returns a {@code 401} with {@code detail} and this scheme's {@code WWW-Authenticate} challenge
     * ({@code APIKey} for an API key, {@code Basic} or {@code Basic realm="..."}, {@code Bearer}), FastAPI's
     * {@code make_not_authenticated_error}: throw it when the credentials are there but wrong.
     */
    public HttpException unauthorized(String detail) {
        return new HttpException(401, detail, Map.of("www-authenticate", challenge()));
    }

    /** Returns this scheme's entry of the OpenAPI document's {@code components.securitySchemes}. */
    public Map<String, Object> openapi() {
        Map<String, Object> out = new LinkedHashMap<>();
        switch (kind) {
            case API_KEY_HEADER, API_KEY_QUERY, API_KEY_COOKIE -> {
                out.put("type", "apiKey");
                out.put("in", kind.in);
                out.put("name", parameter);
            }
            case HTTP_BASIC -> {
                out.put("type", "http");
                out.put("scheme", "basic");
            }
            case HTTP_BEARER -> {
                out.put("type", "http");
                out.put("scheme", "bearer");
                if (bearerFormat != null) {
                    out.put("bearerFormat", bearerFormat);
                }
            }
            case OAUTH2_PASSWORD -> {
                out.put("type", "oauth2");
                Map<String, Object> password = new LinkedHashMap<>();
                password.put("tokenUrl", parameter);
                password.put("scopes", scopes);
                out.put("flows", Map.of("password", password));
            }
        }
        if (description != null) {
            out.put("description", description);
        }
        return out;
    }

    @Override
    public String toString() {
        return "SecurityScheme[" + name + ", " + openapi() + "]";
    }

    private String challenge() {
        return switch (kind) {
            case API_KEY_HEADER, API_KEY_QUERY, API_KEY_COOKIE -> "APIKey";
            case HTTP_BASIC -> realm == null ? "Basic" : "Basic realm=\"" + realm + "\"";
            case HTTP_BEARER, OAUTH2_PASSWORD -> "Bearer";
        };
    }

    /** Returns the credentials of {@code Authorization: <scheme> <credentials>} when the scheme is {@code wanted}. */
    private static Optional<String> authorization(Request request, String wanted) {
        Optional<String> header = request.header("authorization");
        if (header.isEmpty()) {
            return Optional.empty();
        }
        String value = header.get();
        int space = value.indexOf(' ');
        String scheme = space < 0 ? value : value.substring(0, space);
        if (!scheme.toLowerCase(Locale.ROOT).equals(wanted)) {
            return Optional.empty();
        }
        return Optional.of(space < 0 ? "" : value.substring(space + 1).strip());
    }

    private BasicCredentials basic(String encoded) {
        String decoded;
        try {
            byte[] bytes = Base64.getDecoder().decode(encoded);
            decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw unauthorized("Not authenticated");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw unauthorized("Not authenticated");
        }
        return new BasicCredentials(decoded.substring(0, colon), decoded.substring(colon + 1));
    }

    private void only(Kind wanted, String what) {
        if (kind != wanted) {
            throw new IllegalArgumentException(what + " belongs to " + wanted.defaultName + " schemes; " + name
                    + " is a " + kind.defaultName + ".");
        }
    }

    private static String checkNotBlank(String value, String what) {
        Objects.requireNonNull(value, "The " + what + " must not be null.");
        if (value.isBlank()) {
            throw new IllegalArgumentException("The " + what + " must not be blank.");
        }
        return value;
    }

    /** Header and cookie names are HTTP tokens (RFC 9110, section 5.6.2). */
    private static String checkToken(String value, String what) {
        checkNotBlank(value, what);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= 0x20 || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                throw new IllegalArgumentException("The " + what + " '" + value.replaceAll("\\p{Cntrl}", "?")
                        + "' is not a valid name: it must be an HTTP token, without spaces or separators.");
            }
        }
        return value;
    }
}
