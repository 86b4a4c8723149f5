package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.testing.TestClient;
import dev.starling.testing.TestRequest;
import dev.starling.testing.TestResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Behind a proxy: {@link Request#client()}, {@link Request#scheme()}, {@link Request#host()} and the URLs built
 * from them follow {@code Forwarded} / {@code X-Forwarded-*} only from a trusted proxy, and {@code rootPath}
 * prefixes what the app builds. Every request comes from 127.0.0.1, trusted or not as each test configures.
 */
class ProxiesTest {

    @TempDir
    Path temp;

    /** What a handler sees of the request, on the threadpool ("/who") and on the loop ("/who-async"). */
    private static Map<String, Object> seen(Request r) {
        Map<String, Object> seen = new LinkedHashMap<>();
        seen.put("client", r.client().host());
        seen.put("clientPort", r.client().port());
        seen.put("scheme", r.scheme());
        seen.put("host", r.host());
        seen.put("url", r.url());
        seen.put("baseUrl", r.baseUrl());
        seen.put("remote", r.remoteAddress());
        return seen;
    }

    private static TestClient serve(Consumer<Config.Builder> config) {
        Starling app = Starling.create(c -> config.accept(c.port(0)));
        app.get("/who", ProxiesTest::seen);
        app.getAsync("/who-async", r -> CompletableFuture.completedFuture(seen(r)));
        return TestClient.create(app);
    }

    private static JsonNode who(TestClient client, String path, String... headers) {
        TestRequest request = client.request("GET", path);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        TestResponse response = request.send();
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private static final String[] SPOOFED = {
        "x-forwarded-for", "203.0.113.7",
        "x-forwarded-proto", "https",
        "x-forwarded-host", "evil.example",
        "forwarded", "for=198.51.100.1;proto=https;host=evil.example",
    };

    @Test
    void withNoTrustedProxyForwardingHeadersChangeNothing() {
        try (TestClient client = serve(c -> { })) {
            for (String path : new String[] {"/who", "/who-async"}) {
                JsonNode seen = who(client, path, SPOOFED);
                assertThat(seen.get("client").asString()).isEqualTo("127.0.0.1");
                assertThat(seen.get("clientPort").asInt()).isPositive();
                assertThat(seen.get("scheme").asString()).isEqualTo("http");
                assertThat(seen.get("host").asString()).startsWith("127.0.0.1:");
                assertThat(seen.get("url").asString()).isEqualTo("http://" + seen.get("host").asString() + path);
            }
        }
    }

    @Test
    void aPeerOutsideTheTrustedRangesCannotSpoofItsAddress() {
        try (TestClient client = serve(c -> c.trustedProxies("10.0.0.0/8", "fd00::/8"))) {
            JsonNode seen = who(client, "/who", SPOOFED);
            assertThat(seen.get("client").asString()).isEqualTo("127.0.0.1");
            assertThat(seen.get("scheme").asString()).isEqualTo("http");
            assertThat(seen.get("host").asString()).startsWith("127.0.0.1:");
        }
    }

    @Test
    void aTrustedProxysXForwardedHeadersGiveTheClientSchemeAndHost() {
        try (TestClient client = serve(c -> c.trustedProxies("127.0.0.1"))) {
            for (String path : new String[] {"/who?q=a%20b", "/who-async?q=a%20b"}) {
                JsonNode seen = who(client, path, "x-forwarded-for", "203.0.113.7",
                        "x-forwarded-proto", "https", "x-forwarded-host", "api.example");
                assertThat(seen.get("client").asString()).isEqualTo("203.0.113.7");
                assertThat(seen.get("clientPort").asInt()).isZero();
                assertThat(seen.get("scheme").asString()).isEqualTo("https");
                assertThat(seen.get("host").asString()).isEqualTo("api.example");
                assertThat(seen.get("url").asString()).isEqualTo("https://api.example" + path);
                assertThat(seen.get("baseUrl").asString()).isEqualTo("https://api.example/");
                assertThat(seen.get("remote").asString()).contains("127.0.0.1");
            }
        }
    }

    @Test
    void theAddressChainIsReadFromTheRightSkippingTrustedProxies() {
        try (TestClient client = serve(c -> c.trustedProxies("127.0.0.1", "10.0.0.0/8"))) {
            // The client wrote 198.51.100.1 itself; the edge proxy appended the address it saw, 203.0.113.7.
            assertThat(who(client, "/who", "x-forwarded-for", "198.51.100.1, 203.0.113.7, 10.1.2.3")
                    .get("client").asString()).isEqualTo("203.0.113.7");
            assertThat(who(client, "/who", "x-forwarded-for", "198.51.100.1", "x-forwarded-for", "203.0.113.7:5123")
                    .get("client").asString()).as("two header lines, and a port").isEqualTo("203.0.113.7");
            JsonNode allTrusted = who(client, "/who", "x-forwarded-for", "10.0.0.1, 10.0.0.2");
            assertThat(allTrusted.get("client").asString()).as("every hop trusted: the farthest").isEqualTo("10.0.0.1");
            JsonNode v6 = who(client, "/who", "x-forwarded-for", "2001:db8::1");
            assertThat(v6.get("client").asString()).isEqualTo("2001:db8::1");
        }
    }

    @Test
    void aProtoPerHopIsReadAtTheClientsPlaceInTheChain() {
        try (TestClient client = serve(c -> c.trustedProxies("127.0.0.1", "10.0.0.0/8"))) {
            // The edge proxy saw https from the client; the inner one saw http from the edge.
            JsonNode seen = who(client, "/who", "x-forwarded-for", "203.0.113.7, 10.0.0.2",
                    "x-forwarded-proto", "https, http");
            assertThat(seen.get("scheme").asString()).isEqualTo("https");
        }
    }

    @Test
    void forwardedIsParsedAsRfc7239() {
        try (TestClient client = serve(c -> c.trustedProxies("127.0.0.1", "10.0.0.0/8"))) {
            JsonNode seen = who(client, "/who",
                    "forwarded", "for=198.51.100.1;proto=http, for=\"[2001:db8:cafe::17]:4711\";proto=https;"
                            + "host=\"api.example:8443\";by=_edge",
                    "forwarded", "For=10.0.0.5 ; Proto=http");
            assertThat(seen.get("client").asString()).isEqualTo("2001:db8:cafe::17");
            assertThat(seen.get("clientPort").asInt()).isEqualTo(4711);
            assertThat(seen.get("scheme").asString()).isEqualTo("https");
            assertThat(seen.get("host").asString()).isEqualTo("api.example:8443");
            assertThat(seen.get("url").asString()).isEqualTo("https://api.example:8443/who");

            JsonNode hidden = who(client, "/who", "forwarded", "for=_hidden;proto=https, for=10.0.0.5");
            assertThat(hidden.get("client").asString()).as("an obfuscated identifier").isEqualTo("_hidden");
            assertThat(hidden.get("clientPort").asInt()).isZero();
            assertThat(who(client, "/who", "forwarded", "for=unknown").get("client").asString()).isEqualTo("unknown");

            JsonNode quoted = who(client, "/who", "forwarded", "for=\"203.0.113.9\";host=\"bad host\\\"x\"");
            assertThat(quoted.get("client").asString()).isEqualTo("203.0.113.9");
            assertThat(quoted.get("host").asString()).as("a host no URL can hold is passed over")
                    .startsWith("127.0.0.1:");
        }
    }

    @Test
    void forwardedWinsOverXForwarded() {
        try (TestClient client = serve(c -> c.trustedProxies("127.0.0.1"))) {
            JsonNode seen = who(client, "/who", "forwarded", "for=203.0.113.1;proto=https",
                    "x-forwarded-for", "203.0.113.2", "x-forwarded-proto", "http");
            assertThat(seen.get("client").asString()).isEqualTo("203.0.113.1");
            assertThat(seen.get("scheme").asString()).isEqualTo("https");
        }
    }

    @Test
    void aMalformedForwardedHeaderIsIgnored() {
        try (TestClient client = serve(c -> c.trustedProxies("127.0.0.1"))) {
            for (String bad : new String[] {"for=\"203.0.113.1", "for=203.0.113.1;for=203.0.113.2", "for 203.0.113.1",
                    "for=203.0.113.1 proto=https"}) {
                JsonNode seen = who(client, "/who", "forwarded", bad);
                assertThat(seen.get("client").asString()).as(bad).isEqualTo("127.0.0.1");
                assertThat(seen.get("scheme").asString()).as(bad).isEqualTo("http");
            }
        }
    }

    @Test
    void theHostHeaderIsTheHostWithoutAProxy() {
        Starling app = Starling.create(c -> c.port(0));
        app.get("/who", ProxiesTest::seen);
        try (TestClient client = TestClient.create(app);
             RawConnection raw = RawConnection.open(app.port())) {
            RawConnection.Response named = raw.send("GET /who?x=1 HTTP/1.1\r\nhost: api.example:9000\r\n\r\n").read();
            assertThat(named.body()).contains("\"host\":\"api.example:9000\"")
                    .contains("\"url\":\"http://api.example:9000/who?x=1\"");
            RawConnection.Response none = raw.send("GET /who HTTP/1.0\r\n\r\n").read();
            assertThat(none.body()).as("HTTP/1.0 without Host: the server's own address")
                    .contains("\"host\":\"127.0.0.1:" + app.port() + "\"");
        }
    }

    @Test
    void theRootPathPrefixesUrlsTheDocumentAndSwaggerUi() throws IOException {
        Path files = Files.createDirectories(temp.resolve("public/guide"));
        Files.writeString(files.resolve("index.html"), "<h1>guide</h1>");
        Starling app = Starling.create(c -> c.port(0).rootPath("/api/").openapiServers("https://api.example/api"));
        app.get("/who", ProxiesTest::seen);
        app.mount("/static", StaticFiles.of(temp.resolve("public")).html(true));
        try (TestClient client = TestClient.create(app)) {
            JsonNode seen = who(client, "/who?q=1");
            assertThat(seen.get("url").asString()).isEqualTo("http://127.0.0.1:" + app.port() + "/api/who?q=1");
            assertThat(seen.get("baseUrl").asString()).isEqualTo("http://127.0.0.1:" + app.port() + "/api/");
            JsonNode servers = client.get("/openapi.json").json().get("servers");
            assertThat(servers.get(0).get("url").asString()).isEqualTo("/api");
            assertThat(servers.get(1).get("url").asString()).isEqualTo("https://api.example/api");
            String page = client.get("/docs").text();
            assertThat(page).contains("url: \"/api/openapi.json\"").contains("href=\"/api/docs/swagger-ui.css\"")
                    .contains("src=\"/api/docs/swagger-ui-bundle.js\"");
            TestResponse redirect = client.get("/static/guide");
            assertThat(redirect.status()).isEqualTo(307);
            assertThat(redirect.header("location")).hasValue("/api/static/guide/");
        }
    }

    @Test
    void withoutARootPathTheDocumentListsOnlyTheGivenServers() {
        try (TestClient client = serve(c -> { })) {
            assertThat(client.get("/openapi.json").json().has("servers")).isFalse();
        }
    }

    @Test
    void aWebSocketOriginIsComparedWithTheForwardedHost() {
        Starling app = Starling.create(c -> c.port(0).trustedProxies("127.0.0.1"));
        app.websocketAsync("/ws", socket -> CompletableFuture.completedFuture(null));
        String upgrade = "GET /ws HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
                + "sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "origin: https://api.example\r\n";
        try (TestClient client = TestClient.create(app)) {
            try (RawConnection raw = RawConnection.open(app.port())) {
                assertThat(raw.send(upgrade + "\r\n").readHead().status()).isEqualTo(403);
            }
            try (RawConnection raw = RawConnection.open(app.port())) {
                assertThat(raw.send(upgrade + "x-forwarded-host: api.example\r\nx-forwarded-proto: https\r\n\r\n")
                        .readHead().status()).isEqualTo(101);
            }
        }
    }

    @Test
    void trustedProxiesAndTheRootPathAreCheckedWhenSet() {
        assertThatThrownBy(() -> Config.builder().trustedProxies("proxy.internal"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The trusted proxy 'proxy.internal' is not an IP address (such as 10.0.0.1 or ::1), a CIDR"
                        + " range (such as 10.0.0.0/8 or fd00::/8) or *; host names are not resolved.");
        assertThatThrownBy(() -> Config.builder().trustedProxies("10.0.0.0/33"))
                .hasMessage("The trusted proxy range '10.0.0.0/33' needs a prefix length from 0 to 32 after the '/'.");
        assertThatThrownBy(() -> Config.builder().rootPath("api"))
                .hasMessage("The root path 'api' must be empty or a path such as /api: starting with '/', of letters,"
                        + " digits and - . _ ~ % : @ / only, without '//'.");
        assertThat(Config.builder().trustedProxies(" 10.0.0.1 ", "::1", "[fd00::]/8", "*").build().trustedProxies())
                .containsExactly("10.0.0.1", "::1", "[fd00::]/8", "*");
    }

    @Test
    void everyPeerIsTrustedWithAStarWrittenWithBlanksAsAnAddressIs() {
        try (TestClient client = serve(c -> c.trustedProxies(" * "))) {
            assertThat(who(client, "/who", "x-forwarded-for", "203.0.113.7").get("client").asString())
                    .isEqualTo("203.0.113.7");
        }
    }

    @Test
    void trustedProxiesAndTheRootPathComeFromTheEnvironment() {
        Map<String, String> env = Map.of("STARLING_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1",
                "STARLING_ROOT_PATH", "/api");
        try (TestClient client = serve(c -> c.fromEnvironment(env, new Properties(), new URLClassLoader(new URL[0],
                null)))) {
            JsonNode seen = who(client, "/who", "x-forwarded-for", "203.0.113.7", "x-forwarded-host", "api.example",
                    "x-forwarded-proto", "https");
            assertThat(seen.get("client").asString()).isEqualTo("203.0.113.7");
            assertThat(seen.get("url").asString()).isEqualTo("https://api.example/api/who");
        }
    }

    @Test
    void nginxInFrontServesTheAppUnderItsRootPath() throws Exception {
        // nginx connects to the app from 127.0.0.2, the only trusted address; the test's client is 127.0.0.1.
        Path files = Files.createDirectories(temp.resolve("public/guide"));
        Files.writeString(files.resolve("index.html"), "<h1>guide</h1>");
        Starling app = Starling.create(c -> c.port(0).rootPath("/api").trustedProxies("127.0.0.2"));
        app.get("/who", ProxiesTest::seen);
        app.mount("/static", StaticFiles.of(temp.resolve("public")).html(true));
        try (TestClient direct = TestClient.create(app); FrontProxy nginx = nginx(temp, app.port())) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String front = "127.0.0.1:" + nginx.port;
            HttpResponse<String> who = http.send(HttpRequest.newBuilder(URI.create("http://" + front + "/api/who?q=1"))
                    .header("x-forwarded-for", "198.51.100.1").header("x-forwarded-proto", "https")
                    .header("x-forwarded-host", "evil.example").build(), BodyHandlers.ofString());
            assertThat(who.statusCode()).as(who.body()).isEqualTo(200);
            JsonNode seen = new tools.jackson.databind.ObjectMapper().readTree(who.body());
            assertThat(seen.get("client").asString()).as("the spoofed entry is left of an untrusted one")
                    .isEqualTo("127.0.0.1");
            assertThat(seen.get("remote").asString()).contains("127.0.0.2");
            assertThat(seen.get("scheme").asString()).isEqualTo("http");
            assertThat(seen.get("host").asString()).isEqualTo(front);
            assertThat(seen.get("url").asString()).isEqualTo("http://" + front + "/api/who?q=1");
            assertThat(seen.get("baseUrl").asString()).isEqualTo("http://" + front + "/api/");
            String page = http.send(HttpRequest.newBuilder(URI.create("http://" + front + "/api/docs")).build(),
                    BodyHandlers.ofString()).body();
            assertThat(page).contains("url: \"/api/openapi.json\"");
            HttpResponse<String> document = http.send(HttpRequest.newBuilder(URI.create("http://" + front
                    + "/api/openapi.json")).build(), BodyHandlers.ofString());
            assertThat(document.body()).contains("\"servers\":[{\"url\":\"/api\"}]");
            HttpResponse<String> css = http.send(HttpRequest.newBuilder(URI.create("http://" + front
                    + "/api/docs/swagger-ui.css")).build(), BodyHandlers.ofString());
            assertThat(css.statusCode()).isEqualTo(200);
            HttpResponse<String> redirect = http.send(HttpRequest.newBuilder(URI.create("http://" + front
                    + "/api/static/guide")).build(), BodyHandlers.ofString());
            assertThat(redirect.statusCode()).isEqualTo(307);
            HttpResponse<String> followed = http.send(HttpRequest.newBuilder(URI.create("http://" + front)
                    .resolve(redirect.headers().firstValue("location").orElseThrow())).build(), BodyHandlers.ofString());
            assertThat(followed.body()).isEqualTo("<h1>guide</h1>");

            JsonNode spoofedDirectly = who(direct, "/who", SPOOFED);
            assertThat(spoofedDirectly.get("client").asString()).as("straight to the app, from 127.0.0.1")
                    .isEqualTo("127.0.0.1");
        }
    }

    /** Debian's nginx with the configuration of docs/proxies.md, in front of {@code appPort}. */
    private static FrontProxy nginx(Path temp, int appPort) throws Exception {
        return FrontProxy.nginx(temp, """
                server {
                    listen 127.0.0.1:%1$d;
                    location /api/ {
                        proxy_pass http://127.0.0.1:%2$d/;
                        proxy_bind 127.0.0.2;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $scheme;
                        proxy_set_header X-Forwarded-Host $http_host;
                    }
                }
                """, appPort);
    }

    /** A request of the user's own, as a unit test of a handler would make one. */
    private record OwnRequest(String remoteAddress, Optional<String> hostHeader) implements Request {
        public String method() { return "GET"; }
        public String path() { return "/items/1"; }
        public String uri() { return "/items/1?q=a"; }
        public Optional<String> pathParam(String name) { return Optional.empty(); }
        public Optional<String> query(String name) { return Optional.empty(); }
        public List<String> queryAll(String name) { return List.of(); }
        public Optional<String> header(String name) { return name.equals("host") ? hostHeader : Optional.empty(); }
        public List<String> headers(String name) { return header(name).stream().toList(); }
        public byte[] body() { return new byte[0]; }
        public String bodyText() { return ""; }
        public Optional<String> cookie(String name) { return Optional.empty(); }
        public List<String> formAll(String name) { return List.of(); }
        public List<UploadedFile> files(String name) { return List.of(); }
    }

    @Test
    void aRequestOfYourOwnGetsItsPeerAsClientHttpAndItsHostHeader() {
        Request own = new OwnRequest("10.1.2.3:5555", Optional.of("api.example"));
        assertThat(own.client()).isEqualTo(new Request.Client("10.1.2.3", 5555));
        assertThat(own.scheme()).isEqualTo("http");
        assertThat(own.url()).isEqualTo("http://api.example/items/1?q=a");
        Request v6 = new OwnRequest("[::1]:8000", Optional.empty());
        assertThat(v6.client()).isEqualTo(new Request.Client("::1", 8000));
        assertThat(v6.baseUrl()).isEqualTo("http://localhost/");
        assertThat(new OwnRequest("a unix socket", Optional.empty()).client())
                .isEqualTo(new Request.Client("a unix socket", 0));
    }
}
