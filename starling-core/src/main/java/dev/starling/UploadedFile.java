package dev.starling;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * One file of a {@code multipart/form-data} request, as a handler parameter ({@code UploadedFile file},
 * {@code List<UploadedFile>}, {@code Optional<UploadedFile>}) or from {@link Request#files(String)}.
 *
 * <p>A part up to {@link Config#maxPartMemory()} bytes stays in memory; a larger one is spooled to a temporary
 * file, which Starling deletes once the response has been sent: copy it with {@link #transferTo(Path)} to keep it.
 * {@link #bytes()}, {@link #inputStream()} and {@link #transferTo(Path)} may read the disk and block, so they
 * belong to offloaded handlers; a handler on the event loop uses {@link #read()}, which offloads the read.
 */
public interface UploadedFile {

    /** Returns the form field name the file was sent under. */
    String name();

    /** Returns the file name the client sent, if it sent one. */
    Optional<String> filename();

    /** Returns the part's content type, {@code application/octet-stream} when the client sent none. */
    String contentType();

    /** Returns the size in bytes. */
    long size();

    /** Returns true when the part was spooled to a temporary file rather than kept in memory. */
    boolean onDisk();

    /** Returns the whole content; blocks when the part is on disk, so call it from an offloaded handler. */
    byte[] bytes() throws IOException;

    /** Opens the content for reading; blocks when the part is on disk, so call it from an offloaded handler. */
    InputStream inputStream() throws IOException;

    /** Copies the content to {@code target}, replacing it; blocks, so call it from an offloaded handler. */
    void transferTo(Path target) throws IOException;

    /**
     * Reads the whole content without blocking the caller: at once for an in-memory part, on the default
     * threadpool for a spooled one; the stage completes on the caller's event loop.
     */
    CompletionStage<byte[]> read();
}
