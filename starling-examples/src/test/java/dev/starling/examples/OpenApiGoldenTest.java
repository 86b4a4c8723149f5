package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.Starling;
import dev.starling.examples.bench.BenchApp;
import dev.starling.examples.demo.DemoApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo app's OpenAPI document, fetched from a running app, against the golden file
 * {@code src/test/resources/openapi/demo.json} (pretty-printed, keys in the document's own stable order).
 *
 * <p>After an intended change to the document, rewrite the golden file and review its diff:
 * {@code mvn -B verify -pl starling-core,starling-examples -Dtest=OpenApiGoldenTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dstarling.updateGolden=true} (surefire passes the property on).
 */
class OpenApiGoldenTest {

    private static final Path GOLDEN = Path.of("src", "test", "resources", "openapi", "demo.json");

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final JsonMapper json = JsonMapper.builder().build();

    private String document(Starling app) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + app.port() + "/openapi.json")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        JsonNode tree = json.readTree(response.body());
        return json.writerWithDefaultPrettyPrinter().writeValueAsString(tree) + "\n";
    }

    @Test
    void theDemoDocumentMatchesTheGoldenFile() throws Exception {
        String actual;
        try (Starling app = DemoApp.create(0, TestCluster.NAME).start()) {
            actual = document(app);
        }
        if (Boolean.getBoolean("starling.updateGolden")) {
            Files.createDirectories(GOLDEN.getParent());
            Files.writeString(GOLDEN, actual, StandardCharsets.UTF_8);
        }
        assertThat(Files.exists(GOLDEN)).as("the golden file " + GOLDEN.toAbsolutePath()
                + " exists; write it with -Dstarling.updateGolden=true").isTrue();
        assertThat(actual).isEqualTo(Files.readString(GOLDEN, StandardCharsets.UTF_8));
    }

    @Test
    void theDemoDocumentPassesAnOpenApiValidator() throws Exception {
        String document;
        try (Starling app = DemoApp.create(0, TestCluster.NAME).start()) {
            document = document(app);
        }
        io.swagger.v3.parser.core.models.ParseOptions options = new io.swagger.v3.parser.core.models.ParseOptions();
        options.setResolve(true);
        var result = new io.swagger.v3.parser.OpenAPIV3Parser().readContents(document, null, options);
        assertThat(result.getMessages()).as(document).isEmpty();
        assertThat(result.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
        assertThat(result.getOpenAPI().getPaths()).containsKeys("/items", "/items/{id}", "/count");
    }

    @Test
    void theBenchAppServesItsDocumentToo() throws Exception {
        try (Starling app = BenchApp.create(0).start()) {
            assertThat(document(app)).contains("\"/hello/async\"", "\"/items/{id}\"");
        }
    }
}
