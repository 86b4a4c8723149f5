package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.starling.middleware.TrustedHosts;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * RFC 9112's requirements on a server that reads HTTP/1.1 messages, each answered exactly: the Host header
 * (section 3.2), the forms of the request target (3.2.1 to 3.2.4), the bytes between and within lines (2.2, 5),
 * transfer codings in HTTP/1.0 and chunk extensions and trailers (6.1, 7.1) and the last request of a connection
 * (9.6). The list with every requirement and where it is tested is in docs/security.md; what other classes test
 * already (BadInputTest, HttpServerTest) is not repeated here.
 */
class MessageSyntaxTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** An app with /hello, /where (the host and URL), /count (the requests it ran) and POST /echo on {@code path}. */
    private static Http serve(HandlerPath path, AtomicInteger counted, Consumer<Config.Builder> config) {
        return Http.serve(config, app -> {
            path.get(app, "/hello", r -> "Hello");
            path.get(app, "/where", r -> "host=" + r.host() + " url=" + r.url());
            path.get(app, "/count", r -> "count=" + counted.incrementAndGet());
            path.route(app, "POST", "/echo", r -> "[" + r.bodyText() + "] note=" + r.header("x-note").orElse("none"));
        });
    }

    private static Http serve(HandlerPath path) {
        return serve(path, new AtomicInteger(), c -> { });
    }

    /** Asserts a JSON error answer whose detail is exactly {@code detail}. */
    private static void assertError(RawConnection.Response response, int status, String detail) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.header("content-type")).hasValue("application/json");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.size()).as(response.body()).isEqualTo(1);
        assertThat(body.get("detail").asString()).isEqualTo(detail);
    }

    /** Asserts that a plain request on a new connection is still answered. */
    private static void assertServing(Http http) {
        try (RawConnection next = RawConnection.open(http.app.port())) {
            assertThat(next.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").read().body()).isEqualTo("Hello");
        }
    }

    // ---- section 3.2: Host ----

    @Test
    void anHttp11RequestWithoutHostIs400AndTheConnectionCloses() {
        try (Http http = serve(HandlerPath.OFFLOADED); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("GET /count HTTP/1.1\r\n\r\n").read();

            assertError(response, 400, "The request has no Host header, which HTTP/1.1 requires.");
            assertThat(response.header("connection")).hasValue("close");
            connection.assertClosedByServer();
            assertServing(http);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.1", "1.0"})
    void twoHostLinesAre400InHttp11AndHttp10(String version) {
        try (Http http = serve(HandlerPath.OFFLOADED); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection
                    .send("GET /hello HTTP/" + version + "\r\nHost: a.example\r\nHost: b.example\r\n\r\n").read();

            assertError(response, 400, "The request has more than one Host header.");
            connection.assertClosedByServer();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "a/b", "a:80:90", "user@a.example", "a.example:http", "[::1", "[]", "%zz",
            "\u00e9.example", "a\\b"})
    void aHostThatIsNotAHostAndPortIs400(String host) {
        try (Http http = serve(HandlerPath.OFFLOADED); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("GET /hello HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
                    .read();

            assertError(response, 400, "The Host header '" + host + "' is not a host name or address with an "
                    + "optional port.");
            connection.assertClosedByServer();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a.example", "a.example:8080", "a.example:", "127.0.0.1:80", "[::1]:8080",
            "[v1.x]", "xn--bcher-kva.example", "a%41.example", "a_b.example"})
    void aHostThatIsAHostAndPortIsServed(String host) {
        try (Http http = serve(HandlerPath.OFFLOADED); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("GET /hello HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
                    .read();

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
        }
    }

    // ---- section 2.3 (and RFC 9110 section 2.5): the version ----

    @Test
    void aLaterMinorVersionIsServedAsHttp11() {
        // RFC 9110 section 2.5: a minor version above the server's is read as the highest it speaks.
        try (Http http = serve(HandlerPath.OFFLOADED); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("GET /hello HTTP/1.2\r\nHost: a\r\n\r\n").read();

            assertThat(response.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(connection.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n").read().body()).isEqualTo("Hello");
        }
    }

    // ---- sections 3.2.1 to 3.2.4: the forms of the request target ----

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anAbsoluteFormTargetsHostWinsOverTheHostHeader(HandlerPath path) {
        try (Http http = serve(path); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection
                    .send("GET http://target.example:8080/where?x=1 HTTP/1.1\r\nHost: header.example\r\n\r\n").read();

            assertThat(response.body()).as(response.toString())
                    .isEqualTo("host=target.example:8080 url=http://target.example:8080/where?x=1");
        }
    }

    @Test
    void trustedHostsJudgesAnAbsoluteFormTargetByItsHostNotByTheHostHeader() {
        try (Http http = Http.serve(app -> {
            app.middlewareAsync(TrustedHosts.of("good.example"));
            app.get("/where", r -> "host=" + r.host() + " header=" + r.header("host").orElse("none"));
        }); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response evil = connection
                    .send("GET http://evil.example/where HTTP/1.1\r\nHost: good.example\r\n\r\n").read();
            RawConnection.Response good = connection
                    .send("GET http://good.example/where HTTP/1.1\r\nHost: evil.example\r\n\r\n").read();

            assertError(evil, 400, "The Host header names a host this server does not answer to.");
            assertThat(good.body()).as(good.toString()).isEqualTo("host=good.example header=good.example");
        }
    }

    @Test
    void anHttpsUrlOverClearTextIs421AndTheConnectionServesOn() {
        try (Http http = serve(HandlerPath.OFFLOADED); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection
                    .send("GET https://a.example/hello HTTP/1.1\r\nHost: a.example\r\n\r\n").read();

            assertError(response, 421, "The request target is an https URL, but the request did not come over TLS.");
            assertThat(connection.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n").read().body()).isEqualTo("Hello");
        }
    }

    @Test
    void anHttpsUrlFromATrustedProxyThatTerminatedTlsIsServed() {
        try (Http http = serve(HandlerPath.OFFLOADED, new AtomicInteger(), c -> c.trustedProxies("127.0.0.1"));
             RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("GET https://a.example/hello HTTP/1.1\r\n"
                    + "Host: a.example\r\nX-Forwarded-Proto: https\r\n\r\n").read();

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
        }
    }

    static Stream<Arguments> targetsThatAreNotPaths() {
        String neither = "The request target '%s' is neither a path starting with '/' nor an http or https URL.";
        return Stream.of(
                argumentSet("a relative path", "GET", "hello", neither.formatted("hello")),
                argumentSet("authority-form outside CONNECT", "GET", "a.example:80", neither.formatted("a.example:80")),
                argumentSet("asterisk-form outside OPTIONS", "GET", "*", "The request target '*' is only for OPTIONS "
                        + "requests."),
                argumentSet("a URL of another scheme", "GET", "ftp://a.example/hello", "The request target "
                        + "'ftp://a.example/hello' is a URL of the scheme 'ftp'; only http and https URLs are served."),
                argumentSet("an http URL without a host", "GET", "http:///hello", "The request target "
                        + "'http:///hello' is a URL without a host."),
                argumentSet("an http URL with user information", "GET", "http://me@a.example/hello", "The request "
                        + "target 'http://me@a.example/hello' has the authority 'me@a.example', which is not a host "
                        + "name or address with an optional port."),
                argumentSet("CONNECT", "CONNECT", "a.example:443", "CONNECT is not supported: this server is not a "
                        + "proxy."));
    }

    @ParameterizedTest
    @MethodSource("targetsThatAreNotPaths")
    void aTargetThatIsNotAPathOrAnHttpUrlIsRefusedAndNotServedAsTheRoot(String method, String target,
                                                                         String detail) {
        try (Http http = Http.serve(app -> {
            app.route(method, "/", r -> "the root");
            app.get("/hello", r -> "Hello");
        }); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection
                    .send(method + " " + target + " HTTP/1.1\r\nHost: a.example\r\n\r\n").read();

            assertError(response, method.equals("CONNECT") ? 501 : 400, detail);
            // The request line could be read, so the connection can read the next one.
            assertThat(connection.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n").read().body()).isEqualTo("Hello");
        }
    }

    @Test
    void optionsAsteriskIs204WithoutABodyAndReachesNoRoute() {
        try (Http http = Http.serve(app -> app.route("OPTIONS", "/", r -> "the root"));
             RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").read();

            assertThat(response.status()).as(response.toString()).isEqualTo(204);
            assertThat(response.header("content-length")).isEmpty();
            assertThat(connection.send("OPTIONS / HTTP/1.1\r\nHost: a\r\n\r\n").read().body()).isEqualTo("the root");
        }
    }

    // ---- sections 2.2 and 5: lines and fields ----

    static Stream<Arguments> badBytes() {
        String invalid = "The request is not valid HTTP/1.1: ";
        return Stream.of(
                argumentSet("whitespace between the start line and the first header",
                        "GET /hello HTTP/1.1\r\n Host: a\r\n\r\n", invalid + "a header name can only contain \"token\" "
                                + "characters, but found invalid character 0x20 at index 0 of header ' Host'."),
                argumentSet("a bare CR in a header value", "GET /hello HTTP/1.1\r\nHost: a\r\nX-Note: a\rb\r\n\r\n",
                        invalid + "Validation failed for header 'X-Note'."),
                argumentSet("a NUL in a header value", "GET /hello HTTP/1.1\r\nHost: a\r\nX-Note: a\u0000b\r\n\r\n",
                        invalid + "Validation failed for header 'X-Note'."),
                argumentSet("a bare CR in the request line", "GET /hello HTTP/1.1\rHost: a\r\n\r\n",
                        invalid + "invalid version format: HTTP/1.1\rHOST: A."),
                argumentSet("a bare LF as line end", "GET /hello HTTP/1.1\nHost: a\n\n", invalid + "Line Feed must "
                        + "be preceded by Carriage Return when terminating HTTP start- and header field-lines."),
                argumentSet("an empty header name", "GET /hello HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n",
                        invalid + "empty headers are not allowed []."));
    }

    @ParameterizedTest
    @MethodSource("badBytes")
    void malformedLinesAndFieldsAre400AndTheConnectionCloses(String request, String detail) {
        try (Http http = serve(HandlerPath.OFFLOADED); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send(request).read();

            assertError(response, 400, detail);
            assertThat(response.header("connection")).hasValue("close");
            connection.assertClosedByServer();
            assertServing(http);
        }
    }

    // ---- sections 6.1 and 7.1: transfer codings ----

    @Test
    void anHttp10RequestWithTransferEncodingIs400AndTheConnectionClosesBeforeWhatFollows() {
        try (Http http = serve(HandlerPath.OFFLOADED); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"
                    + "Content-Length: 5\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /count HTTP/1.0\r\n\r\n").read();

            assertError(response, 400, "The request is not valid HTTP/1.1: The Transfer-Encoding header is only "
                    + "allowed in HTTP/1.1 or newer.");
            connection.assertClosedByServer();
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void chunkExtensionsAreIgnoredAndTrailersAreNotMergedIntoTheHeaders(HandlerPath path) {
        try (Http http = serve(path); RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("POST /echo HTTP/1.1\r\nHost: a\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n3;name=value;other\r\nabc\r\n2 ; x=\"quoted\"\r\nde\r\n"
                    + "0\r\nX-Note: from the trailer\r\n\r\n").read();

            assertThat(response.body()).as(response.toString()).isEqualTo("[abcde] note=none");
        }
    }

    // ---- section 9.6: the last request of a connection ----

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void noRequestAfterOneWithConnectionCloseIsProcessed(HandlerPath path) {
        // The empty list element is ignored, as RFC 9110 section 5.6.1.2 wants.
        AtomicInteger counted = new AtomicInteger();
        try (Http http = serve(path, counted, c -> { });
             RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("GET /count HTTP/1.1\r\nHost: a\r\n"
                    + "Connection: keep-alive, , close\r\n\r\nGET /count HTTP/1.1\r\nHost: a\r\n\r\n").read();

            assertThat(response.body()).as(response.toString()).isEqualTo("count=1");
            assertThat(response.header("connection")).hasValue("close");
            connection.assertClosedByServer();
            assertThat(counted).as("requests run").hasValue(1);
        }
    }

    @Test
    void noRequestAfterARefusalIsProcessed() {
        AtomicInteger counted = new AtomicInteger();
        try (Http http = serve(HandlerPath.OFFLOADED, counted, c -> { });
             RawConnection connection = RawConnection.open(http.app.port())) {
            RawConnection.Response response = connection.send("GET /count HTTP/1.1\r\n\r\n"
                    + "GET /count HTTP/1.1\r\nHost: a\r\n\r\n").read();

            assertThat(response.status()).as(response.toString()).isEqualTo(400);
            connection.assertClosedByServer();
            assertThat(counted).as("requests run").hasValue(0);
        }
    }
}
