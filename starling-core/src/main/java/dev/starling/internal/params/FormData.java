package dev.starling.internal.params;

import dev.starling.HttpException;
import dev.starling.Request;
import dev.starling.UploadedFile;
import dev.starling.concurrent.Concurrency;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The fields and files of a form body ({@code application/x-www-form-urlencoded} or {@code multipart/form-data}),
 * decoded once per request. Parts larger than the spool threshold are written to temporary files, which only
 * happens when decoding runs off the event loop ({@code mayUseDisk}); {@link #deleteFiles()} removes them.
 */
public final class FormData {

    /** What a request that keeps its decoded form implements (the Netty exchange does). */
    public interface Source {
        /** Returns the decoded form, decoding it now (in memory on the event loop) when needed. */
        FormData formData();

        /** Returns true once the form has been decoded (so binding it needs no disk access). */
        boolean formDecoded();

        /** Returns the body bytes without a copy; callers must not change them. */
        byte[] rawBody();
    }

    /**
     * The bounds on decoding one form: {@code maxParts} fields and files in all, and {@code maxPartHeaders} bytes
     * of headers per multipart part (which also bounds a part's name and filename).
     */
    public record Limits(int maxParts, int maxPartHeaders) {

        /** No bounds but the body's own length: for a request Starling did not read itself. */
        public static final Limits NONE = new Limits(Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /** The form of a body that is not a form. */
    public static final FormData EMPTY = new FormData(Map.of(), Map.of(), List.of());

    private final Map<String, List<String>> fields;
    private final Map<String, List<UploadedFile>> files;
    private final List<Path> temporary;

    private FormData(Map<String, List<String>> fields, Map<String, List<UploadedFile>> files, List<Path> temporary) {
        this.fields = fields;
        this.files = files;
        this.temporary = temporary;
    }

    /** Returns the form of {@code request}: its cached one when it keeps one, else decoded in memory now. */
    public static FormData of(Request request) {
        if (request instanceof Source source) {
            return source.formData();
        }
        return decode(request.header("content-type").orElse(null), request.body(), false, Integer.MAX_VALUE,
                Limits.NONE);
    }

    /** Returns true when {@code contentType} is {@code multipart/form-data}. */
    public static boolean isMultipart(String contentType) {
        return contentType != null && contentType.regionMatches(true, 0, "multipart/form-data", 0, 19);
    }

    /**
     * Decodes {@code body}; parts above {@code spoolAbove} bytes go to temporary files when {@code mayUseDisk}.
     * A body that is not a form, or a malformed multipart body, gives an empty form; one past {@code limits}
     * throws a 400 {@link HttpException} (having deleted what it spooled).
     */
    public static FormData decode(String contentType, byte[] body, boolean mayUseDisk, int spoolAbove,
                                  Limits limits) {
        if (contentType == null) {
            return EMPTY;
        }
        if (contentType.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33)) {
            String text = new String(body, StandardCharsets.UTF_8);
            if (Parameters.count(text, 0) > limits.maxParts()) {
                throw tooManyParts(limits);
            }
            Map<String, List<String>> params = new QueryStringDecoder(text, StandardCharsets.UTF_8, false,
                    limits.maxParts()).parameters();
            return new FormData(params, Map.of(), List.of());
        }
        if (!isMultipart(contentType)) {
            return EMPTY;
        }
        String boundary = parameter(contentType, "boundary");
        if (boundary == null || boundary.isEmpty() || boundary.length() > 70) {   // RFC 2046 5.1.1: 1 to 70
            return EMPTY;
        }
        Map<String, List<String>> fields = new LinkedHashMap<>();
        Map<String, List<UploadedFile>> files = new LinkedHashMap<>();
        List<Path> temporary = new ArrayList<>();
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int pos = indexOf(body, delimiter, 0);
        int parts = 0;
        try {
            while (pos >= 0) {
                int after = pos + delimiter.length;
                if (after + 1 < body.length && body[after] == '-' && body[after + 1] == '-') {
                    break;                                           // the closing delimiter
                }
                int headersStart = skipLine(body, after);
                int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), headersStart);
                if (headersStart < 0 || headersEnd < 0) {
                    break;
                }
                if (++parts > limits.maxParts()) {
                    throw tooManyParts(limits);
                }
                if (headersEnd - headersStart > limits.maxPartHeaders()) {
                    throw new HttpException(400, "The headers of part " + parts + " of the multipart body are longer"
                            + " than " + limits.maxPartHeaders() + " bytes.");
                }
                int contentStart = headersEnd + 4;
                int next = indexOf(body, ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1), contentStart);
                if (next < 0) {
                    break;
                }
                String headerText = new String(body, headersStart, headersEnd - headersStart, StandardCharsets.UTF_8);
                String disposition = null;
                String type = null;
                for (String line : headerText.split("\r\n")) {
                    int colon = line.indexOf(':');
                    if (colon < 0) {
                        continue;
                    }
                    String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                    String value = line.substring(colon + 1).trim();
                    if (key.equals("content-disposition")) {
                        disposition = value;
                    } else if (key.equals("content-type")) {
                        type = value;
                    }
                }
                String name = disposition == null ? null : parameter(disposition, "name");
                if (name != null) {
                    String filename = parameter(disposition, "filename");
                    int length = next - contentStart;
                    if (filename == null) {
                        fields.computeIfAbsent(name, k -> new ArrayList<>(1))
                                .add(new String(body, contentStart, length, StandardCharsets.UTF_8));
                    } else {
                        String ct = type == null ? "application/octet-stream" : type;
                        Upload upload;
                        if (mayUseDisk && length > spoolAbove) {
                            Path file = Files.createTempFile("starling-upload-", ".part");
                            temporary.add(file);
                            try (var out = Files.newOutputStream(file)) {
                                out.write(body, contentStart, length);
                            }
                            upload = new Upload(name, filename, ct, length, null, file);
                        } else {
                            byte[] copy = Arrays.copyOfRange(body, contentStart, next);
                            upload = new Upload(name, filename, ct, length, copy, null);
                        }
                        files.computeIfAbsent(name, k -> new ArrayList<>(1)).add(upload);
                    }
                }
                pos = next + 2;
            }
        } catch (IOException e) {
            new FormData(Map.of(), Map.of(), temporary).deleteFiles();
            throw new UncheckedIOException("An upload could not be spooled to a temporary file.", e);
        } catch (HttpException e) {
            new FormData(Map.of(), Map.of(), temporary).deleteFiles();
            throw e;
        }
        return new FormData(fields, files, temporary);
    }

    private static HttpException tooManyParts(Limits limits) {
        return new HttpException(400, "The form has more than " + limits.maxParts() + " fields and files.");
    }

    /** Returns every value of field {@code name}; empty when absent. */
    public List<String> fields(String name) {
        List<String> values = fields.get(name);
        return values == null ? List.of() : List.copyOf(values);
    }

    /** Returns every file sent under {@code name}; empty when absent. */
    public List<UploadedFile> files(String name) {
        List<UploadedFile> values = files.get(name);
        return values == null ? List.of() : List.copyOf(values);
    }

    /** Returns true when some part was spooled to a temporary file. */
    public boolean hasTemporaryFiles() {
        return !temporary.isEmpty();
    }

    /** Deletes the temporary files; blocks, so it runs off the event loop (on a cleanup thread). */
    public void deleteFiles() {
        for (Path p : temporary) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // The next attempt is the operating system's temp directory cleanup; nothing else to do here.
            }
        }
    }

    private static int skipLine(byte[] body, int from) {
        for (int i = from; i + 1 < body.length; i++) {
            if (body[i] == '\r' && body[i + 1] == '\n') {
                return i + 2;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        if (from < 0) {
            return -1;
        }
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Reads {@code name=value} or {@code name="value"} from a header value with {@code ;} parameters. */
    static String parameter(String header, String name) {
        for (String piece : header.split(";")) {
            String p = piece.trim();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase(name)) {
                String v = p.substring(eq + 1).trim();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                    v = v.substring(1, v.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
                }
                return v;
            }
        }
        return null;
    }

    /** One uploaded file, in memory or in a temporary file. */
    private record Upload(String name, String file, String contentType, long size, byte[] memory, Path path)
            implements UploadedFile {

        @Override
        public Optional<String> filename() {
            return Optional.ofNullable(file);
        }

        @Override
        public boolean onDisk() {
            return path != null;
        }

        @Override
        public byte[] bytes() throws IOException {
            return memory != null ? memory.clone() : Files.readAllBytes(path);
        }

        @Override
        public InputStream inputStream() throws IOException {
            return memory != null ? new ByteArrayInputStream(memory) : Files.newInputStream(path);
        }

        @Override
        public void transferTo(Path target) throws IOException {
            if (memory != null) {
                Files.write(target, memory);
            } else {
                Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }

        @Override
        public CompletionStage<byte[]> read() {
            if (memory != null) {
                return CompletableFuture.completedFuture(memory.clone());
            }
            return Concurrency.runInThreadpool(this::bytes);
        }

        @Override
        public String toString() {
            return "UploadedFile[" + name + ", " + file + ", " + contentType + ", " + size + " bytes"
                    + (path != null ? ", on disk" : "") + "]";
        }
    }
}
