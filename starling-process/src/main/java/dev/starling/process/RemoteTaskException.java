package dev.starling.process;

/**
 * Stands for an exception thrown in a worker that could not travel back as itself.
 *
 * <p>A task's exception normally comes back with its own type. When that exception cannot be serialized in
 * the worker, or not deserialized in the parent (its class is missing or outside the allow-list), the task
 * fails with this exception instead: it carries the original class name, message and remote stack trace,
 * and its cause stands for the original cause the same way.
 */
public final class RemoteTaskException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String remoteClassName;

    /** Creates the exception for a remote exception of class {@code remoteClassName}. */
    public RemoteTaskException(String remoteClassName, String message, StackTraceElement[] stackTrace,
                               RemoteTaskException cause) {
        super(remoteClassName + (message == null ? "" : ": " + message), cause);
        this.remoteClassName = remoteClassName;
        setStackTrace(stackTrace);
    }

    /** Returns the name of the class of the exception thrown in the worker. */
    public String remoteClassName() {
        return remoteClassName;
    }

    /** Returns a copy of {@code t} and its causes made only of this class, which always serializes. */
    static RemoteTaskException of(Throwable t) {
        return of(t, 0);
    }

    private static RemoteTaskException of(Throwable t, int depth) {
        // The depth bound guards against cause cycles that serialization would otherwise follow forever.
        RemoteTaskException cause = t.getCause() == null || t.getCause() == t || depth > 20
                ? null
                : of(t.getCause(), depth + 1);
        String message;
        try {
            message = t.getMessage();
        } catch (RuntimeException e) {
            message = "(its getMessage threw " + e.getClass().getName() + ")";
        }
        return new RemoteTaskException(t.getClass().getName(), message, t.getStackTrace(), cause);
    }
}
