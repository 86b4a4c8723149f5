package dev.starling.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * Cross-process synchronization through files, used by tasks in workers and by tests: a task announces
 * itself by creating a file and waits for one the test creates. Waiting polls the file system, which is a
 * condition wait, not a timing assumption; the long limit only turns a hang into a failure.
 */
final class Sync {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    private Sync() {
    }

    static long pid() {
        return ProcessHandle.current().pid();
    }

    /** Creates {@code path} (and its parents), empty; ignores an existing file. */
    static void touch(String path) {
        try {
            Files.createDirectories(Path.of(path).getParent());
            if (!Files.exists(Path.of(path))) {
                Files.writeString(Path.of(path), "");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until {@code path} exists. */
    static void awaitFile(String path) {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!Files.exists(Path.of(path))) {
            pause(deadline, "file " + path);
        }
    }

    /** Waits until directory {@code dir} holds at least {@code count} entries. */
    static void awaitEntries(String dir, int count) {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (entries(dir) < count) {
            pause(deadline, count + " entries in " + dir);
        }
    }

    /** Records this worker's pid in {@code dir}, waits until {@code parties} workers have, returns the pid. */
    static long barrier(String dir, int parties) {
        touch(dir + "/" + pid());
        awaitEntries(dir, parties);
        return pid();
    }

    static long entries(String dir) {
        Path path = Path.of(dir);
        if (!Files.isDirectory(path)) {
            return 0;
        }
        try (Stream<Path> list = Files.list(path)) {
            return list.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pause(long deadline, String what) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("Gave up waiting for " + what + ".");
        }
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for " + what + ".", e);
        }
    }
}
