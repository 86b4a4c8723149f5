package dev.starling.hazelcast;

import com.hazelcast.cluster.MemberSelector;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import dev.starling.concurrent.SerializableCallable;
import java.io.NotSerializableException;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One task sent to the cluster, and the future of its outcome: submits, resubmits after a member left when
 * retries remain, and stops the task on its member when completed from outside (cancelled, timed out).
 */
final class Submission<T> extends CompletableFuture<T> {

    private static final int MAX_CAUSES = 16;
    /** Gives the cluster time to drop the member that left before the task goes out again. */
    private static final long RETRY_PAUSE_MILLIS = 100;

    private final IExecutorService service;
    private final Optional<MemberSelector> members;
    private final int retries;
    private final SerializableCallable<T> task;
    private final Executor completions;
    /** Hazelcast's future of the attempt under way, to cancel it. */
    private final AtomicReference<Future<T>> attempt = new AtomicReference<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private int attempts;
    /** Whether stopping the task on its member interrupts it: false only after {@code cancel(false)}. */
    private volatile boolean interrupt = true;

    Submission(IExecutorService service, Optional<MemberSelector> members, int retries,
            SerializableCallable<T> task, Executor completions) {
        this.service = service;
        this.completions = completions;
        this.members = members;
        this.retries = retries;
        this.task = task;
    }

    /** Sends the task for the first time; called once. */
    void send() {
        // Completing this future from outside (cancel, orTimeout, complete) stops the task on its member too.
        whenComplete((value, error) -> stopAttempt());
        start();
    }

    /** Sends the task; runs on the caller's thread first, and on a pool thread for a retry. */
    private void start() {
        if (isDone()) {
            return;
        }
        attempts++;
        Future<T> future;
        try {
            future = members.isPresent() ? service.submit(new MemberCall<>(task), members.get())
                    : service.submit(new MemberCall<>(task));
        } catch (HazelcastSerializationException e) {
            completeExceptionally(notSerializable(e));
            return;
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        attempt.set(future);
        // Completed from outside before the attempt was recorded, so nothing stopped it yet.
        if (isDone()) {
            stopAttempt();
            return;
        }
        if (!(future instanceof CompletionStage<?> stage)) {
            future.cancel(true);
            completeExceptionally(new IllegalStateException("The executor service " + service.getName()
                    + " returned a " + future.getClass().getName() + ", which is not a CompletionStage, so the"
                    + " outcome of task " + task.describe() + " cannot be awaited without blocking."));
            return;
        }
        // Hazelcast runs plain whenComplete callbacks on its default async executor, which on a machine with
        // one or two CPUs starts a thread per callback.
        stage.whenCompleteAsync(this::attemptDone, completions);
    }

    @SuppressWarnings("unchecked") // Hazelcast's future of the task's own result
    private void attemptDone(Object value, Throwable error) {
        if (error == null) {
            complete((T) value);
        } else {
            fail(unwrap(error));
        }
    }

    private void fail(Throwable error) {
        if (isDone()) {
            return;
        }
        if (error instanceof CancellationException) {
            completeExceptionally(error);
            return;
        }
        Optional<Throwable> gone = cause(error, MemberLeftException.class, TargetNotMemberException.class,
                TargetDisconnectedException.class);
        if (gone.isPresent() && attempts <= retries) {
            // Hazelcast reports a member gone on threads that must not invoke operations, so resubmit elsewhere.
            CompletableFuture.delayedExecutor(RETRY_PAUSE_MILLIS, TimeUnit.MILLISECONDS, ForkJoinPool.commonPool())
                    .execute(this::start);
        } else if (gone.isPresent()) {
            completeExceptionally(new TaskLostException("The member running task " + task.describe()
                    + " left the cluster before the task's outcome came back (attempt " + attempts + " of "
                    + (retries + 1) + "): " + gone.get().getMessage(), error));
        } else if (cause(error, HazelcastInstanceNotActiveException.class).isPresent()) {
            completeExceptionally(new TaskLostException("The Hazelcast instance of executor service "
                    + service.getName() + " stopped before the outcome of task " + task.describe()
                    + " came back.", error));
        } else if (error instanceof HazelcastSerializationException e) {
            completeExceptionally(new IllegalArgumentException("The outcome of task " + task.describe()
                    + " could not travel back from its member: " + e.getMessage(), e));
        } else {
            completeExceptionally(error);
        }
    }

    private IllegalArgumentException notSerializable(HazelcastSerializationException e) {
        // NotSerializableException names the offending class, which may be something the task captured.
        String culprit = cause(e, NotSerializableException.class)
                .map(n -> "; " + n.getMessage() + " is not Serializable")
                .orElse(": " + e.getMessage());
        return new IllegalArgumentException("Task " + task.describe() + " cannot be serialized to run on"
                + " executor service " + service.getName() + culprit + ". Everything a task captures must be"
                + " Serializable.", e);
    }

    /**
     * Cancels this future and then the task on its member, interrupting it there if
     * {@code mayInterruptIfRunning}.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        interrupt = mayInterruptIfRunning;
        return super.cancel(mayInterruptIfRunning);
    }

    /**
     * Completes once the task no longer runs as far as this member can know: with its outcome, or, after a
     * cancel, once the member running it has answered the cancel (and interrupted the task, unless
     * {@code cancel(false)}). Hazelcast reports no more: a task that ignores the interrupt may still run.
     */
    CompletableFuture<Void> ended() {
        return ended;
    }

    /** Cancels the attempt under way, if any, once this future completed from outside. */
    private void stopAttempt() {
        Future<T> current = attempt.get();
        if (current != null && !current.isDone()) {
            boolean mayInterrupt = interrupt;
            // Hazelcast's cancel waits for the member's answer, and the caller may be an event loop.
            Thread.ofVirtual().name("starling-hazelcast-cancel").start(() -> {
                try {
                    current.cancel(mayInterrupt);
                } finally {
                    ended.complete(null);
                }
            });
        } else {
            ended.complete(null);
        }
    }

    @Override
    public String toString() {
        return "Submission[" + task.describe() + ", attempt " + attempts + ", " + super.toString() + "]";
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        // MemberLeftException extends ExecutionException, so only the wrappers themselves are peeled.
        while ((e.getClass() == CompletionException.class || e.getClass() == ExecutionException.class)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    @SafeVarargs
    private static Optional<Throwable> cause(Throwable error, Class<? extends Throwable>... types) {
        Throwable e = error;
        for (int i = 0; e != null && i < MAX_CAUSES; i++, e = e.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(e)) {
                    return Optional.of(e);
                }
            }
        }
        return Optional.empty();
    }
}
