package dev.starling;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Serves the files of a directory under a path prefix, as Starlette's {@code StaticFiles}; add it with
 * {@link Starling#mount(String, StaticFiles)}.
 *
 * <p>Each file is sent like a {@link FileResponse}: content type from the extension, {@code ETag},
 * {@code Last-Modified}, {@code 304}, byte ranges and {@code HEAD}. Only {@code GET} and {@code HEAD} are
 * answered. No request can reach a file outside the directory: paths with {@code ..} segments, encoded
 * slashes or backslashes, NUL, or symbolic links that lead out of the directory get {@code 404}.
 *
 * <pre>{@code
 * app.mount("/static", StaticFiles.of(Path.of("static")));
 * app.mount("/", StaticFiles.of(Path.of("site")).html(true));   // index.html for directories
 * }</pre>
 */
public final class StaticFiles {

    private final Path directory;
    private final boolean html;

    private StaticFiles(Path directory, boolean html) {
        this.directory = directory;
        this.html = html;
    }

    /** Returns static files served from {@code directory}, which must exist when the app mounts them. */
    public static StaticFiles of(Path directory) {
        Objects.requireNonNull(directory, "The directory of static files must not be null.");
        return new StaticFiles(directory, false);
    }

    /**
     * Returns a copy that, when {@code html} is true, answers a directory with its {@code index.html}
     * (redirecting {@code /dir} to {@code /dir/} first), as Starlette's {@code StaticFiles(html=True)}.
     */
    public StaticFiles html(boolean html) {
        return new StaticFiles(directory, html);
    }

    /** Returns the directory the files are served from. */
    public Path directory() {
        return directory;
    }

    /** Returns whether directories are answered with their {@code index.html}. */
    public boolean html() {
        return html;
    }

    @Override
    public String toString() {
        return "StaticFiles[" + directory + (html ? ", html" : "") + "]";
    }
}
