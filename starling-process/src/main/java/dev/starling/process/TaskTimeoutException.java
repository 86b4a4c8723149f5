package dev.starling.process;

import java.time.Duration;

/**
 * Thrown when a task runs longer than the pool's task timeout, after its worker has been killed.
 *
 * <p>The pool kills the worker with {@code destroyForcibly} (a task in another JVM cannot be interrupted
 * any other way) and starts a new one.
 */
public final class TaskTimeoutException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long pid;
    private final Duration timeout;

    /** Creates the exception for a task that ran longer than {@code timeout} in worker {@code pid}. */
    public TaskTimeoutException(String message, long pid, Duration timeout) {
        super(message);
        this.pid = pid;
        this.timeout = timeout;
    }

    /** Returns the process id of the worker that was killed. */
    public long pid() {
        return pid;
    }

    /** Returns the timeout the task exceeded. */
    public Duration timeout() {
        return timeout;
    }
}
