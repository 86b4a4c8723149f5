package dev.starling.bench.helidon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Checks the six workload endpoints of the Helidon SE peer byte for byte, with their headers. */
class HelidonServerTest {

    private static final String TEXT = "text/plain; charset=utf-8";

    private static HelidonServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        server = HelidonServer.start(0);
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void assertBody(String path, String contentType, String body)
            throws IOException, InterruptedException {
        HttpResponse<byte[]> response = get(path);
        byte[] expected = body.getBytes(StandardCharsets.UTF_8);
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        assertThat(response.body()).as(path).isEqualTo(expected);
        assertThat(response.headers().firstValue("content-type")).as(path).contains(contentType);
        assertThat(response.headers().firstValue("content-length")).as(path)
                .contains(Integer.toString(expected.length));
        assertThat(response.headers().firstValue("transfer-encoding")).as(path).isEmpty();
    }

    @Test
    void listensOnAnEphemeralPort() {
        assertThat(server.port()).isPositive();
    }

    @Test
    void helloAsync() throws Exception {
        assertBody("/hello/async", TEXT, "Hello, World!");
    }

    @Test
    void helloSync() throws Exception {
        assertBody("/hello/sync", TEXT, "Hello, World!");
    }

    @Test
    void sleepSync() throws Exception {
        assertBody("/sleep/sync?ms=10", TEXT, "slept");
    }

    @Test
    void sleepOffload() throws Exception {
        assertBody("/sleep/offload?ms=10", TEXT, "slept");
    }

    @Test
    void item() throws Exception {
        assertBody("/items/42?q=abc", "application/json", "{\"id\":42,\"q\":\"abc\",\"tags\":[\"a\",\"b\",\"c\"]}");
    }

    @Test
    void itemWithAnIdThatIsNoIntIsABadRequest() throws Exception {
        assertThat(get("/items/abc?q=abc").statusCode()).isEqualTo(400);
    }

    @Test
    void itemWithoutQIsABadRequest() throws Exception {
        assertThat(get("/items/42").statusCode()).isEqualTo(400);
    }

    @Test
    void sleepWithoutMsIsABadRequest() throws Exception {
        assertThat(get("/sleep/sync").statusCode()).isEqualTo(400);
    }

    @Test
    void cpu() throws Exception {
        assertBody("/cpu/sync?n=2000", TEXT, "c9b15adbe11c15dcc993de3b99b9a8deb7004a56fd8e45983ba3e43b46959e38");
    }

    @Test
    void sha256RoundsMatchesTheWorkload() {
        assertThat(HelidonServer.sha256Rounds(2000))
                .isEqualTo("c9b15adbe11c15dcc993de3b99b9a8deb7004a56fd8e45983ba3e43b46959e38");
    }

    @Test
    void unknownPathIsNotFound() throws Exception {
        assertThat(get("/nope").statusCode()).isEqualTo(404);
    }
}
