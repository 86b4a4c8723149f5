package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class GzipTest {

    private static final String LONG = "Starling compresses what is worth compressing. ".repeat(60);

    private static String gunzip(byte[] bytes) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Starling app(int minimum) {
        return Starling.create(c -> c.port(0).gzip(minimum));
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aLargeEnoughBodyIsGzippedForAClientThatAcceptsIt(HandlerPath where) throws IOException {
        Starling app = app(500);
        where.route(app, "GET", "/long", r -> LONG);
        where.route(app, "GET", "/short", r -> "short");
        try (TestClient client = TestClient.create(app)) {
            TestResponse zipped = client.request("GET", "/long").header("accept-encoding", "gzip").send();
            assertThat(zipped.header("content-encoding")).hasValue("gzip");
            assertThat(zipped.bytes().length).isLessThan(LONG.length() / 4);
            assertThat(gunzip(zipped.bytes())).isEqualTo(LONG);

            TestResponse small = client.request("GET", "/short").header("accept-encoding", "gzip").send();
            assertThat(small.header("content-encoding")).isEmpty();
            assertThat(small.text()).isEqualTo("short");

            TestResponse plain = client.get("/long");
            assertThat(plain.header("content-encoding")).as("the client did not ask").isEmpty();
            assertThat(plain.text()).isEqualTo(LONG);
        }
    }

    @Test
    void aStreamIsGzippedChunkByChunk() throws IOException {
        Starling app = app(0);
        app.get("/lines", r -> List.of(LONG, LONG, LONG).iterator());
        try (TestClient client = TestClient.create(app)) {
            TestResponse zipped = client.request("GET", "/lines").header("accept-encoding", "gzip").send();
            assertThat(zipped.header("content-encoding")).hasValue("gzip");
            assertThat(gunzip(zipped.bytes())).isEqualTo(LONG + LONG + LONG);
        }
    }

    @Test
    void aFileIsSentAsItIsZeroCopyWithoutAnEncodingHeader(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("page.txt"), LONG);
        Starling app = app(0);
        app.get("/file", r -> FileResponse.of(file));
        try (TestClient client = TestClient.create(app)) {
            TestResponse served = client.request("GET", "/file").header("accept-encoding", "gzip").send();
            assertThat(served.header("content-encoding")).isEmpty();
            assertThat(served.header("content-length")).hasValue(String.valueOf(LONG.length()));
            assertThat(served.text()).isEqualTo(LONG);
        }
    }

    @Test
    void compressionIsOffByDefault() {
        Starling app = Starling.create(c -> c.port(0));
        app.get("/long", r -> LONG);
        try (TestClient client = TestClient.create(app)) {
            TestResponse response = client.request("GET", "/long").header("accept-encoding", "gzip").send();
            assertThat(response.header("content-encoding")).isEmpty();
            assertThat(response.text()).isEqualTo(LONG);
        }
    }
}
