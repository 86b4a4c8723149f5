package dev.starling.internal.concurrent;

import dev.starling.Observer.Outcome;
import dev.starling.concurrent.CapacityExceededException;
import dev.starling.concurrent.RemoteExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;

/**
 * The remote path of an offloaded task: hands the callable itself, with the context that can travel, to an
 * executor in another JVM; the token comes back when the remote run has ended (or been stopped), and the
 * result is delivered as usual. The remote run's future is the task's own field.
 */
final class RemoteRun {

    private RemoteRun() {
    }

    /**
     * Sends the task to {@code executor}; returns the waiter that now holds the token, not yet started, when
     * the send ended at once (a refusal, say), for the caller's loop to start.
     */
    static <T> OffloadTask<?> send(OffloadTask<T> task, RemoteExecutor executor) {
        if (!task.begin()) {
            return TokenWait.releaseToNext(task);
        }
        TokenWait.disarm(task);
        TaskEvents.ran(task);
        CompletableFuture<T> future;
        // The executor's submit serializes the task on this thread, often a loop: the watchdog should name it.
        LoopProbe probe = LoopProbe.current();
        String wasSending = probe == null ? null : probe.sending(executor.name());
        try {
            future = executor.submit(new RemoteCall<T>(task.fn, task.mdc, task.context));
        } catch (RejectedExecutionException e) {
            // A full or closed executor is a service that cannot take more now: 503 with Retry-After.
            CapacityExceededException refused = new CapacityExceededException("The executor '" + task.pool.name()
                    + "' refused the task, which was not run: " + e.getMessage());
            refused.initCause(e);
            future = CompletableFuture.failedFuture(refused);
        } catch (Throwable t) {
            future = CompletableFuture.failedFuture(t);
        } finally {
            if (probe != null) {
                probe.sending(wasSending);
            }
        }
        task.remote = future;
        if (task.interruptRequested()) {
            future.cancel(true);   // cancelled while it was being sent
        }
        if (future.isDone() && task.running()) {
            // Refused at once (a shut-down executor, say): hand the token on in the caller's loop, not by
            // recursion, however many waiters are refused in a row.
            Throwable failure = failureOf(future);
            return remoteEnded(task, executor, future, failure == null ? future.join() : null, failure);
        }
        CompletableFuture<T> sent = future;
        future.whenComplete((value, failure) -> {
            OffloadTask<?> next = remoteEnded(task, executor, sent, value, failure);
            if (next != null) {
                next.execute();
            }
        });
        return null;
    }

    /** Stops the remote run of a task that is being interrupted, if it was sent. */
    static void stop(OffloadTask<?> task) {
        CompletableFuture<?> elsewhere = task.remote;
        if (elsewhere != null) {
            elsewhere.cancel(true);
        }
    }

    private static Throwable failureOf(CompletableFuture<?> done) {
        try {
            done.join();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /**
     * Delivers the remote run's outcome and returns the waiter that now holds the token, not yet started. A
     * task stopped from outside keeps its token until the executor says the run has really ended.
     */
    private static <T> OffloadTask<?> remoteEnded(OffloadTask<T> task, RemoteExecutor executor,
                                                  CompletableFuture<T> future, T value, Throwable failure) {
        Throwable error = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (task.finish()) {
            TaskEvents.ended(task, error == null ? Outcome.COMPLETED : Outcome.FAILED, true);
            OffloadTask<?> next = TokenWait.releaseToNext(task);
            task.deliver(value, error);
            return next;
        }
        TaskEvents.ended(task, Outcome.CANCELLED, true);
        if (error == null && value != null && task.onAbandoned != null) {
            Cleanup.release(task.onAbandoned, value);
        }
        CompletionStage<?> ended;
        try {
            ended = executor.whenEnded(future);
        } catch (Throwable t) {
            ended = future;   // an executor that cannot say: the future's end is all there is
        }
        ended.whenComplete((ignored, alsoIgnored) -> {
            OffloadTask<?> next = TokenWait.releaseToNext(task);
            if (next != null) {
                next.execute();
            }
        });
        return null;
    }
}
