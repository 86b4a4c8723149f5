package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.testing.TestClient;
import dev.starling.testing.TestRequest;
import dev.starling.testing.TestResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link FileResponse}: the body, its headers, {@code HEAD}, conditional requests, byte ranges and missing
 * files; route tests run on the offloaded path and on the event loop.
 */
class FileResponseTest {

    /** Builds an app on a free port with {@code routes} and returns a client that started it. */
    private static TestClient serve(Consumer<Starling> routes) {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
        routes.accept(app);
        return TestClient.create(app);
    }

    /** Sends raw bytes on a new connection and returns everything the server sends until it closes. */
    private static String raw(TestClient client, String request) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", client.app().port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new AssertionError("Raw request failed: " + e, e);
        }
    }

    private static final Instant MODIFIED = Instant.parse("2024-03-01T10:15:30Z");
    private static final String LAST_MODIFIED = "Fri, 01 Mar 2024 10:15:30 GMT";

    @TempDir
    Path dir;
    Path digits;

    @BeforeEach
    void writeFiles() throws IOException {
        digits = dir.resolve("digits.txt");
        Files.writeString(digits, "0123456789");
        Files.setLastModifiedTime(digits, FileTime.from(MODIFIED));
    }

    private TestResponse get(TestClient client, String path, String... headers) {
        TestRequest request = client.request("GET", path);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request.send();
    }

    private TestClient serve(HandlerPath path, FileResponse file) {
        return serve(app -> path.get(app, "/file", r -> file));
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aFileIsSentWithItsLengthTypeAndValidators(HandlerPath path) {
        try (TestClient client = serve(path, FileResponse.of(digits))) {
            TestResponse response = client.get("/file");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("0123456789");
            assertThat(response.header("content-length")).hasValue("10");
            assertThat(response.header("content-type")).hasValue("text/plain; charset=utf-8");
            assertThat(response.header("accept-ranges")).hasValue("bytes");
            assertThat(response.header("last-modified")).hasValue(LAST_MODIFIED);
            assertThat(response.header("etag")).hasValueSatisfying(etag ->
                    assertThat(etag).startsWith("W/\"").endsWith("\""));
            assertThat(response.header("transfer-encoding")).isEmpty();
        }
    }

    @Test
    void aLargeBinaryFileArrivesIntactAndTheConnectionStaysUsable() throws IOException {
        byte[] bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(bytes);
        Path big = dir.resolve("big.bin");
        Files.write(big, bytes);
        try (TestClient client = serve(app -> app.get("/big", r -> FileResponse.of(big)).get("/after", r -> "after"));
             RawConnection connection = RawConnection.open(client.app().port())) {
            RawConnection.Response response = connection.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n").read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("content-type")).hasValue("application/octet-stream");
            assertThat(response.bodyBytes()).isEqualTo(bytes);
            assertThat(connection.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n").read().body()).isEqualTo("after");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void headSendsTheHeadersOfTheFileWithoutItsBody(HandlerPath path) {
        try (TestClient client = serve(app -> path.get(app, "/file", r -> FileResponse.of(digits))
                .get("/after", r -> "after"));
             RawConnection connection = RawConnection.open(client.app().port())) {
            RawConnection.Response head = connection.send("HEAD /file HTTP/1.1\r\nHost: x\r\n\r\n").readHead();

            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).hasValue("10");
            assertThat(head.header("etag")).isPresent();
            // Had the body been sent, it would be read as the next response's status line.
            assertThat(connection.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n").read().body()).isEqualTo("after");
        }
    }

    @Test
    void aFileInAZipFileSystemIsSentFromMemory() throws IOException {
        Path zip = dir.resolve("files.zip");
        try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(zip,
                java.util.Map.of("create", "true"))) {
            Files.writeString(fs.getPath("/zipped.txt"), "zipped text");
        }
        try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(zip);
             TestClient client = serve(app -> app.get("/zipped", r -> FileResponse.of(fs.getPath("/zipped.txt"))))) {
            TestResponse whole = client.get("/zipped");
            assertThat(whole.status()).isEqualTo(200);
            assertThat(whole.text()).isEqualTo("zipped text");
            assertThat(whole.header("content-type")).hasValue("text/plain; charset=utf-8");
            assertRange(get(client, "/zipped", "range", "bytes=-4"), "text", "bytes 7-10/11");
        }
    }

    /** Counts this process's open descriptors on {@code file} (Linux: /proc/self/fd). */
    private static long openDescriptors(Path file) throws IOException {
        Path real = file.toRealPath();
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(real);
                } catch (IOException | UnsupportedOperationException e) {
                    return false;   // closed while we looked, or not a link
                }
            }).count();
        }
    }

    @Test
    void theFileIsClosedAfterItIsSentAndWhenTheClientLeavesMidway() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")),
                "Open descriptors are counted through /proc/self/fd.");
        Path big = dir.resolve("big.bin");
        Files.write(big, new byte[32 * 1024 * 1024]);
        try (TestClient client = serve(app -> app.get("/big", r -> FileResponse.of(big)))) {
            try (RawConnection connection = RawConnection.open(client.app().port())) {
                assertThat(connection.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyBytes()).hasSize(32 * 1024 * 1024);
            }
            Await.until("the file is closed once sent", () -> uncheckedOpenDescriptors(big) == 0);

            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", client.app().port())) {
                socket.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                assertThat(socket.getInputStream().readNBytes(1024)).hasSize(1024);
                Await.until("the file is open while it is sent", () -> uncheckedOpenDescriptors(big) == 1);
            }
            Await.until("the file is closed when the client left", () -> uncheckedOpenDescriptors(big) == 0);
        }
    }

    private static long uncheckedOpenDescriptors(Path file) {
        try {
            return openDescriptors(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void anHttp10ClientGetsTheFileWithItsLength() {
        try (TestClient client = serve(HandlerPath.OFFLOADED, FileResponse.of(digits))) {
            String raw = raw(client, "GET /file HTTP/1.0\r\n\r\n");

            assertThat(raw).startsWith("HTTP/1.1 200").contains("content-length: 10").endsWith("\r\n\r\n0123456789");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aMatchingIfNoneMatchIs304(HandlerPath path) {
        try (TestClient client = serve(path, FileResponse.of(digits))) {
            String etag = client.get("/file").header("etag").orElseThrow();

            TestResponse response = get(client, "/file", "if-none-match", "\"other\", " + etag);

            assertThat(response.status()).isEqualTo(304);
            assertThat(response.text()).isEmpty();
            assertThat(response.header("etag")).hasValue(etag);
            assertThat(get(client, "/file", "if-none-match", "W/\"other\"").status()).isEqualTo(200);
            assertThat(get(client, "/file", "if-none-match", "*").status()).isEqualTo(304);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void ifModifiedSinceIs304UnlessTheFileIsNewer(HandlerPath path) {
        String before = DateTimeFormatter.RFC_1123_DATE_TIME.format(MODIFIED.minusSeconds(60).atOffset(ZoneOffset.UTC));
        try (TestClient client = serve(path, FileResponse.of(digits))) {
            assertThat(get(client, "/file", "if-modified-since", LAST_MODIFIED).status()).isEqualTo(304);
            TestResponse newer = get(client, "/file", "if-modified-since", before);
            assertThat(newer.status()).isEqualTo(200);
            assertThat(newer.text()).isEqualTo("0123456789");
            // If-None-Match wins over If-Modified-Since.
            assertThat(get(client, "/file", "if-none-match", "\"other\"", "if-modified-since", LAST_MODIFIED)
                    .status()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aSingleRangeIs206(HandlerPath path) {
        try (TestClient client = serve(path, FileResponse.of(digits))) {
            assertRange(get(client, "/file", "range", "bytes=2-5"), "2345", "bytes 2-5/10");
            assertRange(get(client, "/file", "range", "bytes=7-"), "789", "bytes 7-9/10");
            assertRange(get(client, "/file", "range", "bytes=-3"), "789", "bytes 7-9/10");
            assertRange(get(client, "/file", "range", "bytes=5-100"), "56789", "bytes 5-9/10");
            assertRange(get(client, "/file", "range", "bytes=-50"), "0123456789", "bytes 0-9/10");
        }
    }

    private static void assertRange(TestResponse response, String body, String contentRange) {
        assertThat(response.status()).isEqualTo(206);
        assertThat(response.text()).isEqualTo(body);
        assertThat(response.header("content-range")).hasValue(contentRange);
        assertThat(response.header("content-length")).hasValue(String.valueOf(body.length()));
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aRangeOutsideTheFileIs416(HandlerPath path) {
        try (TestClient client = serve(path, FileResponse.of(digits))) {
            for (String range : new String[] {"bytes=10-", "bytes=20-30", "bytes=-0"}) {
                TestResponse response = get(client, "/file", "range", range);

                assertThat(response.status()).as(range).isEqualTo(416);
                assertThat(response.header("content-range")).hasValue("bytes */10");
                assertThat(response.text()).contains("\"detail\":\"The requested range");
            }
        }
    }

    @Test
    void severalRangesOrAMalformedOneGetTheWholeFile() {
        try (TestClient client = serve(HandlerPath.OFFLOADED, FileResponse.of(digits))) {
            for (String range : new String[] {"bytes=0-1,4-5", "bytes=5-2", "items=0-1", "bytes=a-b"}) {
                TestResponse response = get(client, "/file", "range", range);

                assertThat(response.status()).as(range).isEqualTo(200);
                assertThat(response.text()).isEqualTo("0123456789");
            }
        }
    }

    @Test
    void ifRangeKeepsTheRangeOnlyWhenTheFileIsUnchanged() {
        try (TestClient client = serve(HandlerPath.OFFLOADED, FileResponse.of(digits))) {
            assertThat(get(client, "/file", "range", "bytes=0-1", "if-range", LAST_MODIFIED).status())
                    .isEqualTo(206);
            assertThat(get(client, "/file", "range", "bytes=0-1", "if-range", "Thu, 01 Jan 2015 00:00:00 GMT")
                    .status()).isEqualTo(200);
        }
    }

    @Test
    void ifRangeWithTheDateOfAFileChangedThisSecondGetsTheWholeFile() throws IOException {
        // RFC 9110 sections 8.8.2.2 and 13.1.5: a Last-Modified less than a second before the Date is weak (the
        // file may change again within that second), and If-Range compares strongly. A future time is sent as now.
        Files.setLastModifiedTime(digits, FileTime.from(Instant.now().plus(Duration.ofDays(2))));
        try (TestClient client = serve(HandlerPath.OFFLOADED, FileResponse.of(digits))) {
            String lastModified = client.get("/file").header("last-modified").orElseThrow();
            TestResponse response = get(client, "/file", "range", "bytes=0-1", "if-range", lastModified);

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("0123456789");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void ifMatchIs412UnlessItIsAStarBecauseTheETagIsWeak(HandlerPath path) {
        // RFC 9110 section 13.1.1: If-Match compares strongly, and a weak ETag never matches strongly.
        try (TestClient client = serve(path, FileResponse.of(digits))) {
            String etag = client.get("/file").header("etag").orElseThrow();
            for (String ifMatch : new String[] {etag, "\"other\"", etag.substring(2)}) {
                TestResponse response = get(client, "/file", "if-match", ifMatch);

                assertThat(response.status()).as(ifMatch).isEqualTo(412);
                assertThat(response.text()).isEqualTo("{\"detail\":\"The file 'digits.txt' does not match If-Match: "
                        + "its ETag is weak, so only '*' can match it.\"}");
            }
            assertThat(get(client, "/file", "if-match", "\"other\", *").text()).isEqualTo("0123456789");
            // RFC 9110 section 13.2.1: preconditions are ignored when the answer without them is no 2xx.
            assertThat(get(client, "/file", "if-match", "\"other\"", "range", "bytes=20-").status()).isEqualTo(416);
            assertThat(get(client, "/file", "if-none-match", etag, "range", "bytes=20-").status()).isEqualTo(416);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void ifUnmodifiedSinceIs412WhenTheFileIsNewerAndIsIgnoredBesideIfMatch(HandlerPath path) {
        String before = DateTimeFormatter.RFC_1123_DATE_TIME.format(MODIFIED.minusSeconds(60).atOffset(ZoneOffset.UTC));
        try (TestClient client = serve(path, FileResponse.of(digits))) {
            TestResponse changed = get(client, "/file", "if-unmodified-since", before);
            assertThat(changed.status()).isEqualTo(412);
            assertThat(changed.text()).isEqualTo("{\"detail\":\"The file 'digits.txt' has changed since the "
                    + "If-Unmodified-Since date.\"}");

            assertThat(get(client, "/file", "if-unmodified-since", LAST_MODIFIED).status()).isEqualTo(200);
            // RFC 9110 section 13.1.4: an invalid date is ignored, and so is the header beside If-Match.
            assertThat(get(client, "/file", "if-unmodified-since", "yesterday").status()).isEqualTo(200);
            assertThat(get(client, "/file", "if-match", "*", "if-unmodified-since", before).status()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aRangeOnHeadIsIgnoredAsGetIsTheOnlyMethodWithRanges(HandlerPath path) {
        // RFC 9110 section 14.2: a server must ignore Range on any method but GET.
        try (TestClient client = serve(path, FileResponse.of(digits))) {
            TestResponse head = client.request("HEAD", "/file").header("range", "bytes=0-1").send();

            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("content-length")).hasValue("10");
            assertThat(head.header("content-range")).isEmpty();
        }
    }

    @Test
    void aModificationTimeInTheFutureIsSentAsTheResponsesDate() throws IOException {
        // RFC 9110 section 8.8.2.1: Last-Modified is never later than the Date of the response.
        Files.setLastModifiedTime(digits, FileTime.from(Instant.now().plus(Duration.ofDays(2))));
        try (TestClient client = serve(HandlerPath.OFFLOADED, FileResponse.of(digits))) {
            TestResponse response = client.get("/file");

            Instant lastModified = Instant.from(DateTimeFormatter.RFC_1123_DATE_TIME.parse(
                    response.header("last-modified").orElseThrow()));
            Instant date = Instant.from(DateTimeFormatter.RFC_1123_DATE_TIME.parse(
                    response.header("date").orElseThrow()));
            assertThat(lastModified).isBeforeOrEqualTo(date);
        }
    }

    @Test
    void notModifiedAndPartialAnswersCarryTheDateAndETagOfTheWholeAnswer() {
        // RFC 9110 sections 15.4.5 and 15.3.7: a 304 and a 206 carry the Date and ETag a 200 would have.
        try (TestClient client = serve(HandlerPath.OFFLOADED, FileResponse.of(digits))) {
            String etag = client.get("/file").header("etag").orElseThrow();
            for (TestResponse response : new TestResponse[] {get(client, "/file", "if-none-match", etag),
                    get(client, "/file", "range", "bytes=0-1")}) {
                assertThat(response.status()).isIn(304, 206);
                assertThat(response.header("etag")).hasValue(etag);
                // RFC 9110 section 8.6: a 304 has no content-length (it would have to be the 200's).
                assertThat(response.header("content-length").orElse("none")).isEqualTo(response.status() == 304
                        ? "none" : "2");
                assertThat(response.header("date")).hasValueSatisfying(date ->
                        assertThat(DateTimeFormatter.RFC_1123_DATE_TIME.parse(date)).isNotNull());
            }
        }
    }

    @Test
    void anInvalidIfModifiedSinceAndAnIfRangeWithTheWeakETagAreIgnored() {
        // RFC 9110 sections 13.1.3 and 13.1.5: a date that is no HTTP-date is ignored; If-Range compares strongly.
        try (TestClient client = serve(HandlerPath.OFFLOADED, FileResponse.of(digits))) {
            String etag = client.get("/file").header("etag").orElseThrow();
            assertThat(get(client, "/file", "if-modified-since", "yesterday").status()).isEqualTo(200);
            TestResponse whole = get(client, "/file", "range", "bytes=0-1", "if-range", etag);
            assertThat(whole.status()).isEqualTo(200);
            assertThat(whole.text()).isEqualTo("0123456789");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aMissingFileIs404WithASentence(HandlerPath path) {
        try (TestClient client = serve(path, FileResponse.of(dir.resolve("gone.pdf")))) {
            TestResponse response = client.get("/file");

            assertThat(response.status()).isEqualTo(404);
            assertThat(response.header("content-type")).hasValue("application/json");
            assertThat(response.text()).isEqualTo("{\"detail\":\"The file 'gone.pdf' does not exist.\"}");
        }
    }

    @Test
    void aDirectoryIsNotAFile() {
        try (TestClient client = serve(HandlerPath.OFFLOADED, FileResponse.of(dir))) {
            assertThat(client.get("/file").status()).isEqualTo(404);
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void anAttachmentHasAContentDisposition(HandlerPath path) {
        try (TestClient client = serve(app -> {
            path.get(app, "/plain", r -> FileResponse.of(digits).attachment("numbers.txt"));
            path.get(app, "/accented", r -> FileResponse.of(digits).attachment("résumé \"v2\".txt"));
        })) {
            assertThat(client.get("/plain").header("content-disposition"))
                    .hasValue("attachment; filename=\"numbers.txt\"");
            assertThat(client.get("/accented").header("content-disposition"))
                    .hasValue("attachment; filename=\"r_sum_ _v2_.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.txt");
        }
    }

    @Test
    void theContentTypeCanBeGivenAndIsGuessedFromTheExtension() throws IOException {
        Path page = Files.writeString(dir.resolve("page.HTML"), "<p>hi</p>");
        Path noExtension = Files.writeString(dir.resolve("README"), "read me");
        try (TestClient client = serve(app -> app
                .get("/page", r -> FileResponse.of(page))
                .get("/readme", r -> FileResponse.of(noExtension))
                .get("/given", r -> FileResponse.of(digits).contentType("text/x-digits")))) {
            assertThat(client.get("/page").header("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(client.get("/readme").header("content-type")).hasValue("application/octet-stream");
            assertThat(client.get("/given").header("content-type")).hasValue("text/x-digits");
        }
    }

    @Test
    void anEmptyFileIsAnEmptyBody() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.txt"));
        try (TestClient client = serve(app -> app.get("/empty", r -> FileResponse.of(empty)))) {
            TestResponse response = client.get("/empty");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("content-length")).hasValue("0");
            assertThat(response.text()).isEmpty();
        }
    }

    @Test
    void aFileResponseCanComeFromAStageCompletedLater() {
        try (TestClient client = serve(app -> app.getAsync("/later", r -> CompletableFuture.supplyAsync(
                () -> FileResponse.of(digits), CompletableFuture.delayedExecutor(10, java.util.concurrent.TimeUnit.MILLISECONDS))))) {
            TestResponse response = client.get("/later");

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("0123456789");
        }
    }

    @Test
    void badArgumentsFailWithASentence() {
        assertThatThrownBy(() -> FileResponse.of(digits).attachment("a\r\nset-cookie: x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control characters");
        assertThatThrownBy(() -> FileResponse.of(digits).contentType("text/plain\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith(".");
        assertThatThrownBy(() -> FileResponse.of(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("The path of a FileResponse must not be null.");
    }

    @Test
    void theBodyIsTheFilesBytes() throws IOException {
        Path utf8 = Files.writeString(dir.resolve("greek.txt"), "αβγ", StandardCharsets.UTF_8);
        try (TestClient client = serve(app -> app.get("/greek", r -> FileResponse.of(utf8)))) {
            assertThat(client.get("/greek").text()).isEqualTo("αβγ");
        }
    }
}
