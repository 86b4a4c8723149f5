package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class DocsTest {

    @Test
    void swaggerUiIsServedAtDocsFromTheWebjarWithNoCdn() {
        Starling app = Starling.create(c -> c.port(0).openapiInfo("Shop <API>", "1.2.3"));
        app.get("/items", r -> "items");
        try (TestClient client = TestClient.create(app)) {
            TestResponse page = client.get("/docs");
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.header("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(page.text())
                    .contains("<title>Shop &lt;API&gt; – Swagger UI</title>")
                    .contains("src=\"/docs/swagger-ui-bundle.js\"")
                    .contains("url: \"/openapi.json\"")
                    .doesNotContain("https://");
            TestResponse bundle = client.get("/docs/swagger-ui-bundle.js");
            assertThat(bundle.status()).isEqualTo(200);
            assertThat(bundle.header("content-type")).hasValue("text/javascript; charset=utf-8");
            assertThat(bundle.bytes().length).isGreaterThan(500_000);
            assertThat(client.get("/docs/swagger-ui.css").header("content-type")).hasValue("text/css; charset=utf-8");
            assertThat(client.get("/docs/secret.txt").status()).isEqualTo(404);
            assertThat(client.get("/openapi.json").text()).contains("\"title\":\"Shop <API>\"");
        }
    }

    @Test
    void withoutOpenApiThereAreNoDocs() {
        Starling app = Starling.create(c -> c.port(0).openapi(false));
        app.get("/items", r -> "items");
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.get("/docs").status()).isEqualTo(404);
        }
    }

    @Test
    void aRouteOfTheAppAtDocsWins() {
        Starling app = Starling.create(c -> c.port(0));
        app.get("/docs", r -> "my own docs");
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.get("/docs").text()).isEqualTo("my own docs");
            assertThat(client.get("/docs/swagger-ui.css").status()).isEqualTo(404);
        }
    }

    @Test
    void withGzipOnSwaggerUisFilesGoGzippedAsCompressedOnceToClientsThatTakeGzip() throws IOException {
        Starling app = Starling.create(c -> c.port(0).gzip(500));
        try (TestClient client = TestClient.create(app)) {
            TestResponse plain = client.get("/docs/swagger-ui-bundle.js");
            assertThat(plain.header("content-encoding")).isEmpty();
            assertThat(plain.header("vary")).hasValue("accept-encoding");
            for (String accepted : List.of("gzip", "deflate, gzip;q=0.5", "*", "br, GZIP")) {
                TestResponse gzipped = client.request("GET", "/docs/swagger-ui-bundle.js")
                        .header("accept-encoding", accepted).send();
                assertThat(gzipped.header("content-encoding")).as(accepted).hasValue("gzip");
                assertThat(gzipped.bytes().length).isLessThan(plain.bytes().length / 2);
                byte[] inflated = new GZIPInputStream(new ByteArrayInputStream(gzipped.bytes())).readAllBytes();
                assertThat(inflated).as(accepted).isEqualTo(plain.bytes());
            }
            for (String refused : List.of("gzip;q=0", "identity", "gzip; q=0.000, deflate;q=0")) {
                TestResponse sent = client.request("GET", "/docs/swagger-ui-bundle.js")
                        .header("accept-encoding", refused).send();
                assertThat(sent.header("content-encoding")).as(refused).isEmpty();
                assertThat(sent.bytes()).as(refused).isEqualTo(plain.bytes());
            }
        }
    }
}
