package dev.starling.internal.files;

import dev.starling.FileResponse;
import dev.starling.HttpException;
import dev.starling.Response;
import dev.starling.StaticFiles;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One request for a mounted directory of static files: the path under the mount, still percent-encoded.
 * {@link #resolve()} blocks (it touches the file system), so it runs on a worker.
 */
public final class StaticLookup {

    private final Mounted mount;
    private final String requestPath;
    private final String rest;
    private final String rootPath;

    /**
     * Static files checked at mount time: the directory exists, and its real path is known.
     *
     * @param files the user's settings
     * @param root  the directory, absolute and normalized
     * @param real  the directory's real path (symbolic links resolved)
     */
    public record Mounted(StaticFiles files, Path root, Path real) {

        /** Checks {@code files}' directory; blocks, so call it while the app is built. */
        public static Mounted of(StaticFiles files) {
            Path root = files.directory().toAbsolutePath().normalize();
            if (!Files.isDirectory(root)) {
                throw new IllegalArgumentException("The static files directory " + root + " does not exist or is "
                        + "not a directory.");
            }
            try {
                return new Mounted(files, root, root.toRealPath());
            } catch (IOException e) {
                throw new IllegalArgumentException("The static files directory " + root + " cannot be read: "
                        + e.getMessage() + ".", e);
            }
        }
    }

    /**
     * Records one request for {@code mount}.
     *
     * @param requestPath the request's raw path, for messages and redirects
     * @param rest        the raw path below the mount's prefix, such as {@code /css/app.css} or empty
     * @param rootPath    the prefix a proxy serves the app under, which a redirect starts with; empty for none
     */
    public StaticLookup(Mounted mount, String requestPath, String rest, String rootPath) {
        this.mount = mount;
        this.requestPath = requestPath;
        this.rest = rest;
        this.rootPath = rootPath;
    }

    /** Returns the {@link FileResponse} to send, or a redirect; throws 404 for anything else. */
    public Object resolve() {
        Path resolved = mount.root();
        if (!rest.isEmpty()) {
            for (String raw : rest.split("/", -1)) {
                if (raw.isEmpty()) {
                    continue;
                }
                String segment = decode(raw);
                if (segment == null || segment.equals("..") || segment.indexOf('/') >= 0
                        || segment.indexOf('\\') >= 0 || segment.indexOf('\0') >= 0 || segment.indexOf(':') >= 0) {
                    throw notFound();
                }
                if (segment.equals(".")) {
                    continue;
                }
                Path part;
                try {
                    part = resolved.getFileSystem().getPath(segment);
                } catch (RuntimeException e) {
                    throw notFound();
                }
                if (part.isAbsolute() || part.getNameCount() != 1) {
                    throw notFound();
                }
                resolved = resolved.resolve(part);
            }
        }
        resolved = resolved.normalize();
        if (!resolved.startsWith(mount.root())) {
            throw notFound();
        }
        Path real;
        try {
            real = resolved.toRealPath();
        } catch (IOException | SecurityException e) {
            throw notFound();
        }
        if (!real.startsWith(mount.real())) {
            throw notFound();
        }
        if (Files.isDirectory(real)) {
            if (!mount.files().html()) {
                throw notFound();
            }
            Path index = real.resolve("index.html");
            if (!Files.isRegularFile(index)) {
                throw notFound();
            }
            if (!requestPath.endsWith("/")) {
                // Relative to this host: "//name" would be read as another host (an open redirect).
                return Response.status(307).header("location", rootPath + requestPath.replaceFirst("^/+", "/") + "/");
            }
            real = index;
        } else if (!Files.isRegularFile(real)) {
            throw notFound();
        }
        return FileResponse.of(real);
    }

    private HttpException notFound() {
        return new HttpException(404, "There is no file at " + requestPath + ".");
    }

    /** Percent-decodes one segment ({@code +} stays a plus); null when it is not valid UTF-8 percent-encoding. */
    private static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        try {
            String decoded = QueryStringDecoder.decodeComponent(raw.replace("+", "%2B"));
            return decoded.indexOf('\uFFFD') >= 0 ? null : decoded;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
