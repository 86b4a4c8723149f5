package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StaticFiles} mounted with {@link Starling#mount}: files under the prefix, {@code index.html} in html
 * mode, routes before the mount, and no way out of the directory.
 */
class StaticFilesTest {

    /** Builds an app on a free port with {@code routes} and returns a client that started it. */
    private static TestClient serve(Consumer<Starling> routes) {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
        routes.accept(app);
        return TestClient.create(app);
    }

    @TempDir
    Path temp;
    Path root;

    @BeforeEach
    void writeFiles() throws IOException {
        root = Files.createDirectories(temp.resolve("public"));
        Files.writeString(temp.resolve("secret.txt"), "SECRET");
        Files.createDirectories(root.resolve("css"));
        Files.writeString(root.resolve("css/app.css"), "body{}");
        Files.writeString(root.resolve("hello world.txt"), "spaced");
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("docs/index.html"), "<h1>docs</h1>");
        Files.writeString(root.resolve("index.html"), "<h1>home</h1>");
    }

    private TestClient serve(StaticFiles files) {
        return serve(app -> app.mount("/static", files));
    }

    private RawConnection.Response raw(TestClient client, String target) {
        try (RawConnection connection = RawConnection.open(client.app().port())) {
            return connection.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
        }
    }

    @Test
    void filesUnderThePrefixAreServed() {
        try (TestClient client = serve(StaticFiles.of(root))) {
            TestResponse css = client.get("/static/css/app.css");
            assertThat(css.status()).isEqualTo(200);
            assertThat(css.text()).isEqualTo("body{}");
            assertThat(css.header("content-type")).hasValue("text/css; charset=utf-8");
            assertThat(css.header("etag")).isPresent();

            assertThat(client.get("/static/hello%20world.txt").text()).isEqualTo("spaced");
            assertThat(client.get("/static/css/./app.css").text()).isEqualTo("body{}");
        }
    }

    @Test
    void staticFilesAnswerConditionalRangeAndHeadRequests() {
        try (TestClient client = serve(StaticFiles.of(root))) {
            String etag = client.get("/static/css/app.css").header("etag").orElseThrow();
            TestResponse notModified = client.request("GET", "/static/css/app.css")
                    .header("if-none-match", etag).send();
            assertThat(notModified.status()).isEqualTo(304);
            TestResponse range = client.request("GET", "/static/css/app.css")
                    .header("range", "bytes=0-3").send();
            assertThat(range.status()).isEqualTo(206);
            assertThat(range.text()).isEqualTo("body");
            try (RawConnection connection = RawConnection.open(client.app().port())) {
                RawConnection.Response head = connection.send("HEAD /static/css/app.css HTTP/1.1\r\nHost: x\r\n\r\n")
                        .readHead();
                assertThat(head.status()).isEqualTo(200);
                assertThat(head.header("content-length")).hasValue("6");
            }
        }
    }

    /**
     * Many ranges (here 10,000 overlapping one-byte ranges, a range attack that asks for the file many times
     * over) are not served as multipart/byteranges: RFC 9110 section 14.2 lets a server ignore Range, and the
     * answer is the whole file once, with 200. Such a header needs a raised maxHeaderSize; 16 KiB refuses it.
     */
    @Test
    void tenThousandRangesGetTheWholeFileOnce() {
        StringBuilder ranges = new StringBuilder("bytes=0-0");
        for (int i = 1; i < 10_000; i++) {
            ranges.append(',').append(i % 6).append("-5");
        }
        Starling app = Starling.create(c -> c.port(0).maxHeaderSize(256 * 1024).shutdownGrace(Duration.ofSeconds(5)));
        app.mount("/static", StaticFiles.of(root));
        try (TestClient client = TestClient.create(app)) {
            TestResponse r = client.request("GET", "/static/css/app.css").header("range", ranges.toString()).send();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("body{}");
            assertThat(r.header("content-range")).isEmpty();
            assertThat(client.request("GET", "/static/css/app.css").header("range", "bytes=0-3").send().text())
                    .isEqualTo("body");
        }
        try (TestClient client = serve(StaticFiles.of(root))) {
            TestResponse r = client.request("GET", "/static/css/app.css").header("range", ranges.toString()).send();
            assertThat(r.status()).as("past the default maxHeaderSize").isEqualTo(431);
            assertThat(client.get("/static/css/app.css").status()).isEqualTo(200);
        }
    }

    @Test
    void missingFilesAndDirectoriesAre404() {
        try (TestClient client = serve(StaticFiles.of(root))) {
            TestResponse missing = client.get("/static/nope.js");
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.text()).isEqualTo("{\"detail\":\"There is no file at /static/nope.js.\"}");
            assertThat(client.get("/static/docs").status()).as("a directory without html mode").isEqualTo(404);
            assertThat(client.get("/static/").status()).isEqualTo(404);
            assertThat(client.get("/staticx/css/app.css").text()).as("not under the prefix")
                    .isEqualTo("{\"detail\":\"Not Found\"}");
        }
    }

    @Test
    void htmlModeAnswersDirectoriesWithTheirIndex() {
        try (TestClient client = serve(StaticFiles.of(root).html(true))) {
            assertThat(client.get("/static/").text()).isEqualTo("<h1>home</h1>");
            assertThat(client.get("/static/docs/").text()).isEqualTo("<h1>docs</h1>");
            assertThat(client.get("/static/docs/").header("content-type"))
                    .hasValue("text/html; charset=utf-8");
            RawConnection.Response redirect = raw(client, "/static/docs");
            assertThat(redirect.status()).isEqualTo(307);
            assertThat(redirect.header("location")).hasValue("/static/docs/");
            assertThat(client.get("/static/css/").status()).as("no index.html there").isEqualTo(404);
        }
    }

    /**
     * A directory asked for with a leading double slash is redirected within this host: the location is never
     * a protocol-relative URL ({@code //evil.example/}), which a browser would follow to another host.
     */
    @Test
    void aStaticDirectoryRedirectNeverLeavesTheHost() throws Exception {
        Path site = Files.createDirectories(temp.resolve("site"));
        Path dir = Files.createDirectories(site.resolve("evil.example"));
        Files.writeString(dir.resolve("index.html"), "<p>hi</p>");
        try (Http http = Http.serve(app -> app.mount("/", StaticFiles.of(site).html(true)))) {
            String raw = http.raw("GET //evil.example HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(raw).startsWith("HTTP/1.1 307");
            assertThat(raw.toLowerCase()).doesNotContain("location: //evil.example/");
        }
    }

    @Test
    void noRequestReachesAFileOutsideTheDirectory() {
        try (TestClient client = serve(StaticFiles.of(root))) {
            for (String target : new String[] {
                    "/static/../secret.txt",
                    "/static/css/../../secret.txt",
                    "/static/%2e%2e/secret.txt",
                    "/static/%2E%2E/secret.txt",
                    "/static/..%2fsecret.txt",
                    "/static/..%2Fsecret.txt",
                    "/static/..%5csecret.txt",
                    "/static/..\\secret.txt",
                    "/static/%2fetc%2fpasswd",
                    "/static//etc/passwd",
                    "/static/css%00/app.css",
                    "/static/%c0%ae%c0%ae/secret.txt",
                    "/static/" + temp.resolve("secret.txt").toAbsolutePath().toString().substring(1)}) {
                RawConnection.Response response = raw(client, target);

                assertThat(response.status()).as(target).isIn(400, 404);
                assertThat(response.body()).as(target).doesNotContain("SECRET");
            }
        }
    }

    @Test
    void aSymbolicLinkOutOfTheDirectoryIs404ButOneInsideIsServed() throws IOException {
        try {
            Files.createSymbolicLink(root.resolve("escape.txt"), temp.resolve("secret.txt"));
            Files.createSymbolicLink(root.resolve("outside"), temp);
            Files.createSymbolicLink(root.resolve("style.css"), root.resolve("css/app.css"));
        } catch (UnsupportedOperationException e) {
            org.junit.jupiter.api.Assumptions.abort("This file system has no symbolic links.");
        }
        try (TestClient client = serve(StaticFiles.of(root))) {
            assertThat(client.get("/static/escape.txt").status()).isEqualTo(404);
            assertThat(client.get("/static/outside/secret.txt").status()).isEqualTo(404);
            assertThat(client.get("/static/style.css").text()).isEqualTo("body{}");
        }
    }

    @Test
    void routesComeBeforeTheMountAndOtherMethodsAre405() {
        try (TestClient client = serve(app -> app
                .get("/static/css/app.css", r -> "from a route")
                .mount("/static", StaticFiles.of(root)))) {
            assertThat(client.get("/static/css/app.css").text()).isEqualTo("from a route");
            TestResponse post = client.post("/static/index.html");
            assertThat(post.status()).isEqualTo(405);
            assertThat(post.header("allow")).hasValue("GET, HEAD");
        }
    }

    @Test
    void aMountAtTheRootServesEveryPathNoRouteTakes() {
        try (TestClient client = serve(app -> app
                .get("/api/hello", r -> "hello")
                .mount("/", StaticFiles.of(root).html(true)))) {
            assertThat(client.get("/api/hello").text()).isEqualTo("hello");
            assertThat(client.get("/").text()).isEqualTo("<h1>home</h1>");
            assertThat(client.get("/css/app.css").text()).isEqualTo("body{}");
        }
    }

    @Test
    void theLongestPrefixWins() throws IOException {
        Path other = Files.createDirectories(temp.resolve("other"));
        Files.writeString(other.resolve("app.css"), "other{}");
        try (TestClient client = serve(app -> app
                .mount("/static", StaticFiles.of(root))
                .mount("/static/css", StaticFiles.of(other)))) {
            assertThat(client.get("/static/css/app.css").text()).isEqualTo("other{}");
            assertThat(client.get("/static/index.html").text()).isEqualTo("<h1>home</h1>");
        }
    }

    @Test
    void aDirectoryInAZipFileSystemCanBeMounted() throws IOException {
        Path zip = temp.resolve("site.zip");
        try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(zip,
                java.util.Map.of("create", "true"))) {
            Files.createDirectories(fs.getPath("/site/js"));
            Files.writeString(fs.getPath("/site/js/app.js"), "let x;");
            Files.writeString(fs.getPath("/secret.txt"), "SECRET");
        }
        try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(zip);
             TestClient client = serve(app -> app.mount("/assets", StaticFiles.of(fs.getPath("/site"))))) {
            TestResponse js = client.get("/assets/js/app.js");
            assertThat(js.text()).isEqualTo("let x;");
            assertThat(js.header("content-type")).hasValue("text/javascript; charset=utf-8");
            assertThat(raw(client, "/assets/../secret.txt").status()).isEqualTo(404);
            assertThat(raw(client, "/assets/%2e%2e/secret.txt").status()).isEqualTo(404);
        }
    }

    @Test
    void badMountsFailWithASentence() {
        try (Starling app = Starling.create()) {
            assertThatThrownBy(() -> app.mount("/static", StaticFiles.of(temp.resolve("absent"))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist")
                    .hasMessageEndingWith(".");
            assertThatThrownBy(() -> app.mount("static", StaticFiles.of(root)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must start with '/'");
            app.mount("/static", StaticFiles.of(root));
            assertThatThrownBy(() -> app.mount("/static/", StaticFiles.of(root)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already mounted");
        }
    }
}
