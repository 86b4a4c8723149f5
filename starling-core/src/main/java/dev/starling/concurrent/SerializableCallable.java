package dev.starling.concurrent;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A callable that can travel to another JVM: the task type of a {@link RemoteExecutor}.
 *
 * <p>A lambda becomes serializable when its target type is this interface, so passing one where a
 * {@code SerializableCallable} is expected is enough. Everything the lambda captures must be
 * {@link Serializable} too; a remote executor checks that when the task is submitted and fails the task, with
 * the offending class named, if it is not.
 *
 * <pre>{@code
 * SerializableCallable<Long> task = () -> Primes.count(10_000_000);
 * CompletionStage<Long> primes = Concurrency.runInExecutor(processPool, task);
 * }</pre>
 *
 * @param <T> the type of the result
 */
@FunctionalInterface
public interface SerializableCallable<T> extends Callable<T>, Serializable {

    /**
     * Returns the name that error messages give this task: its class name, or for a task Starling wrapped on
     * its way to another JVM, the wrapped task's.
     */
    default String describe() {
        return getClass().getName();
    }
}
