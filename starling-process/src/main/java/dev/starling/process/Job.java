package dev.starling.process;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/** One submitted task; {@code worker} and {@code timeout} are guarded by the pool's lock. */
final class Job {

    final long id;
    final String taskClass;
    final Object task;
    final byte[] payload;
    final TaskFuture<?> future;
    final boolean fixed;
    final Object fixedResult;
    WorkerProcess worker;
    ScheduledFuture<?> timeout;
    /** Pool lock: how many workers this job was handed to. */
    int deliveries;
    /** Completes once the task no longer runs in any worker; see {@link ProcessPool#whenEnded}. */
    final CompletableFuture<Void> ended = new CompletableFuture<>();

    Job(long id, String taskClass, Object task, byte[] payload, TaskFuture<?> future, boolean fixed,
        Object fixedResult) {
        this.id = id;
        this.taskClass = taskClass;
        this.task = task;
        this.payload = payload;
        this.future = future;
        this.fixed = fixed;
        this.fixedResult = fixedResult;
    }

    /** Runs the task in the calling thread, for the runnables {@link ProcessPool#shutdownNow()} returns. */
    void runHere() {
        try {
            Object value;
            if (task instanceof Callable<?> callable) {
                value = callable.call();
            } else {
                ((Runnable) task).run();
                value = null;
            }
            future.completeValue(fixed ? fixedResult : value);
        } catch (Throwable t) {
            future.completeExceptionally(t);
        }
    }

    /** Completes the {@link #ended} stage of every job in {@code jobs}. */
    static void end(List<Job> jobs) {
        for (Job job : jobs) {
            job.ended.complete(null);
        }
    }
}
