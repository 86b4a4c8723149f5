package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.starling.Starling;
import dev.starling.Tls;
import dev.starling.examples.bench.BenchApp;
import dev.starling.examples.demo.DemoApp;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestWebSocket;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ExamplesSmokeTest {

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> get(Starling app, String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theBenchAppServesTheSixWorkloadEndpointsExactly() throws Exception {
        try (Starling app = BenchApp.create(0).start()) {
            String text = "text/plain; charset=utf-8";
            assertBody(get(app, "/hello/async"), "Hello, World!", text);
            assertBody(get(app, "/hello/sync"), "Hello, World!", text);
            assertBody(get(app, "/sleep/sync?ms=10"), "slept", text);
            assertBody(get(app, "/sleep/offload?ms=10"), "slept", text);
            assertBody(get(app, "/items/42?q=abc"), "{\"id\":42,\"q\":\"abc\",\"tags\":[\"a\",\"b\",\"c\"]}",
                    "application/json");
            assertBody(get(app, "/cpu/sync?n=2000"),
                    "c9b15adbe11c15dcc993de3b99b9a8deb7004a56fd8e45983ba3e43b46959e38", text);
        }
    }

    @Test
    void theBenchAppEchoesOnBothWebSocketPaths() throws Exception {
        try (Starling app = BenchApp.create(0).start();
             TestClient test = TestClient.create(app)) {
            for (String path : new String[] {"/ws/echo", "/ws/echo-async"}) {
                try (TestWebSocket socket = test.websocket(path)) {
                    socket.send("hello");
                    assertThat(socket.receiveText()).isEqualTo("hello");
                    socket.send(new byte[] {1, 2, 3});
                    assertThat(socket.receiveBytes()).containsExactly(1, 2, 3);
                }
            }
        }
    }

    private static void assertBody(HttpResponse<String> response, String body, String type) {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(body);
        assertThat(response.headers().firstValue("content-type")).hasValue(type);
        assertThat(response.headers().firstValue("content-length")).hasValue(String.valueOf(body.length()));
    }

    @Test
    void theDemoAppAnswersItsRoutes() throws Exception {
        try (Starling app = DemoApp.create(0, TestCluster.NAME).start()) {
            assertThat(get(app, "/").body()).startsWith("Starling demo");
            assertThat(get(app, "/items/1").body()).isEqualTo("{\"id\":1,\"name\":\"starling\",\"tags\":[\"bird\",\"loud\"]}");
            assertThat(get(app, "/items/99").statusCode()).isEqualTo(404);
            assertThat(get(app, "/items?tag=fast").body()).contains("swift").doesNotContain("starling");
            assertThat(get(app, "/items/2/slow?ms=5").body()).contains("swift");
            assertThat(get(app, "/count?to=3").body()).isEqualTo("1\n2\n3\n");
            assertThat(get(app, "/hello?name=Ada").body()).isEqualTo("{\"message\":\"Hello, Ada!\"}");
            assertThat(get(app, "/items/abc").statusCode()).isEqualTo(422);
            HttpResponse<String> created = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + app.port() + "/items"))
                    .header("content-type", "application/json").header("x-user", "ada")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"robin\",\"tags\":[\"bird\"]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).isEqualTo(201);
            assertThat(created.headers().firstValue("location")).hasValue("/items/3");
            assertThat(created.body()).isEqualTo("{\"id\":3,\"name\":\"robin\",\"tags\":[\"bird\"]}");
        }
    }

    @Test
    void theDemoServesHttpsWithItsTlsOption() throws Exception {
        Tls tls = Tls.selfSigned();
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("demo", tls.certificateChain().get(0));
        TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trusted.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trusted.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
        try (Starling app = DemoApp.create(0, TestCluster.NAME, Optional.of(tls)).start()) {
            HttpResponse<String> hello = https.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + app.port() + "/hello?name=Ada")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(hello.body()).isEqualTo("{\"message\":\"Hello, Ada!\"}");
        }
    }

    @Test
    void theDemoCountsPrimesOnEveryExecutorAndSaysWhere() throws Exception {
        try (Starling app = DemoApp.create(0, TestCluster.NAME).start()) {
            HttpResponse<String> threadpool = get(app, "/reports/primes?below=100000&on=threadpool");
            HttpResponse<String> cluster = get(app, "/reports/primes?below=100000&on=cluster");
            HttpResponse<String> processes = get(app, "/reports/primes?below=100000&on=processes");
            HttpResponse<String> tooBig = get(app, "/reports/primes?below=1000000000");
            HttpResponse<String> nowhere = get(app, "/reports/primes?on=moon");

            assertThat(threadpool.body()).startsWith("{\"below\":100000,\"primes\":9592,\"ranOn\":\"pid ")
                    .contains(", thread starling-worker-");
            assertThat(processes.body()).startsWith("{\"below\":100000,\"primes\":9592,\"ranOn\":\"pid ")
                    .doesNotContain("pid " + ProcessHandle.current().pid() + ",");
            assertThat(cluster.body()).startsWith("{\"below\":100000,\"primes\":9592,\"ranOn\":\"cluster member starling-demo-app-");
            assertThat(tooBig.statusCode()).isEqualTo(422);
            assertThat(tooBig.body()).contains("below must be between 2 and 100000000, not 1000000000.");
            assertThat(nowhere.statusCode()).isEqualTo(422);

            HttpResponse<String> metrics = get(app, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(metrics.body())
                    .contains("starling_executor_tokens{executor=\"processes\"} 40.0")
                    .contains("http_server_requests_seconds_count{method=\"GET\",outcome=\"SUCCESS\",status=\"200\",uri=\"/reports/primes\"}")
                    .contains("starling_executor_tasks_total{executor=\"cluster\",outcome=\"completed\"}");
        }
    }

    @Test
    void theDemoStopsItsWorkerJvmsAndItsClusterMemberCleanlyWithoutWarnings() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        List<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid).toList();
        Starling app = DemoApp.create(0, TestCluster.NAME).start();
        List<Long> workers;
        try {
            assertThat(get(app, "/reports/primes?below=1000&on=processes").statusCode()).isEqualTo(200);
            assertThat(get(app, "/reports/primes?below=1000&on=cluster").statusCode()).isEqualTo(200);
            workers = ProcessHandle.current().children().map(ProcessHandle::pid).filter(p -> !before.contains(p))
                    .toList();
            assertThat(workers).as("the process pool's worker JVMs").isNotEmpty();
            root.addAppender(logged);
        } finally {
            app.close();
        }
        root.detachAppender(logged);

        for (long pid : workers) {
            Optional<ProcessHandle> worker = ProcessHandle.of(pid);
            if (worker.isPresent()) {
                worker.get().onExit().get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(ProcessHandle.current().children().filter(h -> h.isAlive() && !before.contains(h.pid())).toList())
                .as("worker JVMs alive after the stop (replacements included)").isEmpty();
        List<ILoggingEvent> warnings;
        synchronized (logged) {
            warnings = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
        }
        assertThat(warnings).as("warnings while stopping").extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    }
}
