package dev.starling.concurrent;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * An executor whose tasks run in another JVM, so they travel serialized: a pool of worker processes or a
 * cluster.
 *
 * <p>{@link Concurrency#runInExecutor(Executor, Callable)} hands such an executor the callable itself,
 * wrapped with the serializable part of the caller's context (the SLF4J MDC and {@link ContextKey} values
 * that are {@link java.io.Serializable}), never a {@code Runnable} around it; the result still comes back on
 * the caller's event loop. Handlers cannot run on a remote executor: {@code @ExecuteOn} naming one fails
 * start-up.
 *
 * <pre>{@code
 * RemoteExecutor pool = ProcessPool.builder().maxWorkers(4).build();
 * CompletionStage<Long> primes = Concurrency.runInExecutor(pool, () -> Primes.count(10_000_000));
 * }</pre>
 */
public interface RemoteExecutor extends Executor {

    /**
     * Sends {@code task} to run elsewhere and returns a future of its result.
     *
     * <p>The future completes, on any thread, with the task's result or with its exception (type, message and
     * remote stack trace kept). A task or result that cannot be serialized fails that future only, with a
     * message naming the class. Cancelling a task that has not started means it never runs. Cancelling a
     * running one with {@code mayInterruptIfRunning} stops it when the executor can (a process pool kills the
     * worker); without it the task runs to its end and only its result is dropped.
     */
    <T> CompletableFuture<T> submit(SerializableCallable<T> task);

    /**
     * Returns a stage that completes once the task behind {@code submitted} (a future this executor's
     * {@link #submit} returned) no longer runs anywhere: when its outcome arrived, or after a cancel, once the
     * executor knows the run has stopped (a killed worker has exited, a member has answered the cancel).
     *
     * <p>Capacity limiters in front of the executor give a task's token back only then, so a cancelled task
     * that is still being stopped is still counted. The default, for executors that cannot tell, is the future
     * itself.
     */
    default CompletionStage<?> whenEnded(CompletableFuture<?> submitted) {
        return submitted;
    }

    /** Returns a short name for log lines and error messages. */
    String name();
}
