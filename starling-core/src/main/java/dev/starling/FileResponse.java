package dev.starling;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A response that sends a file from disk, as Starlette's {@code FileResponse}.
 *
 * <p>The file is looked up and opened on the threadpool (never on the event loop) when the response is
 * sent, and written with zero-copy transfer. The response has {@code content-length}, a content type guessed
 * from the file's extension (unless one is given), a weak {@code ETag} and {@code Last-Modified}; it answers
 * conditional requests with {@code 304} ({@code If-None-Match}, {@code If-Modified-Since}) or {@code 412}
 * ({@code If-Match} other than {@code *}, {@code If-Unmodified-Since} older than the file), a single byte range
 * of a {@code GET} ({@code Range: bytes=0-99}, {@code 100-}, {@code -100}) with {@code 206}, an unsatisfiable
 * range with {@code 416}, and {@code HEAD} with the headers alone. A file that does not exist gives {@code 404}.
 *
 * <pre>{@code
 * @Get("/reports/{id}")
 * FileResponse report(int id) {
 *     return FileResponse.of(Path.of("reports", id + ".pdf")).attachment("report-" + id + ".pdf");
 * }
 * }</pre>
 */
public final class FileResponse {

    private final Path path;
    private final String contentType;
    private final String attachment;

    private FileResponse(Path path, String contentType, String attachment) {
        this.path = path;
        this.contentType = contentType;
        this.attachment = attachment;
    }

    /** Returns a response that sends the file at {@code path}. */
    public static FileResponse of(Path path) {
        Objects.requireNonNull(path, "The path of a FileResponse must not be null.");
        return new FileResponse(path, null, null);
    }

    /** Returns a copy sent with {@code contentType} instead of the type guessed from the file's extension. */
    public FileResponse contentType(String contentType) {
        Objects.requireNonNull(contentType, "The content type must not be null.");
        checkHeaderValue(contentType, "content type");
        return new FileResponse(path, contentType, attachment);
    }

    /**
     * Returns a copy that asks the browser to save the file under {@code filename}
     * ({@code content-disposition: attachment}); non-ASCII names are sent as RFC 5987 {@code filename*}.
     */
    public FileResponse attachment(String filename) {
        Objects.requireNonNull(filename, "The attachment's file name must not be null.");
        if (filename.isBlank()) {
            throw new IllegalArgumentException("The attachment's file name must not be blank.");
        }
        checkHeaderValue(filename, "attachment's file name");
        return new FileResponse(path, contentType, filename);
    }

    /** Returns the path of the file. */
    public Path path() {
        return path;
    }

    /** Returns the content type given with {@link #contentType(String)}, if any. */
    public Optional<String> contentType() {
        return Optional.ofNullable(contentType);
    }

    /** Returns the file name given with {@link #attachment(String)}, if any. */
    public Optional<String> attachment() {
        return Optional.ofNullable(attachment);
    }

    private static void checkHeaderValue(String value, String what) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("The " + what + " must not contain control characters such as "
                        + "line breaks, but '" + value.replaceAll("\\p{Cntrl}", "?") + "' does.");
            }
        }
    }

    @Override
    public String toString() {
        return "FileResponse[" + path + "]";
    }
}
