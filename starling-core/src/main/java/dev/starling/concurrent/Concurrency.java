package dev.starling.concurrent;

import dev.starling.internal.concurrent.Context;
import dev.starling.internal.concurrent.DefaultCapacityLimiter;
import dev.starling.internal.concurrent.IteratorPublisher;
import dev.starling.internal.concurrent.Loops;
import dev.starling.internal.concurrent.OffloadTask;
import dev.starling.internal.concurrent.Pools;
import dev.starling.internal.concurrent.WorkerPool;
import io.netty.util.concurrent.EventExecutor;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;

/**
 * Moves blocking work off the event loop and back: Starlette's {@code run_in_threadpool}, asyncio's
 * {@code run_in_executor} and anyio's {@code from_thread.run} for Java.
 *
 * <p>Every returned stage completes on the caller's event loop when the caller is a loop thread, so code
 * chained on it never runs on a worker by accident. The worker sees the caller's context (context keys,
 * the request, the SLF4J MDC); a failure keeps its type and carries the offloading call site as a
 * suppressed exception. Cancelling the stage before the work starts means it never runs; cancelling it
 * while it runs interrupts the thread (unless the pool says otherwise) and the token returns only when the
 * thread does.
 *
 * <pre>{@code
 * CompletionStage<Item> item = Concurrency.runInThreadpool(() -> repository.load(id));
 * }</pre>
 */
public final class Concurrency {

    private Concurrency() {
    }

    /** Runs {@code fn} on the default threadpool once a token is free; the stage completes on the caller's loop. */
    public static <T> CompletionStage<T> runInThreadpool(Callable<? extends T> fn) {
        WorkerPool pool = Pools.currentDefault();
        return pool.submit(fn, pool);
    }

    /**
     * Runs {@code fn} on {@code executor} with no limiter; {@code (Executor) null} means the default threadpool,
     * as asyncio's {@code run_in_executor(None, fn)}. A {@link RemoteExecutor} gets the callable itself, which
     * must then be serializable.
     *
     * @throws IllegalArgumentException when {@code executor} runs tasks in another JVM and {@code fn} is not
     *                                  serializable
     */
    public static <T> CompletionStage<T> runInExecutor(Executor executor, Callable<? extends T> fn) {
        if (executor == null) {
            return runInThreadpool(fn);
        }
        return WorkerPool.wrap(executor.getClass().getSimpleName(), executor, null).submit(fn);
    }

    /**
     * Runs {@code fn} in another JVM through {@code executor} (a process pool, a cluster) with no limiter; the
     * serializable part of the caller's context travels with it and the stage completes on the caller's loop.
     * Being the more specific overload, it makes a lambda argument serializable.
     */
    public static <T> CompletionStage<T> runInExecutor(RemoteExecutor executor, SerializableCallable<? extends T> fn) {
        return runInExecutor((Executor) executor, (Callable<? extends T>) fn);
    }

    /** Runs {@code fn} in another JVM through {@code executor} once {@code limiter} grants a token. */
    public static <T> CompletionStage<T> runInExecutor(RemoteExecutor executor, CapacityLimiter limiter,
                                                       SerializableCallable<? extends T> fn) {
        return runInExecutor((Executor) executor, limiter, (Callable<? extends T>) fn);
    }

    /**
     * Runs {@code fn} on the app's executor called {@code name} ({@code "default"}, {@code "virtual"} or one
     * registered with {@code Config.Builder.executor}), under that executor's limiter.
     *
     * @throws IllegalArgumentException when the app has no executor of that name, or when it runs tasks in
     *                                  another JVM and {@code fn} is not serializable
     */
    public static <T> CompletionStage<T> runInExecutor(String name, Callable<? extends T> fn) {
        Objects.requireNonNull(name, "runInExecutor needs the name of an executor, not null.");
        WorkerPool home = Pools.currentDefault();
        return home.named(name).submit(fn, home);
    }

    /**
     * Same as {@link #runInExecutor(String, Callable)}; being the more specific overload, it makes a lambda
     * argument serializable, so the named executor may run it in another JVM.
     */
    public static <T> CompletionStage<T> runInExecutor(String name, SerializableCallable<? extends T> fn) {
        return runInExecutor(name, (Callable<? extends T>) fn);
    }

