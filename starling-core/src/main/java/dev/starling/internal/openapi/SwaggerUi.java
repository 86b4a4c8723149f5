package dev.starling.internal.openapi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPOutputStream;

/**
 * Swagger UI for {@code /docs}, from the {@code org.webjars:swagger-ui} jar when it is on the class path: the
 * page is made at start; its few files are read (and gzipped) the first time each is asked for, then served from
 * memory (no CDN). An app whose docs nobody opens holds none of their 2.1 MB.
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
     * (null otherwise): compressed once, when the file is first read, rather than on the event loop for every
     * request (the 1.6 MB bundle took 55-270 ms of a loop each time).
     */
    public record Asset(byte[] bytes, String contentType, byte[] gzipped) {
    }

    private final ClassLoader loader;
    private final String base;
    private final boolean precompress;
    private final byte[] page;
    private final Map<String, Asset> loaded = new ConcurrentHashMap<>();

    private SwaggerUi(ClassLoader loader, String base, boolean precompress, byte[] page) {
        this.loader = loader;
        this.base = base;
        this.precompress = precompress;
        this.page = page;
    }

    /**
     * Finds Swagger UI's files, or returns empty when the webjar is not on the class path; the page loads them, and
     * the document, under {@code rootPath} (empty, or the prefix a proxy serves the app under). With
     * {@code precompress} (the app compresses responses), the text files are gzipped once, when first read.
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
            for (String file : FILES.keySet()) {
                if (loader.getResource(base + file) == null) {
                    throw missing(base + file);
                }
            }
            return Optional.of(new SwaggerUi(loader, base, precompress, page(title, rootPath)));
        } catch (IOException e) {
            throw new UncheckedIOException("Swagger UI's files could not be read from the class path.", e);
        }
    }

    private static IllegalStateException missing(String path) {
        return new IllegalStateException("The Swagger UI jar on the class path has no " + path
                + "; use org.webjars:swagger-ui 5.x.");
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

    /** Returns true when Swagger UI has a file called {@code name}. */
    public boolean has(String name) {
        return FILES.containsKey(name);
    }

    /** Returns the file called {@code name} if it has been read already; never blocks. */
    public Optional<Asset> loaded(String name) {
        return Optional.ofNullable(loaded.get(name));
    }

    /**
     * Returns the file called {@code name}, one that {@link #has} it, reading (and gzipping) it from the jar the
     * first time: blocking I/O and compression, for a worker thread.
     */
    public Asset asset(String name) {
        return loaded.computeIfAbsent(name, this::read);
    }

    private Asset read(String name) {
        String type = FILES.get(name);
        try (InputStream in = loader.getResourceAsStream(base + name)) {
            if (in == null) {
                throw missing(base + name);
            }
            byte[] bytes = in.readAllBytes();
            boolean text = !type.startsWith("image/");
            return new Asset(bytes, type, precompress && text ? gzip(bytes) : null);
        } catch (IOException e) {
            throw new UncheckedIOException("Swagger UI's " + name + " could not be read from the class path.", e);
        }
    }
}
