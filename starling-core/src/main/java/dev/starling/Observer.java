package dev.starling;

/**
 * Receives what happens inside an app, for metrics and tracing: requests answered, offloaded tasks, refused
 * offloads, blocked event loops and event-loop lag.
 *
 * <p>Methods are called on event loops and worker threads as things happen, so they must be quick, must not
 * block and should not throw (a throwing observer is logged and otherwise ignored). Every method does nothing
 * by default. {@code starling-metrics} turns these calls into Micrometer meters.
 *
 * <pre>{@code
 * Starling app = Starling.create(c -> c.observer(new Observer() {
 *     public void requestEnded(String method, String route, int status, long nanos) { log(method, route, status); }
 * }));
 * }</pre>
 */
public interface Observer {

    /** How an offloaded task ended. */
    enum Outcome {
        /** The call returned a value. */
        COMPLETED,
        /** The call threw. */
        FAILED,
        /** The task was cancelled (or completed from outside, as a timeout does) before or while it ran. */
        CANCELLED
    }

    /** Why an offload was refused. */
    enum Refusal {
        /** Every token was taken and the waiting room was full. */
        FULL,
        /** The task waited for a token longer than the executor's queue timeout. */
        TIMED_OUT
    }

    /**
     * A response has been sent: the request's method, the route template that matched ({@code "unmatched"}
     * when none did), the status the client got, and the time from the request's arrival to the end of the
     * response. A refusal the server writes before any request exists (400, 413, 414, 431, 505) is reported
     * with method {@code "UNKNOWN"} and time 0; a request whose client left before any response is not.
     */
    default void requestEnded(String method, String route, int status, long nanos) {
    }

    /**
     * An offloaded task has ended on the executor called {@code executor}: how long it waited for a token
     * ({@code 0} when it got one at once), how long it ran ({@code 0} when it never started) and how it ended.
     */
    default void taskEnded(String executor, long waitNanos, long runNanos, Outcome outcome) {
    }

    /** An offload to the executor called {@code executor} was refused, answered with 503 when it was a request's. */
    default void taskRefused(String executor, Refusal reason) {
    }

    /** The watchdog saw user code block an event loop for {@code nanos} while serving {@code route}. */
    default void loopBlocked(String route, long nanos) {
    }

    /** A task scheduled on the event loop called {@code loop} ran {@code nanos} later than it was due. */
    default void loopLag(String loop, long nanos) {
    }
}
