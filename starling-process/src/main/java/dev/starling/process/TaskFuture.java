package dev.starling.process;

import java.util.concurrent.CompletableFuture;

/** A task's future: cancelling it removes the task from the queue or kills the worker running it. */
final class TaskFuture<T> extends CompletableFuture<T> {

    final PoolState pool;
    volatile Job job;

    TaskFuture(PoolState pool) {
        this.pool = pool;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        Job current = job;
        if (cancelled && current != null) {
            pool.cancelled(current, mayInterruptIfRunning);
        }
        return cancelled;
    }

    void cancelQuietly() {
        super.cancel(false);
    }

    @SuppressWarnings("unchecked")
    void completeValue(Object value) {
        complete((T) value);
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
