package dev.starling.internal.pipeline;

import dev.starling.AppState;
import dev.starling.BackgroundTasks;
import dev.starling.Resource;
import dev.starling.internal.concurrent.Cleanup;
import dev.starling.internal.concurrent.Context;
import dev.starling.internal.concurrent.WorkerPool;
import dev.starling.internal.http.Exchange;
import dev.starling.internal.params.Injection;
import dev.starling.internal.params.Providers;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dependencies of one request: resolved once each (cached), plain providers on the threadpool and
 * asynchronous ones on the loop, every continuation back on the request's loop. Resources are closed after
 * the response, in reverse order, on a cleanup thread (never waiting for a token); then the background tasks
 * run in order.
 */
final class Resolution implements BackgroundTasks {

    private static final Logger LOG = LoggerFactory.getLogger("dev.starling.errors");

    private final Exchange exchange;
    private final AppState state;
    private final WorkerPool pool;
    private final Map<Providers.Provider, CompletableFuture<Object>> cache = new HashMap<>();
    private final ArrayDeque<Resource.Closer> cleanups = new ArrayDeque<>();
    private final List<Supplier<? extends CompletionStage<?>>> tasks = new ArrayList<>(1);
    private volatile boolean over;

    Resolution(Exchange exchange, WorkerPool pool, AppState state) {
        this.state = state;
        this.exchange = exchange;
        this.pool = pool;
        exchange.afterResponse(this::over);
    }

    /** Fills the injected slots of {@code args}; the stage completes on the loop. */
    CompletionStage<Object[]> fill(Injection injection, Object[] args) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (Injection.Slot slot : injection.slots()) {
            chain = chain.thenCompose(v -> value(slot).thenAccept(value -> {
                // A group dependency (index -1) runs for its effect only.
                if (slot.index() >= 0) {
                    args[slot.index()] = value;
                }
            }));
        }
        return chain.thenApply(v -> args);
    }

    private CompletableFuture<Object> value(Injection.Slot slot) {
        if (slot.provider() == null) {
            return CompletableFuture.completedFuture(slot.state() ? state : this);
        }
        Injection.Bound bound = slot.provider();
        CompletableFuture<Object> cached = cache.get(bound.provider());
        if (cached == null) {
            cached = provide(bound);
            cache.put(bound.provider(), cached);
        }
        return cached;
    }

    private CompletableFuture<Object> provide(Injection.Bound bound) {
        Object[] args;
        try {
            args = bound.binder().bind(exchange);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return fill(bound.injection(), args).thenCompose(a -> call(bound.provider(), a)).thenApply(this::keep)
                .toCompletableFuture();
    }

    private CompletionStage<Object> call(Providers.Provider provider, Object[] args) {
        Context previous = RequestContext.enter(exchange);
        try {
            if (!provider.async()) {
                return pool.submitForRequest(() -> invoke(provider, args), pool, Resolution::release);
            }
            CompletionStage<?> stage = (CompletionStage<?>) invoke(provider, args);
            if (stage == null) {
                return CompletableFuture.failedFuture(new IllegalStateException(provider.name()
                        + " returned null instead of a CompletionStage."));
            }
            return exchange.<Object>onLoop(stage);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            RequestContext.leave(previous);
        }
    }

    private Object invoke(Providers.Provider provider, Object[] args) throws Exception {
        try {
            return provider.invoker().invoke(exchange, args);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Closes a provider's result that arrived after its request was cancelled; on a cleanup thread. */
    private static void release(Object value) {
        try {
            if (value instanceof Resource<?> resource) {
                resource.closer().close();
            } else if (value instanceof AutoCloseable closeable) {
                closeable.close();
            }
        } catch (Exception e) {
            LOG.warn("Closing a dependency made after its request was cancelled failed.", e);
        }
    }

    /** Records what must be closed; a resource made after the exchange is over is closed at once. */
    private Object keep(Object value) {
        Resource.Closer closer = null;
        Object result = value;
        if (value instanceof Resource<?> resource) {
            closer = resource.closer();
            result = resource.value();
        } else if (value instanceof AutoCloseable closeable) {
            closer = closeable::close;
        }
        if (closer != null) {
            cleanups.push(closer);
            if (over) {
                closeAll();
            }
        }
        return result;
    }

    /** The response is written (or the client is gone): close the resources, then start the background tasks. */
    private void over() {
        over = true;
        closeAll();
        if (!tasks.isEmpty()) {
            runTasks(new ArrayList<>(tasks), 0);
            tasks.clear();
        }
    }

    private void closeAll() {
        if (cleanups.isEmpty()) {
            return;
        }
        List<Resource.Closer> closers = new ArrayList<>(cleanups);
        cleanups.clear();
        String route = exchange.routeName();
        Cleanup.run("Closing the dependencies of " + route, () -> {
            for (Resource.Closer closer : closers) {
                try {
                    closer.close();
                } catch (Exception e) {
                    LOG.warn("Closing a dependency of {} failed.", route, e);
                }
            }
        });
    }

    // ---- BackgroundTasks ----

    @Override
    public BackgroundTasks add(Task task) {
        Objects.requireNonNull(task, "A background task must not be null.");
        // Promised with the response: waits for a token, however many others wait.
        return addTask(() -> pool.submitPromised(() -> {
            task.run();
            return null;
        }, pool));
    }

    @Override
    public BackgroundTasks addAsync(Supplier<? extends CompletionStage<?>> task) {
        return addTask(Objects.requireNonNull(task, "A background task must not be null."));
    }

    /** Queues a task for after the response; one added once the response is out starts at once. */
    private BackgroundTasks addTask(Supplier<? extends CompletionStage<?>> task) {
        if (over) {
            runTasks(List.of(task), 0);
        } else {
            tasks.add(task);
        }
        return this;
    }

    private void runTasks(List<Supplier<? extends CompletionStage<?>>> all, int i) {
        if (i == all.size()) {
            return;
        }
        CompletionStage<?> done;
        // Background work belongs to no request: a client that is gone must not cancel it.
        Context previous = Context.set(Context.EMPTY);
        try {
            done = all.get(i).get();
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        } finally {
            Context.set(previous);
        }
        exchange.<Object>onLoop(done == null ? CompletableFuture.completedFuture(null) : done).whenComplete((v, e) -> {
            if (e != null) {
                LOG.error("A background task of {} failed.", exchange.routeName(), e);
            }
            runTasks(all, i + 1);
        });
    }
}
