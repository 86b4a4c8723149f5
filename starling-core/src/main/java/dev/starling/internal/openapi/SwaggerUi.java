package dev.starling.internal.openapi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.zip.GZIPOutputStream;

/**
 * Swagger UI for {@code /docs}, from the {@code org.webjars:swagger-ui} jar when it is on the class path: the
 * page and its few files are read once, at start, and served from memory (no CDN).
 */
public final class SwaggerUi {

    /** Where the interactive documentation is served. */
    public static final String PATH = "/docs";

    private static final String PROPERTIES = "META-INF/maven/org.webjars/swagger-ui/pom.properties";
    private static final Map<String, String> FILES = Map.of(
            "swagger-ui.css", "text/css; charset=utf-8",
            "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
            "swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8",
            "favicon-32x32.png", "image/png");

    /**
     * One file of Swagger UI: its bytes, its media type, and its bytes gzipped when the app compresses responses
     * (null otherwise): compressed once, when the app is built, rather than on the event loop for every request
     * (the 1.6 MB bundle took 55-270 ms of a loop each time).
     */
    public record Asset(byte[] bytes, String contentType, byte[] gzipped) {
    }

    private final Map<String, Asset> assets;
    private final byte[] page;

    private SwaggerUi(Map<String, Asset> assets, byte[] page) {
        this.assets = assets;
        this.page = page;
    }

    /**
     * Loads Swagger UI's files, or returns empty when the webjar is not on the class path; the page loads them, and
     * the document, under {@code rootPath} (empty, or the prefix a proxy serves the app under). With
     * {@code precompress} (the app compresses responses), the text files are gzipped here, once.
     */
    public static Optional<SwaggerUi> load(String title, String rootPath, boolean precompress) {
        ClassLoader loader = SwaggerUi.class.getClassLoader();
        Properties properties = new Properties();
        try (InputStream in = loader.getResourceAsStream(PROPERTIES)) {
            if (in == null) {
                return Optional.empty();
            }
            properties.load(in);
            String base = "META-INF/resources/webjars/swagger-ui/" + properties.getProperty("version") + "/";
            Map<String, Asset> assets = new LinkedHashMap<>();
            for (Map.Entry<String, String> file : FILES.entrySet()) {
                try (InputStream asset = loader.getResourceAsStream(base + file.getKey())) {
                    if (asset == null) {
                        throw new IllegalStateException("The Swagger UI jar on the class path has no " + base
                                + file.getKey() + "; use org.webjars:swagger-ui 5.x.");
                    }
                    byte[] bytes = asset.readAllBytes();
                    boolean text = !file.getValue().startsWith("image/");
                    assets.put(file.getKey(), new Asset(bytes, file.getValue(), precompress && text ? gzip(bytes) : null));
                }
            }
            return Optional.of(new SwaggerUi(Map.copyOf(assets), page(title, rootPath)));
        } catch (IOException e) {
            throw new UncheckedIOException("Swagger UI's files could not be read from the class path.", e);
        }
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3);
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] page(String title, String rootPath) {
        String escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
        String html = """
                <!doctype html>
                <html lang="en">
                <head>
                  <meta charset="utf-8">
                  <title>%s – Swagger UI</title>
                  <link rel="stylesheet" href="%s/swagger-ui.css">
                  <link rel="icon" type="image/png" href="%s/favicon-32x32.png">
                </head>
                <body>
                  <div id="swagger-ui"></div>
                  <script src="%s/swagger-ui-bundle.js"></script>
                  <script>
                    window.ui = SwaggerUIBundle({url: "%s", dom_id: "#swagger-ui", deepLinking: true});
                  </script>
                </body>
                </html>
                """.formatted(escaped, rootPath + PATH, rootPath + PATH, rootPath + PATH, rootPath + Documents.PATH);
        return html.getBytes(StandardCharsets.UTF_8);
    }

    /** Returns the HTML page. */
    public byte[] page() {
        return page;
    }

    /** Returns the file called {@code name}, if Swagger UI has one. */
    public Optional<Asset> asset(String name) {
        return Optional.ofNullable(assets.get(name));
    }
}