    /** Runs {@code fn} on {@code executor} once {@code limiter} grants a token. */
    public static <T> CompletionStage<T> runInExecutor(Executor executor, CapacityLimiter limiter,
                                                       Callable<? extends T> fn) {
        Objects.requireNonNull(limiter, "runInExecutor needs a limiter; use runInExecutor(executor, fn) for none.");
        if (!(limiter instanceof DefaultCapacityLimiter limits)) {
            throw new IllegalArgumentException("runInExecutor needs a limiter made by CapacityLimiter.create, not "
                    + limiter.getClass().getName() + ".");
        }
        Executor target = executor != null ? executor : Pools.currentDefault().executor();
        return WorkerPool.wrap(target.getClass().getSimpleName(), target, limits).submit(fn);
    }

    /**
     * Returns a publisher that calls the blocking {@code iterator} on the default threadpool, one item per
     * offload, as fast as the subscriber asks; the iterator is closed (when it is {@link AutoCloseable}) once
     * it ends, fails or the subscriber cancels.
     */
    public static <T> Flow.Publisher<T> iterateInThreadpool(Iterator<? extends T> iterator) {
        return new IteratorPublisher<>(iterator, Pools.currentDefault());
    }

    /**
     * Runs {@code fn} on the event loop that offloaded the current work and waits for its result, like anyio's
     * {@code from_thread.run_sync}; it runs in the worker's current context (values set on the worker included).
     * A callable that returns a {@code CompletionStage} is waited for: the stage comes back completed (use
     * {@link #fromThreadAsync} to get its value).
     *
     * @throws IllegalStateException on an event-loop thread (it would wait for itself), or on a thread that is
     *                               not running work offloaded from a loop
     */
    public static <T> T fromThread(Callable<? extends T> fn) {
        Objects.requireNonNull(fn, "fromThread needs a callable to run on the loop, not null.");
        return awaitOnLoop(() -> {
            T value = fn.call();
            if (value instanceof CompletionStage<?> stage) {
                // Awaited, not handed back unfinished: the worker gets the stage once it has completed.
                return stage.handle((v, e) -> value);
            }
            return CompletableFuture.completedFuture(value);
        }, "fromThread");
    }

    /**
     * Runs {@code fn}, which starts asynchronous work, on the event loop that offloaded the current work and waits
     * for the stage it returns, like anyio's {@code from_thread.run} with a coroutine: the worker gets the
     * stage's value, or its failure thrown.
     *
     * <pre>{@code
     * String body = Concurrency.fromThreadAsync(() -> httpClient.get(url));   // on a worker
     * }</pre>
     *
     * @throws IllegalStateException as {@link #fromThread} does
     */
    public static <T> T fromThreadAsync(Callable<? extends CompletionStage<? extends T>> fn) {
        Objects.requireNonNull(fn, "fromThreadAsync needs a callable to run on the loop, not null.");
        return awaitOnLoop(fn, "fromThreadAsync");
    }

    private static <T> T awaitOnLoop(Callable<? extends CompletionStage<? extends T>> fn, String what) {
        if (Loops.current() != null) {
            throw new IllegalStateException(what + " was called on the event-loop thread '"
                    + Thread.currentThread().getName() + "'. It runs code on the loop and waits for it, so here it"
                    + " would wait for itself; call the code directly instead.");
        }
        OffloadTask<?> task = OffloadTask.current();
        EventExecutor loop = task == null ? null : task.loop();
        if (loop == null) {
            throw new IllegalStateException(what + " was called on thread '" + Thread.currentThread().getName()
                    + "', which is not running work offloaded from an event loop (runInThreadpool, runInExecutor or"
                    + " an offloaded handler); there is no loop to go back to.");
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        // The worker's context as it is now (anyio propagates the thread's contextvars), not as it was captured.
        Context context = Context.current();
        try {
            loop.execute(() -> {
                Context previous = Context.set(context);
                try {
                    CompletionStage<? extends T> stage = fn.call();
                    if (stage == null) {
                        throw new IllegalStateException(what + "'s callable returned null instead of a stage.");
                    }
                    stage.whenComplete((v, e) -> {
                        if (e != null) {
                            result.completeExceptionally(e);
                        } else {
                            result.complete(v);
                        }
                    });
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                } finally {
                    Context.set(previous);
                }
            });
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException(what + " could not run: the event loop is shut down.", e);
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException(what + " was interrupted while it waited for the event loop.");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null
                    ? c.getCause() : e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new CompletionException(cause);
        }
    }

    /** Returns the capacity limiter of the default threadpool of the current app (or of the process). */
    public static CapacityLimiter defaultLimiter() {
        return Pools.currentDefault().limiter();
    }
}
