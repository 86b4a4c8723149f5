package dev.starling.internal.pipeline;

import dev.starling.AppState;
import dev.starling.BackgroundTasks;
import dev.starling.Provides;
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
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dependencies of one request: resolved once each (cached, unless a parameter asks for its own), plain
 * providers on the threadpool and asynchronous ones on the loop, every continuation back on the request's loop.
 * Resources are closed after the response (or, scoped to the handler, when it returns), in reverse order, on a
 * cleanup thread (never waiting for a token), told whether the request failed; then the background tasks run
 * in order.
 */
final class Resolution implements BackgroundTasks {

    private static final Logger LOG = LoggerFactory.getLogger("dev.starling.errors");

    private final Exchange exchange;
    private final AppState state;
    private final WorkerPool pool;
    /** By provider (and the scopes required of it, when its value depends on them). */
    private final Map<Object, CompletableFuture<Object>> cache = new HashMap<>();
    /** What closes after the response, newest first. */
    private final ArrayDeque<Resource.Finisher> cleanups = new ArrayDeque<>();
    /** What closes when the handler returns, before the response ({@code Provides.Scope.HANDLER}), newest first. */
    private final ArrayDeque<Resource.Finisher> handlerCleanups = new ArrayDeque<>();
    private final List<Supplier<? extends CompletionStage<?>>> tasks = new ArrayList<>(1);
    private volatile boolean over;

    private final Overrides overrides;

    Resolution(Exchange exchange, WorkerPool pool, AppState state, Overrides overrides) {
        this.overrides = overrides;
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
            Object value = slot.scopes() != null ? slot.scopes() : slot.state() ? state : this;
            return CompletableFuture.completedFuture(value);
        }
        Injection.Bound bound = slot.provider();
        if (!slot.cached()) {
            return provide(bound);   // @Depends(useCache = false): a value of its own
        }
        CompletableFuture<Object> cached = cache.get(bound.cacheKey());
        if (cached == null) {
            cached = provide(bound);
            cache.put(bound.cacheKey(), cached);
        }
        return cached;
    }

    private CompletableFuture<Object> provide(Injection.Bound bound) {
        Providers.Provider provider = bound.provider();
        Supplier<?> replacement = overrides.of(provider);
        if (replacement != null) {
            // A test's stand-in: offloaded like a plain provider, its value closed like the provider's.
            return pool.submitForRequest(replacement::get, pool, Resolution::release)
                    .thenApply(v -> keep(provider, provider.adapt(v)))
                    .toCompletableFuture();
        }
        Object[] args;
        try {
            args = bound.binder().bind(exchange);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return fill(bound.injection(), args).thenCompose(a -> call(provider, a)).thenApply(v -> keep(provider, v))
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
                resource.finisher().finish(Optional.of(new CancellationException("The request was cancelled.")));
            } else if (value instanceof AutoCloseable closeable) {
                closeable.close();
            }
        } catch (Exception e) {
            LOG.warn("Closing a dependency made after its request was cancelled failed.", e);
        }
    }

    /** Records what must be closed; a resource made after the exchange is over is closed at once. */
    private Object keep(Providers.Provider provider, Object value) {
        Resource.Finisher closer = null;
        Object result = value;
        if (value instanceof Resource<?> resource) {
            closer = resource.finisher();
            result = resource.value();
        } else if (value instanceof AutoCloseable closeable) {
            closer = failure -> closeable.close();
        }
        if (closer != null) {
            if (provider.scope() == Provides.Scope.HANDLER && !over) {
                handlerCleanups.push(closer);
            } else {
                cleanups.push(closer);
            }
            if (over) {
                closeAll();
            }
        }
        return result;
    }

    /** Returns true when something must be closed once the handler returns, before the response is written. */
    boolean closesWhenHandlerReturns() {
        return !handlerCleanups.isEmpty();
    }

    /**
     * The handler has returned ({@code failure} null) or failed: closes what {@code Provides.Scope.HANDLER}
     * provided, off the loop; the stage completes on the loop, failed with the first closer's exception, so that
     * a commit that fails is answered as a failure.
     */
    CompletionStage<Void> handlerReturned(Throwable failure) {
        List<Resource.Finisher> closers = new ArrayList<>(handlerCleanups);
        handlerCleanups.clear();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Optional<Throwable> outcome = Optional.ofNullable(failure);
        String route = exchange.routeName();
        Cleanup.run("Closing the handler-scoped dependencies of " + route, () -> {
            Throwable first = null;
            for (Resource.Finisher closer : closers) {
                try {
                    closer.finish(outcome);
                } catch (Throwable e) {   // an Error too: the closers after it still run
                    if (first == null) {
                        first = e;
                    } else {
                        LOG.warn("Closing a dependency of {} failed.", route, e);
                    }
                }
            }
            if (first != null) {
                closed.completeExceptionally(first);
            } else {
                closed.complete(null);
            }
        });
        return exchange.onLoop(closed);
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
        if (cleanups.isEmpty() && handlerCleanups.isEmpty()) {
            return;
        }
        // Handler-scoped values still open here were never reached by their handler (it failed first, or the
        // client went away): they close now, first, as the newest.
        List<Resource.Finisher> closers = new ArrayList<>(handlerCleanups);
        closers.addAll(cleanups);
        handlerCleanups.clear();
        cleanups.clear();
        Optional<Throwable> outcome = exchange.failure();
        String route = exchange.routeName();
        Cleanup.run("Closing the dependencies of " + route, () -> {
            for (Resource.Finisher closer : closers) {
                try {
                    closer.finish(outcome);
                } catch (Throwable e) {   // an Error too: the closers after it still run
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
