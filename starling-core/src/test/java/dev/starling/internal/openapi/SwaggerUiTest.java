package dev.starling.internal.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** Swagger UI's files, white-box: read when first asked for, not when the app is built. */
class SwaggerUiTest {

    @Test
    void noFileIsReadUntilItIsAskedForAndThenItIsKept() {
        SwaggerUi ui = SwaggerUi.load("Shop", "", false).orElseThrow();

        assertThat(ui.loaded("swagger-ui-bundle.js")).as("held before any request").isEmpty();
        SwaggerUi.Asset bundle = ui.asset("swagger-ui-bundle.js");

        assertThat(bundle.bytes().length).isGreaterThan(500_000);
        assertThat(bundle.gzipped()).isNull();
        assertThat(ui.loaded("swagger-ui-bundle.js")).containsSame(bundle);
        assertThat(ui.loaded("swagger-ui.css")).as("another file, not asked for").isEmpty();
        assertThat(ui.has("secret.txt")).isFalse();
    }

    @Test
    void withCompressionATextFileIsGzippedOnceWhenFirstReadAndAnImageIsNot() throws IOException {
        SwaggerUi ui = SwaggerUi.load("Shop", "", true).orElseThrow();

        SwaggerUi.Asset css = ui.asset("swagger-ui.css");

        assertThat(new GZIPInputStream(new ByteArrayInputStream(css.gzipped())).readAllBytes())
                .isEqualTo(css.bytes());
        assertThat(ui.asset("swagger-ui.css")).isSameAs(css);
        assertThat(ui.asset("favicon-32x32.png").gzipped()).isNull();
    }
}
