package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.Starling;
import dev.starling.examples.demo.DemoApp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads the demo's {@code /docs} in headless Chromium (Debian's {@code chromium}, which {@code .ci/run}
 * installs) and checks that Swagger UI rendered the demo's operations from {@code /openapi.json}.
 */
class DocsInBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void swaggerUiRendersTheDemosOperationsInARealBrowser(@TempDir Path profile) throws Exception {
        assertThat(Files.isExecutable(CHROMIUM))
                .as("this test needs Debian's chromium at %s (apt-get install chromium; .ci/run installs it)", CHROMIUM)
                .isTrue();
        try (Starling app = DemoApp.create(0, TestCluster.NAME).start()) {
            String dom = dumpDom("http://127.0.0.1:" + app.port() + "/docs", profile);
            assertThat(dom).contains("id=\"swagger-ui\"");
            for (String path : List.of("/items/{id}", "/items/{id}/slow", "/count", "/hello")) {
                assertThat(dom).contains("data-path=\"" + path + "\"");
            }
            assertThat(dom).contains("NewItem").contains("HTTPValidationError");
        }
    }

    /** Runs Chromium headless, as the machine's documentation says, and returns the rendered DOM. */
    private static String dumpDom(String url, Path profile) throws IOException, InterruptedException {
        Process chromium = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=10000", "--dump-dom", url)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        byte[] out = chromium.getInputStream().readAllBytes();
        if (!chromium.waitFor(60, TimeUnit.SECONDS)) {
            chromium.destroyForcibly();
            throw new AssertionError("Chromium did not finish within 60 s.");
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
