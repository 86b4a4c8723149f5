package dev.starling.process;

/** Attached as a suppressed exception to say in which worker process a task's exception was thrown. */
final class RemoteOrigin extends RuntimeException {

    private static final long serialVersionUID = 1L;

    RemoteOrigin(String message) {
        super(message, null, false, false);
    }

    @Override
    public String toString() {
        return getMessage();
    }
}
