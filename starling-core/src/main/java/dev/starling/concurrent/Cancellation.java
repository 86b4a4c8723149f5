package dev.starling.concurrent;

import dev.starling.internal.concurrent.OffloadTask;
import java.util.concurrent.CancellationException;

/**
 * Lets offloaded code see whether its task was cancelled, for code that cannot be interrupted.
 *
 * <pre>{@code
 * for (Row row : rows) {
 *     Cancellation.check();   // throws CancellationException once the request is gone
 *     write(row);
 * }
 * }</pre>
 */
public final class Cancellation {

    private Cancellation() {
    }

    /** Returns true when the offloaded task running on this thread has been cancelled. */
    public static boolean isCancelled() {
        OffloadTask<?> task = OffloadTask.current();
        return task != null && task.stopRequested();
    }

    /** Throws {@link CancellationException} when the offloaded task running on this thread has been cancelled. */
    public static void check() {
        if (isCancelled()) {
            throw new CancellationException("The offloaded task running on " + Thread.currentThread().getName()
                    + " was cancelled.");
        }
    }
}
