package dev.starling.internal.concurrent;

/** The part of a request that owns offloaded work: it is told of each task so that it can cancel them. */
public interface Scope {

    /** Registers a task started on behalf of this scope; if the scope is already cancelled the task is cancelled. */
    void track(OffloadTask<?> task);

    /** Forgets a task that has finished. */
    void untrack(OffloadTask<?> task);

    /** Returns the route this scope serves, for log messages. */
    String routeName();

    /**
     * A context value was set or removed, on any thread, in a context of this scope: a request keeps it, so that
     * what middleware sets is seen by the handler and the after phase.
     */
    default void contextChanged(Context context) {
    }
}
