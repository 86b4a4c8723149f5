package dev.starling.concurrent;

/**
 * Thrown when an offload is refused because every token is taken and the waiting room is full.
 *
 * <p>Reaching an HTTP handler uncaught, it becomes {@code 503 Service Unavailable} with {@code Retry-After}.
 */
public final class CapacityExceededException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message that says which limit was reached. */
    public CapacityExceededException(String message) {
        super(message);
    }
}
