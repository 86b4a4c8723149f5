package dev.starling.process;

/**
 * Thrown when the worker process running a task exits before the task finishes.
 *
 * <p>The worker may have called {@code System.exit} or {@code Runtime.halt}, run out of memory (workers run
 * with {@code -XX:+ExitOnOutOfMemoryError}) or been killed by a signal. Only the task it was running fails;
 * the pool starts a new worker and queued tasks go on.
 */
public final class WorkerDiedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long pid;
    private final int exitCode;

    /** Creates the exception for worker {@code pid}, which exited with {@code exitCode}. */
    public WorkerDiedException(String message, long pid, int exitCode) {
        super(message);
        this.pid = pid;
        this.exitCode = exitCode;
    }

    /** Returns the process id of the worker that died. */
    public long pid() {
        return pid;
    }

    /**
     * Returns the worker's exit code; 128 + n when signal n killed it, as the shell reports it; -1 when the
     * task never started because every worker it was handed to had already died.
     */
    public int exitCode() {
        return exitCode;
    }
}
