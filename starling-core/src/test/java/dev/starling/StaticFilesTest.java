package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StaticFiles} mounted with {@link Starling#mount}: files under the prefix, {@code index.html} in html
 * mode, routes before the mount, and no way out of the directory.
 */
class StaticFilesTest {

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

    private Http serve(StaticFiles files) {
        return Http.serve(app -> app.mount("/static", files));
    }

    private RawConnection.Response raw(Http http, String target) {
        try (RawConnection connection = RawConnection.open(http.app.port())) {
            return connection.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
        }
    }

    @Test
    void filesUnderThePrefixAreServed() {
        try (Http http = serve(StaticFiles.of(root))) {
            HttpResponse<String> css = http.get("/static/css/app.css");
            assertThat(css.statusCode()).isEqualTo(200);
            assertThat(css.body()).isEqualTo("body{}");
            assertThat(css.headers().firstValue("content-type")).hasValue("text/css; charset=utf-8");
            assertThat(css.headers().firstValue("etag")).isPresent();

            assertThat(http.get("/static/hello%20world.txt").body()).isEqualTo("spaced");
            assertThat(http.get("/static/css/./app.css").body()).isEqualTo("body{}");
        }
    }

    @Test
    void staticFilesAnswerConditionalRangeAndHeadRequests() {
        try (Http http = serve(StaticFiles.of(root))) {
            String etag = http.get("/static/css/app.css").headers().firstValue("etag").orElseThrow();
            HttpResponse<String> notModified = http.send(HttpRequest.newBuilder(http.uri("/static/css/app.css"))
                    .header("if-none-match", etag).timeout(Duration.ofSeconds(30)).build());
            assertThat(notModified.statusCode()).isEqualTo(304);
            HttpResponse<String> range = http.send(HttpRequest.newBuilder(http.uri("/static/css/app.css"))
                    .header("range", "bytes=0-3").timeout(Duration.ofSeconds(30)).build());
            assertThat(range.statusCode()).isEqualTo(206);
            assertThat(range.body()).isEqualTo("body");
            try (RawConnection connection = RawConnection.open(http.app.port())) {
                RawConnection.Response head = connection.send("HEAD /static/css/app.css HTTP/1.1\r\nHost: x\r\n\r\n")
                        .readHead();
                assertThat(head.status()).isEqualTo(200);
                assertThat(head.header("content-length")).hasValue("6");
            }
        }
    }

    @Test
    void missingFilesAndDirectoriesAre404() {
        try (Http http = serve(StaticFiles.of(root))) {
            HttpResponse<String> missing = http.get("/static/nope.js");
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.body()).isEqualTo("{\"detail\":\"There is no file at /static/nope.js.\"}");
            assertThat(http.get("/static/docs").statusCode()).as("a directory without html mode").isEqualTo(404);
            assertThat(http.get("/static/").statusCode()).isEqualTo(404);
            assertThat(http.get("/staticx/css/app.css").body()).as("not under the prefix")
                    .isEqualTo("{\"detail\":\"Not Found\"}");
        }
    }

    @Test
    void htmlModeAnswersDirectoriesWithTheirIndex() {
        try (Http http = serve(StaticFiles.of(root).html(true))) {
            assertThat(http.get("/static/").body()).isEqualTo("<h1>home</h1>");
            assertThat(http.get("/static/docs/").body()).isEqualTo("<h1>docs</h1>");
            assertThat(http.get("/static/docs/").headers().firstValue("content-type"))
                    .hasValue("text/html; charset=utf-8");
            RawConnection.Response redirect = raw(http, "/static/docs");
            assertThat(redirect.status()).isEqualTo(307);
            assertThat(redirect.header("location")).hasValue("/static/docs/");
            assertThat(http.get("/static/css/").statusCode()).as("no index.html there").isEqualTo(404);
        }
    }

    @Test
    void noRequestReachesAFileOutsideTheDirectory() {
        try (Http http = serve(StaticFiles.of(root))) {
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
                RawConnection.Response response = raw(http, target);

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
        try (Http http = serve(StaticFiles.of(root))) {
            assertThat(http.get("/static/escape.txt").statusCode()).isEqualTo(404);
            assertThat(http.get("/static/outside/secret.txt").statusCode()).isEqualTo(404);
            assertThat(http.get("/static/style.css").body()).isEqualTo("body{}");
        }
    }

    @Test
    void routesComeBeforeTheMountAndOtherMethodsAre405() {
        try (Http http = Http.serve(app -> app
                .get("/static/css/app.css", r -> "from a route")
                .mount("/static", StaticFiles.of(root)))) {
            assertThat(http.get("/static/css/app.css").body()).isEqualTo("from a route");
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(http.uri("/static/index.html"))
                    .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
        }
    }

    @Test
    void aMountAtTheRootServesEveryPathNoRouteTakes() {
        try (Http http = Http.serve(app -> app
                .get("/api/hello", r -> "hello")
                .mount("/", StaticFiles.of(root).html(true)))) {
            assertThat(http.get("/api/hello").body()).isEqualTo("hello");
            assertThat(http.get("/").body()).isEqualTo("<h1>home</h1>");
            assertThat(http.get("/css/app.css").body()).isEqualTo("body{}");
        }
    }

    @Test
    void theLongestPrefixWins() throws IOException {
        Path other = Files.createDirectories(temp.resolve("other"));
        Files.writeString(other.resolve("app.css"), "other{}");
        try (Http http = Http.serve(app -> app
                .mount("/static", StaticFiles.of(root))
                .mount("/static/css", StaticFiles.of(other)))) {
            assertThat(http.get("/static/css/app.css").body()).isEqualTo("other{}");
            assertThat(http.get("/static/index.html").body()).isEqualTo("<h1>home</h1>");
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
             Http http = Http.serve(app -> app.mount("/assets", StaticFiles.of(fs.getPath("/site"))))) {
            HttpResponse<String> js = http.get("/assets/js/app.js");
            assertThat(js.body()).isEqualTo("let x;");
            assertThat(js.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
            assertThat(raw(http, "/assets/../secret.txt").status()).isEqualTo(404);
            assertThat(raw(http, "/assets/%2e%2e/secret.txt").status()).isEqualTo(404);
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
