package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
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
}
