package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS: the server shows its TLS identity (PEM files, a key store or a self-signed one), serves every route
 * as over clear text, and closes what is not TLS or does not finish its handshake, without a warning.
 */
class TlsTest {

    private static Tls identity;

    @BeforeAll
    static void makeIdentity() {
        identity = Tls.selfSigned();
    }

    @Test
    void routesOnTheLoopAndOffloadedAreServedOverHttps() throws Exception {
        try (Starling app = serve(c -> { }, a -> {
            a.get("/plain", r -> "plain on " + Thread.currentThread().getName().startsWith("starling-worker"));
            a.getAsync("/loop", r -> CompletableFuture.completedFuture("loop"));
        })) {
            HttpClient client = Https.trusting(identity, HttpClient.Version.HTTP_1_1);
            assertThat(get(client, app, "/plain").body()).isEqualTo("plain on true");
            assertThat(get(client, app, "/loop").body()).isEqualTo("loop");
            assertThat(get(client, app, "/missing").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aFileIsSentWholeAndInRangesOverHttps(@TempDir Path dir) throws Exception {
        byte[] bytes = new byte[300_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        Path file = Files.write(dir.resolve("data.bin"), bytes);
        try (Starling app = serve(c -> { }, a -> a.get("/file", r -> FileResponse.of(file)))) {
            HttpClient client = Https.trusting(identity, HttpClient.Version.HTTP_1_1);
            HttpResponse<byte[]> whole = client.send(request(app, "/file").build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(whole.statusCode()).isEqualTo(200);
            assertThat(whole.body()).isEqualTo(bytes);
            HttpResponse<byte[]> part = client.send(request(app, "/file").header("range", "bytes=1000-1999").build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(part.statusCode()).isEqualTo(206);
            assertThat(part.body()).isEqualTo(Arrays.copyOfRange(bytes, 1000, 2000));
        }
    }

    @Test
    void pemFilesAndAKeyStoreServeAsTheSameIdentity(@TempDir Path dir) throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE",
                identity.certificateChain().get(0).getEncoded()));
        Path key = Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", identity.privateKey().getEncoded()));
        try (Starling app = serve(c -> c.tls(cert, key), a -> a.get("/", r -> "pem"))) {
            assertThat(get(Https.trusting(identity, HttpClient.Version.HTTP_1_1), app, "/").body()).isEqualTo("pem");
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", identity.privateKey(), "secret".toCharArray(),
                identity.certificateChain().toArray(new X509Certificate[0]));
        try (Starling app = serve(c -> c.tls(store, "secret".toCharArray()), a -> a.get("/", r -> "store"))) {
            assertThat(get(Https.trusting(identity, HttpClient.Version.HTTP_1_1), app, "/").body()).isEqualTo("store");
        }
    }

    @Test
    void curlFetchesOverHttpsTrustingTheSelfSignedCertificate(@TempDir Path dir) throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE",
                identity.certificateChain().get(0).getEncoded()));
        try (Starling app = serve(c -> { }, a -> a.get("/hello", r -> "Hello over TLS"))) {
            Process curl = new ProcessBuilder("curl", "--silent", "--show-error", "--max-time", "20",
                    "--cacert", cert.toString(), "https://localhost:" + app.port() + "/hello")
                    .redirectErrorStream(true).start();
            String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(curl.waitFor(30, TimeUnit.SECONDS)).as("curl ended").isTrue();
            assertThat(curl.exitValue()).as("curl's exit code; it said: %s", out).isZero();
            assertThat(out).isEqualTo("Hello over TLS");
        }
    }

    @Test
    void aFileThatIsNoPemFailsWithASentenceNamingIt(@TempDir Path dir) throws Exception {
        Path notPem = Files.writeString(dir.resolve("cert.pem"), "hello");
        assertThatThrownBy(() -> Tls.fromPem(notPem, notPem))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The certificate chain " + notPem + " holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
        Path cert = Files.writeString(dir.resolve("good.pem"), pem("CERTIFICATE",
                identity.certificateChain().get(0).getEncoded()));
        assertThatThrownBy(() -> Tls.fromPem(cert, notPem))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The private key " + notPem + " holds no PEM private key (-----BEGIN PRIVATE KEY-----).");
    }

