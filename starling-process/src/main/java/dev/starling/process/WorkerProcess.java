package dev.starling.process;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's side of one worker process: its pipes, a reader thread for its stdout, one that forwards its
 * stderr to the parent's (cutting long lines, keeping the last ones for error messages) and a watcher that
 * reports the process's exit, the only death signal. Fields marked "pool lock" are guarded by the pool's lock.
 */
final class WorkerProcess {

    // The pool's logger, so that users configure one logger for everything a pool reports.
    private static final Logger LOG = LoggerFactory.getLogger(ProcessPool.class);

    enum State { STARTING, IDLE, BUSY, CLOSING, KILLED }

    private static final int TAIL_LINES = 20;
    /** The longest stderr line kept and forwarded; the rest of a longer one is dropped. */
    static final int MAX_LINE = 8192;
    /** How long the watcher lets the reader drain the pipe after the worker exited. */
    private static final long READER_GRACE_MILLIS = 2000;

    final Process process;
    final long pid;
    private final WorkerLifecycle lifecycle;
    private final PoolThreads threads;
    private final DataOutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ReentrantLock tailLock = new ReentrantLock();
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private Thread stderr;
    private Thread reader;

    /** Pool lock. */
    State state = State.STARTING;
    /** Pool lock: the job whose outcome this worker owes, null when it owes none. */
    Job current;
    /**
     * Pool lock: the job whose run this worker's process may still be in, even when its outcome is no longer
     * wanted (cancelled or timed out, and the worker killed); null once the worker answered it or exited.
     */
    Job occupant;
    /** Pool lock: tasks finished by this worker. */
    int tasksDone;

    WorkerProcess(WorkerLifecycle lifecycle, PoolThreads threads, Process process) {
        this.lifecycle = lifecycle;
        this.threads = threads;
        this.process = process;
        this.pid = process.pid();
        this.out = new DataOutputStream(new BufferedOutputStream(process.getOutputStream(), 1 << 16));
    }

    void startThreads(String poolName, long maxFrameBytes) {
        PrintStream parentErr = System.err;
        stderr = threads.startThread("starling-process-" + poolName + "-stderr-" + pid, () -> {
            try (InputStreamReader chars = new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)) {
                forwardLines(chars, parentErr);
            } catch (IOException e) {
                // The process is gone; its exit is reported by the watcher, with this note in the tail.
                addToTail("Its stderr could not be read further (" + e + ").");
            }
        });
        reader = threads.startThread("starling-process-" + poolName + "-reader-" + pid, () -> {
            DataInputStream in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
            try {
                for (Frames.Frame frame; (frame = Frames.read(in, maxFrameBytes)) != null; ) {
                    lifecycle.received(this, frame);
                }
            } catch (IOException e) {
                // A corrupt stream cannot be resynchronized; the worker is replaced like one that died.
            } catch (RuntimeException | Error e) {
                LOG.error("The reader of worker pid {} of process pool '{}' failed; the worker is killed.",
                        pid, poolName, e);
            }
            // Without its stdout a worker can never report again: whether it ended or broke the stream, it
            // is killed (a no-op once it has exited) and its watcher reports the exit.
            kill();
        });
        // The exit of the process, not the end of its stdout, is the death signal: a child the task started
        // may hold the pipe open long after the worker is gone. Only this thread reports the exit, once.
        threads.startThread("starling-process-" + poolName + "-watcher-" + pid, () -> {
            int exitCode = exitCode();
            try {
                // Frames the worker wrote before it exited are still in the pipe: let the reader take them,
                // within a bound, as a grandchild holding the pipe open keeps the reader from ever ending.
                reader.join(READER_GRACE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            lifecycle.beforeExitReported(pid);
            lifecycle.exited(this, exitCode);
        });
    }

    /** Copies lines to {@code parentErr} and the tail, cutting lines longer than {@link #MAX_LINE} characters. */
    private void forwardLines(InputStreamReader chars, PrintStream parentErr) throws IOException {
        char[] buffer = new char[4096];
        StringBuilder line = new StringBuilder();
        boolean cut = false;
        for (int n; (n = chars.read(buffer)) > 0; ) {
            for (int i = 0; i < n; i++) {
                char c = buffer[i];
                if (c == '\n') {
                    emit(line, cut, parentErr);
                    cut = false;
                } else if (c != '\r') {
                    if (line.length() < MAX_LINE) {
                        line.append(c);
                    } else {
                        cut = true;
                    }
                }
            }
        }
        if (!line.isEmpty() || cut) {
            emit(line, cut, parentErr);
        }
    }

    private void emit(StringBuilder line, boolean cut, PrintStream parentErr) {
        String text = cut ? line + " [line cut at " + MAX_LINE + " characters]" : line.toString();
        line.setLength(0);
        parentErr.println(text);
        addToTail(text);
    }

    private void addToTail(String line) {
        tailLock.lock();
        try {
            if (tail.size() == TAIL_LINES) {
                tail.removeFirst();
            }
            tail.addLast(line);
        } finally {
            tailLock.unlock();
        }
    }

    private int exitCode() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return process.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Sends a frame; false when the worker's stdin is closed, which its reader will report as its death. */
    boolean send(Frames.Frame frame) {
        writeLock.lock();
        try {
            Frames.write(out, frame);
            return true;
        } catch (IOException e) {
            kill();
            return false;
        } finally {
            writeLock.unlock();
        }
    }

    /** Closes the worker's stdin, which makes it exit once it is idle. */
    void close() {
        writeLock.lock();
        try {
            out.close();
        } catch (IOException ignored) {
            // Already closed: the worker is exiting anyway.
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Kills the worker with SIGKILL. Through its handle, not {@code Process.destroyForcibly}, which also
     * closes the pipes and so loses the last lines of stderr the failure message quotes.
     */
    void kill() {
        process.toHandle().destroyForcibly();
    }

    /** Returns the last lines the worker wrote to stderr, waiting briefly for them after it exited. */
    String stderrTail() {
        try {
            // Informational only: a grandchild holding stderr open must not hang the pool.
            stderr.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tailLock.lock();
        try {
            return String.join("\n", tail);
        } finally {
            tailLock.unlock();
        }
    }
}
