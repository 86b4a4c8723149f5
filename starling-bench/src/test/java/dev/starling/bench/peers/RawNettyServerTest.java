package dev.starling.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The raw Netty baseline answers the six workload endpoints byte for byte, and 404 elsewhere. */
class RawNettyServerTest {

    private static final String TEXT = "text/plain; charset=utf-8";

    private static RawNettyServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        server = RawNettyServer.start(0);
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    private static HttpResponse<byte[]> get(String pathAndQuery) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(10))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void check(String pathAndQuery, String body, String contentType) throws Exception {
        HttpResponse<byte[]> response = get(pathAndQuery);
        assertThat(response.statusCode()).as(pathAndQuery).isEqualTo(200);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).as(pathAndQuery).isEqualTo(body);
        assertThat(response.headers().firstValue("content-type")).as(pathAndQuery).hasValue(contentType);
        assertThat(response.headers().firstValue("content-length")).as(pathAndQuery)
                .hasValue(Integer.toString(body.getBytes(StandardCharsets.UTF_8).length));
    }

    @Test
    void helloOnTheLoop() throws Exception {
        check("/hello/async", "Hello, World!", TEXT);
    }

    @Test
    void helloOnThePool() throws Exception {
        check("/hello/sync", "Hello, World!", TEXT);
    }

    @Test
    void sleepOnThePool() throws Exception {
        check("/sleep/sync?ms=10", "slept", TEXT);
    }

    @Test
    void sleepOffloaded() throws Exception {
        check("/sleep/offload?ms=10", "slept", TEXT);
    }

    @Test
    void item() throws Exception {
        check("/items/42?q=abc", "{\"id\":42,\"q\":\"abc\",\"tags\":[\"a\",\"b\",\"c\"]}", "application/json");
    }

    @Test
    void cpu() throws Exception {
        check("/cpu/sync?n=2000", "c9b15adbe11c15dcc993de3b99b9a8deb7004a56fd8e45983ba3e43b46959e38", TEXT);
    }

    @Test
    void unknownPathIs404() throws Exception {
        HttpResponse<byte[]> response = get("/nowhere");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("content-length")).hasValue(
                Integer.toString(response.body().length));
    }
}
