package dev.starling.process;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The bulk submissions of {@code ExecutorService}, {@code invokeAll} and {@code invokeAny}, on a pool. */
final class Invocations {

    private Invocations() {
    }

    /** See {@link ProcessPool#invokeAll(Collection, long, TimeUnit)}. */
    static <T> List<Future<T>> invokeAll(ProcessPool pool, Collection<? extends Callable<T>> tasks, long timeout,
                                         TimeUnit unit) throws InterruptedException {
        List<CompletableFuture<T>> futures = submitAll(pool, tasks);
        long deadline = deadline(timeout, unit);
        try {
            for (CompletableFuture<T> future : futures) {
                if (!future.isDone()) {
                    try {
                        future.get(remaining(deadline), TimeUnit.NANOSECONDS);
                    } catch (ExecutionException | CancellationException ignored) {
                        // Reported by the future itself.
                    } catch (TimeoutException e) {
                        break;
                    }
                }
            }
        } finally {
            for (CompletableFuture<T> future : futures) {
                future.cancel(true);
            }
        }
        return List.copyOf(futures);
    }

    /** See {@link ProcessPool#invokeAny(Collection, long, TimeUnit)}. */
    static <T> T invokeAny(ProcessPool pool, Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task.");
        }
        BlockingQueue<CompletableFuture<T>> done = new ArrayBlockingQueue<>(tasks.size());
        List<CompletableFuture<T>> futures = submitAll(pool, tasks);
        long deadline = deadline(timeout, unit);
        try {
            for (CompletableFuture<T> future : futures) {
                future.whenComplete((value, error) -> done.add(future));
            }
            ExecutionException last = null;
            for (int i = 0; i < futures.size(); i++) {
                CompletableFuture<T> next = done.poll(remaining(deadline), TimeUnit.NANOSECONDS);
                if (next == null) {
                    throw new TimeoutException("No task given to invokeAny on process pool '" + pool.name()
                            + "' succeeded within " + unit.toMillis(timeout) + " ms.");
                }
                try {
                    return next.get();
                } catch (ExecutionException e) {
                    last = e;
                } catch (CancellationException e) {
                    last = new ExecutionException(e);
                }
            }
            throw last;
        } finally {
            for (CompletableFuture<T> future : futures) {
                future.cancel(true);
            }
        }
    }

    private static <T> List<CompletableFuture<T>> submitAll(ProcessPool pool,
                                                            Collection<? extends Callable<T>> tasks) {
        List<CompletableFuture<T>> futures = new ArrayList<>(tasks.size());
        try {
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(task));
            }
        } catch (RuntimeException e) {
            for (CompletableFuture<T> future : futures) {
                future.cancel(true);
            }
            throw e;
        }
        return futures;
    }

    private static long deadline(long timeout, TimeUnit unit) {
        long nanos = unit.toNanos(timeout);
        return nanos >= Long.MAX_VALUE / 2 ? Long.MAX_VALUE : System.nanoTime() + nanos;
    }

    private static long remaining(long deadline) {
        return deadline == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, deadline - System.nanoTime());
    }
}
