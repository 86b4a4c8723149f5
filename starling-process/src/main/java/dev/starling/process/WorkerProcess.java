package dev.starling.process;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pool's side of one worker process: its pipes, a reader thread for its stdout and one that forwards
 * its stderr to the parent's, keeping the last lines for error messages. Fields marked "pool lock" are
 * guarded by the pool's lock.
 */
final class WorkerProcess {

    enum State { STARTING, IDLE, BUSY, CLOSING, KILLED }

    private static final int TAIL_LINES = 20;

    final Process process;
    final long pid;
    private final ProcessPool pool;
    private final DataOutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ReentrantLock tailLock = new ReentrantLock();
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private Thread stderr;

    /** Pool lock. */
    State state = State.STARTING;
    /** Pool lock: the job this worker runs, null when it runs none. */
    ProcessPool.Job current;
    /** Pool lock: tasks finished by this worker. */
    int tasksDone;

    WorkerProcess(ProcessPool pool, Process process) {
        this.pool = pool;
        this.process = process;
        this.pid = process.pid();
        this.out = new DataOutputStream(new BufferedOutputStream(process.getOutputStream(), 1 << 16));
    }

    void startThreads(String poolName, long maxFrameBytes) {
        PrintStream parentErr = System.err;
        stderr = Thread.ofPlatform().daemon().name("starling-process-" + poolName + "-stderr-" + pid).start(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    parentErr.println(line);
                    addToTail(line);
                }
            } catch (IOException e) {
                // The process is gone; the reader thread reports that, with this note in the tail.
                addToTail("(its stderr could not be read further: " + e + ")");
            }
        });
        Thread.ofPlatform().daemon().name("starling-process-" + poolName + "-reader-" + pid).start(() -> {
            DataInputStream in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
            try {
                for (Frames.Frame frame; (frame = Frames.read(in, maxFrameBytes)) != null; ) {
                    pool.received(this, frame);
                }
            } catch (IOException e) {
                // A corrupt stream cannot be resynchronized; the worker is replaced like one that died.
                kill();
            } catch (RuntimeException | Error e) {
                kill();
                pool.log().error("The reader of worker pid {} of process pool '{}' failed; the worker is killed.",
                        pid, poolName, e);
            }
            pool.exited(this, exitCode());
        });
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
