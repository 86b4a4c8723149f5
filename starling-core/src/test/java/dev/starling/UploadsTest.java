package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.params.Form;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestRequest;
import dev.starling.testing.TestResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Multipart uploads: small parts in memory, large ones spooled to a temporary file (deleted after the response),
 * text fields with {@code @Form}, {@code Optional} and {@code List} of files, and 422 for a missing file; each
 * route offloaded under /off and on the event loop under /loop. A boundary too long to search is refused.
 */
class UploadsTest {

    private static final String BOUNDARY = "----starling-test-boundary";

    /** The spooled files seen by the last handler, while it ran. */
    static volatile List<Path> spooledDuringHandler = List.of();

    static final class Api {
        @Post("/off/upload")
        String upload(UploadedFile file, @Form String note, Optional<UploadedFile> extra, List<UploadedFile> many)
                throws IOException {
            HandlerPath.OFFLOADED.check();
            spooledDuringHandler = spooled();
            return describe(file, file.bytes(), note, extra, many);
        }

        @Post("/loop/upload")
        CompletionStage<String> uploadAsync(UploadedFile file, @Form String note, Optional<UploadedFile> extra,
                                            List<UploadedFile> many) {
            HandlerPath.LOOP.check();
            return file.read().thenApply(bytes -> {
                HandlerPath.LOOP.check();
                spooledDuringHandler = spooled();
                return describe(file, bytes, note, extra, many);
            });
        }
    }

    static String describe(UploadedFile file, byte[] bytes, String note, Optional<UploadedFile> extra,
                           List<UploadedFile> many) {
        return file.filename().orElse("?") + " " + file.contentType() + " " + file.size() + " "
                + (file.onDisk() ? "disk" : "memory") + " sum=" + sum(bytes) + " note=" + note + " extra="
                + extra.flatMap(UploadedFile::filename).orElse("-") + " many=" + many.size();
    }

    static long sum(byte[] bytes) {
        long s = 0;
        for (byte b : bytes) {
            s += b & 0xff;
        }
        return s;
    }

    static List<Path> spooled() {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(p -> p.getFileName().toString().startsWith("starling-upload-")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TestClient serve() {
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)).maxPartMemory(1024));
        app.include(new Api());
        return TestClient.create(app);
    }

    private static String prefix(HandlerPath path) {
        return path == HandlerPath.LOOP ? "/loop" : "/off";
    }

    /** Builds a multipart request: pairs of (name, value) for fields, (name, filename, bytes) for files. */
    private static TestResponse post(TestClient client, String path, Object... parts) {
        TestRequest request = client.request("POST", path);
        for (int i = 0; i < parts.length; ) {
            String name = (String) parts[i];
            if (parts[i + 1] instanceof String value && !(i + 2 < parts.length && parts[i + 2] instanceof byte[])) {
                request.form(name, value);
                i += 2;
            } else {
                request.file(name, (String) parts[i + 1], (byte[]) parts[i + 2], "application/x-test");
                i += 3;
            }
        }
        return request.send();
    }

    private static byte[] bytes(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aSmallFileStaysInMemory(HandlerPath path) {
        try (TestClient client = serve()) {
            byte[] small = bytes(100);
            TestResponse r = post(client, prefix(path) + "/upload",
                    "note", "héllo", "file", "a.txt", small, "many", "m1", bytes(3), "many", "m2", bytes(4));
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("a.txt application/x-test 100 memory sum=" + sum(small)
                    + " note=héllo extra=- many=2");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aLargeFileIsSpooledToDiskAndDeletedAfterTheResponse(HandlerPath path) throws Exception {
        try (TestClient client = serve()) {
            List<Path> before = spooled();
            byte[] large = bytes(200_000);
            TestResponse r = post(client, prefix(path) + "/upload",
                    "file", "big.bin", large, "extra", "e.txt", bytes(10), "note", "n");
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("big.bin application/x-test 200000 disk sum=" + sum(large)
                    + " note=n extra=e.txt many=0");
            List<Path> created = spooledDuringHandler.stream().filter(p -> !before.contains(p)).toList();
            assertThat(created).hasSize(1);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (Files.exists(created.get(0)) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(created.get(0)).doesNotExist();
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aMissingFileIs422(HandlerPath path) {
        try (TestClient client = serve()) {
            TestResponse r = post(client, prefix(path) + "/upload", "note", "n");
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).isEqualTo("{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"file\"],"
                    + "\"msg\":\"Field required\",\"input\":null}]}");
            r = client.request("POST", prefix(path) + "/upload")
                    .body(new byte[0], "multipart/form-data; boundary=" + BOUNDARY).send();
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.text()).contains("\"loc\":[\"body\",\"file\"]").contains("\"loc\":[\"body\",\"note\"]");
        }
    }

    /**
     * More parts than {@code maxFormParts} (default 1,000, Starlette's max_files and max_fields) is 400, and a
     * part spooled before the count ran out is deleted at once; the server serves on.
     */
    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void moreThanMaxFormPartsIs400AndWhatWasSpooledIsDeleted(HandlerPath path) {
        try (TestClient client = serve()) {
            List<Path> before = spooled();
            TestResponse ok = manyParts(client, prefix(path), 998).send();
            assertThat(ok.status()).as("1,000 parts: " + ok.text()).isEqualTo(200);
            assertThat(ok.text()).endsWith("many=998");
            TestResponse r = manyParts(client, prefix(path), 999).send();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.text()).isEqualTo("{\"detail\":\"The form has more than 1000 fields and files.\"}");
            assertThat(spooled()).as("the spooled big.bin is gone").allMatch(before::contains);
            assertThat(post(client, prefix(path) + "/upload", "note", "n", "file", "a", bytes(1)).status())
                    .isEqualTo(200);
        }
    }

    /** A spooled file, a note and {@code many} one-byte files. */
    private static TestRequest manyParts(TestClient client, String prefix, int many) {
        TestRequest request = client.request("POST", prefix + "/upload")
                .file("file", "big.bin", bytes(5_000), "application/x-test").form("note", "n");
        for (int i = 0; i < many; i++) {
            request.file("many", "m" + i, bytes(1), "application/x-test");
        }
        return request;
    }

    /** A part's headers (its name, filename and content type) are bounded by {@code maxHeaderSize}: 400 past it. */
    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aPartWithHeadersLongerThanMaxHeaderSizeIs400(HandlerPath path) {
        try (TestClient client = serve()) {
            TestResponse r = post(client, prefix(path) + "/upload", "note", "n",
                    "file", "f".repeat(20_000) + ".txt", bytes(10));
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.text()).isEqualTo("{\"detail\":\"The headers of part 2 of the multipart body are longer"
                    + " than 16384 bytes.\"}");
            TestResponse longName = post(client, prefix(path) + "/upload", "note", "n",
                    "file", "f".repeat(10_000) + ".txt", bytes(10));
            assertThat(longName.status()).as("within the limit").isEqualTo(200);
        }
    }

    /**
     * A boundary longer than RFC 2046 allows (70 characters) is refused before any search, which would take
     * time in the body's size times the boundary's: the form is empty.
     */
    @Test
    void aBoundaryLongerThanTheRfcAllowsIsRefused() {
        int k = 4000;
        byte[] body = ("-".repeat(k + 1) + "x").repeat(200).getBytes(StandardCharsets.ISO_8859_1);
        assertThat(dev.starling.internal.params.FormData.decode("multipart/form-data; boundary=" + "-".repeat(k), body,
                false, 1 << 20, dev.starling.internal.params.FormData.Limits.NONE))
                .isSameAs(dev.starling.internal.params.FormData.EMPTY);
    }
}