    @Test
    void plainHttpToTheHttpsPortIsClosedWithoutAnAnswerOrAWarning() throws Exception {
        ListAppender<ILoggingEvent> logged = Logs.capture();
        try (Starling app = serve(c -> { }, a -> a.get("/", r -> "ok"));
             Socket socket = new Socket("127.0.0.1", app.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String answer = RawConnection.readUntilClosed(socket.getInputStream());
            assertThat(answer).as("a clear-text answer on the TLS port").doesNotContain("HTTP/1.1");
            assertThat(get(Https.trusting(identity, HttpClient.Version.HTTP_1_1), app, "/").body()).as("HTTPS still served").isEqualTo("ok");
        } finally {
            Logs.release(logged);
        }
        assertThat(logged.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).isEmpty();
    }

    @Test
    void aClientThatNeverFinishesItsHandshakeIsClosedByTheHandshakeTimeout() throws Exception {
        try (Starling app = serve(c -> c.tlsHandshakeTimeout(Duration.ofMillis(300)).idleTimeout(Duration.ofHours(1)),
                a -> a.get("/", r -> "ok"));
             Socket socket = new Socket("127.0.0.1", app.port())) {
            socket.setSoTimeout(30_000);
            long started = System.nanoTime();
            String answer = RawConnection.readUntilClosed(socket.getInputStream());
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(answer).isEmpty();
            // The idle timeout is an hour: only the handshake timeout can have closed it this soon.
            assertThat(waited).isLessThan(20_000);
        }
    }

    @Test
    void aSelfSignedIdentityNamesLocalhostAndIsValidForThirtyDays() throws Exception {
        X509Certificate leaf = identity.certificateChain().get(0);
        leaf.checkValidity();
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
        assertThat(leaf.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1)))).contains("localhost", "127.0.0.1");
        long days = TimeUnit.MILLISECONDS.toDays(leaf.getNotAfter().getTime() - System.currentTimeMillis());
        assertThat(days).isBetween(29L, 30L);
        assertThat(identity.toString()).startsWith("Tls[CN=localhost, valid until ");
    }

    @Test
    void aReloadedIdentityServesNewConnectionsWhileOpenOnesKeepTheirs() throws Exception {
        Tls renewed = Tls.selfSigned();
        try (Starling app = serve(c -> { }, a -> a.get("/hi", r -> "hi"))) {
            HttpClient open = Https.trusting(identity, HttpClient.Version.HTTP_1_1);
            assertThat(get(open, app, "/hi").body()).isEqualTo("hi");
            app.reloadTls(renewed);
            // The keep-alive connection opened before goes on with the identity it was opened with.
            assertThat(get(open, app, "/hi").body()).isEqualTo("hi");
            assertThat(get(Https.trusting(renewed, HttpClient.Version.HTTP_1_1), app, "/hi").body()).isEqualTo("hi");
            assertThatThrownBy(() -> get(Https.trusting(identity, HttpClient.Version.HTTP_1_1), app, "/hi"))
                    .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
        }
    }

    @Test
    void reloadingTlsOnAClearTextAppFailsWithASentence() {
        try (Starling app = Starling.create(c -> c.port(0)).start()) {
            assertThatThrownBy(() -> app.reloadTls(identity)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("This app serves clear-text HTTP, so it has no TLS identity to replace; configure "
                            + "one with Config.Builder.tls(...).");
        }
    }

    // ---- helpers ----

    private static Starling serve(Consumer<Config.Builder> config,
                                  Consumer<Starling> routes) {
        Starling app = Starling.create(c -> {
            c.port(0).shutdownGrace(Duration.ofSeconds(5)).tls(identity);
            config.accept(c);
        });
        routes.accept(app);
        return app.start();
    }


    private static HttpRequest.Builder request(Starling app, String path) {
        return HttpRequest.newBuilder(URI.create("https://localhost:" + app.port() + path))
                .timeout(Duration.ofSeconds(30));
    }

    private static HttpResponse<String> get(HttpClient client, Starling app, String path) throws Exception {
        return client.send(request(app, path).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }


}
