package dev.starling.internal.files;

import dev.starling.FileResponse;
import dev.starling.HttpException;
import io.netty.handler.codec.DateFormatter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * What to send for a file: worked out on a worker thread (it stats and opens the file), written on the loop.
 * A {@code 200} or {@code 206} plan holds the open channel (unless the request is {@code HEAD}) and the byte
 * range to send; a {@code 304} plan holds headers only. Failures are {@link HttpException}s (404, 403, 412, 416).
 *
 * @param status   200, 206 or 304
 * @param headers  the response headers, content-length excepted
 * @param channel  the open file, or null when no body is sent
 * @param position the first byte to send
 * @param length   how many bytes the body has (sent or, for HEAD, announced)
 * @param bytes    the body read into memory, for files on other file systems than the default one (a zip file
 *                 system has no file descriptor to send from), or null
 */
public record FilePlan(int status, List<Map.Entry<String, String>> headers, FileChannel channel, long position,
                       long length, byte[] bytes) {

    /** The largest file body read into memory, for files that cannot be sent zero-copy. */
    static final long MAX_IN_MEMORY = 64L * 1024 * 1024;

    /** The request headers that decide the answer; null where absent. */
    public record Conditions(boolean head, String ifMatch, String ifUnmodifiedSince, String ifNoneMatch,
                             String ifModifiedSince, String range, String ifRange) {
    }

    /** Stats and, when a body is to be sent, opens the file of {@code file}; blocks, so call it on a worker. */
    public static FilePlan prepare(FileResponse file, Conditions request) throws IOException {
        Path path = file.path();
        String shown = path.getFileName() == null ? path.toString() : path.getFileName().toString();
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException | NotDirectoryException e) {
            throw new HttpException(404, "The file '" + shown + "' does not exist.");
        } catch (AccessDeniedException e) {
            throw new HttpException(403, "The file '" + shown + "' cannot be read.");
        }
        if (!attributes.isRegularFile()) {
            throw new HttpException(404, "The file '" + shown + "' does not exist.");
        }
        long size = attributes.size();
        long modified = attributes.lastModifiedTime().toMillis();
        // RFC 9110 section 8.8.2.1: a modification time in the future is sent as the present.
        long nowSeconds = Math.floorDiv(System.currentTimeMillis(), 1000L);
        long modifiedSeconds = Math.min(Math.floorDiv(modified, 1000L), nowSeconds);
        String etag = "W/\"" + Long.toHexString(size) + "-" + Long.toHexString(modified) + "\"";
        String lastModified = DateFormatter.format(new Date(modifiedSeconds * 1000L));

        List<Map.Entry<String, String>> headers = new ArrayList<>(6);
        headers.add(Map.entry("etag", etag));
        headers.add(Map.entry("last-modified", lastModified));

        long[] range = request.range() != null && rangeApplies(request.ifRange(), modifiedSeconds, nowSeconds)
                ? parseRange(request.range(), size) : null;
        if (range == UNSATISFIABLE) {
            // RFC 9110 13.2.1: the preconditions are ignored, since without them the answer would be no 2xx either.
            throw new HttpException(416, "The requested range '" + request.range() + "' is outside the file, "
                    + "which has " + size + " bytes.", Map.of("content-range", "bytes */" + size));
        }
        // RFC 9110 13.2.2: If-Match, else If-Unmodified-Since; then If-None-Match, else If-Modified-Since.
        if (request.ifMatch() != null && !strongMatch(request.ifMatch())) {
            throw new HttpException(412, "The file '" + shown + "' does not match If-Match: its ETag is weak, so "
                    + "only '*' can match it.");
        }
        if (request.ifMatch() == null && request.ifUnmodifiedSince() != null) {
            Date since = DateFormatter.parseHttpDate(request.ifUnmodifiedSince());
            if (since != null && modifiedSeconds * 1000L > since.getTime()) {
                throw new HttpException(412, "The file '" + shown + "' has changed since the If-Unmodified-Since "
                        + "date.");
            }
        }
        boolean notModified;
        if (request.ifNoneMatch() != null) {
            notModified = matches(request.ifNoneMatch(), etag);
        } else if (request.ifModifiedSince() != null) {
            Date since = DateFormatter.parseHttpDate(request.ifModifiedSince());
            notModified = since != null && modifiedSeconds * 1000L <= since.getTime();
        } else {
            notModified = false;
        }
        if (notModified) {
            return new FilePlan(304, headers, null, 0, 0, null);
        }

        headers.add(Map.entry("content-type", file.contentType().orElseGet(() -> MediaTypes.guess(shown))));
        headers.add(Map.entry("accept-ranges", "bytes"));
        file.attachment().ifPresent(name -> headers.add(Map.entry("content-disposition", disposition(name))));

        int status = 200;
        long position = 0;
        long length = size;
        if (range != null) {
            status = 206;
            position = range[0];
            length = range[1] - range[0] + 1;
            headers.add(Map.entry("content-range", "bytes " + range[0] + "-" + range[1] + "/" + size));
        }
        FileChannel channel = null;
        if (!request.head() && length > 0 && path.getFileSystem() != FileSystems.getDefault()) {
            return new FilePlan(status, List.copyOf(headers), null, position, length, read(path, shown, position,
                    length));
        }
        if (!request.head() && length > 0) {
            try {
                channel = FileChannel.open(path, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                throw new HttpException(404, "The file '" + shown + "' does not exist.");
            } catch (AccessDeniedException e) {
                throw new HttpException(403, "The file '" + shown + "' cannot be read.");
            }
        }
        return new FilePlan(status, List.copyOf(headers), channel, position, length, null);
    }

    private static byte[] read(Path path, String shown, long position, long length) throws IOException {
        if (length > MAX_IN_MEMORY) {
            throw new IllegalStateException("The file '" + shown + "' is on the file system " + path.getFileSystem()
                    + ", whose files are read into memory to be sent, and at " + length + " bytes it is larger than"
                    + " the limit of " + MAX_IN_MEMORY + " bytes.");
        }
        byte[] bytes = new byte[(int) length];
        try (SeekableByteChannel in = Files.newByteChannel(path, StandardOpenOption.READ)) {
            in.position(position);
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                if (in.read(buffer) < 0) {
                    throw new IOException("The file '" + shown + "' became shorter while it was read.");
                }
            }
        } catch (NoSuchFileException e) {
            throw new HttpException(404, "The file '" + shown + "' does not exist.");
        }
        return bytes;
    }

    /** Closes the open file, if any. */
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was read, and a close of a read-only file loses nothing
            }
        }
    }

    /** Weak comparison (RFC 9110 8.8.3.2) of an {@code If-None-Match} list with our ETag. */
    static boolean matches(String ifNoneMatch, String etag) {
        String ours = opaque(etag);
        for (String candidate : ifNoneMatch.split(",")) {
            String tag = candidate.trim();
            if (tag.equals("*") || opaque(tag).equals(ours)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Strong comparison (RFC 9110 13.1.1) of an {@code If-Match} list with our ETag, which is weak: only {@code *}
     * matches (the file exists).
     */
    static boolean strongMatch(String ifMatch) {
        for (String candidate : ifMatch.split(",")) {
            if (candidate.trim().equals("*")) {
                return true;
            }
        }
        return false;
    }

    private static String opaque(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }

    /**
     * {@code If-Range}: a date equal to a strong Last-Modified keeps the range; an ETag never does (ours are weak).
     * RFC 9110 section 8.8.2.2: a Last-Modified is strong only when it is at least a second before the Date.
     */
    private static boolean rangeApplies(String ifRange, long modifiedSeconds, long nowSeconds) {
        if (ifRange == null) {
            return true;
        }
        String value = ifRange.trim();
        if (value.startsWith("\"") || value.startsWith("W/")) {
            return false;
        }
        Date date = DateFormatter.parseHttpDate(value);
        return date != null && date.getTime() == modifiedSeconds * 1000L && modifiedSeconds < nowSeconds;
    }

    static final long[] UNSATISFIABLE = new long[0];

    /**
     * Parses a {@code Range} header for a file of {@code size} bytes: {first, last} for one satisfiable range,
     * {@link #UNSATISFIABLE}, or null when the header is to be ignored (not bytes, malformed, or several ranges,
     * which are answered with the whole file).
     */
    static long[] parseRange(String header, long size) {
        String value = header.trim();
        if (!value.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = value.substring(6).trim();
        if (spec.indexOf(',') >= 0) {
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String first = spec.substring(0, dash).trim();
        String last = spec.substring(dash + 1).trim();
        try {
            if (first.isEmpty()) {
                if (last.isEmpty() || !digits(last)) {
                    return null;
                }
                long suffix = Long.parseLong(last);
                if (suffix == 0 || size == 0) {
                    return UNSATISFIABLE;
                }
                return new long[] {Math.max(0, size - suffix), size - 1};
            }
            if (!digits(first) || (!last.isEmpty() && !digits(last))) {
                return null;
            }
            long from = Long.parseLong(first);
            if (!last.isEmpty() && Long.parseLong(last) < from) {
                return null;
            }
            long to = last.isEmpty() ? size - 1 : Long.parseLong(last);
            if (from >= size) {
                return UNSATISFIABLE;
            }
            return new long[] {from, Math.min(to, size - 1)};
        } catch (NumberFormatException e) {
            return null;   // more digits than a long holds
        }
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return !s.isEmpty();
    }

    /** {@code attachment; filename="..."}, with an RFC 5987 {@code filename*} for names that are not plain ASCII. */
    static String disposition(String name) {
        boolean plain = true;
        StringBuilder fallback = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                fallback.append(c);
            } else {
                plain = false;
                fallback.append('_');
            }
        }
        String header = "attachment; filename=\"" + fallback + "\"";
        if (plain) {
            return header;
        }
        StringBuilder encoded = new StringBuilder();
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$&+-.^_`|~".indexOf(c) >= 0) {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return header + "; filename*=UTF-8''" + encoded;
    }
}
