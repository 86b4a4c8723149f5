package dev.starling.internal.app;

import dev.starling.Starling;
import dev.starling.internal.concurrent.WorkerPool;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The app's start-up and shutdown hooks, FastAPI's lifespan: each is wrapped once, when added, into one
 * shape that starts it and returns its stage (an asynchronous hook on an event loop, a blocking one offloaded
 * from the thread that starts or stops the app), and they run in the order added.
 */
final class Lifespan {

    /** A hook, started: given an event loop, it returns the stage of its work. */
    interface Started extends Function<EventExecutor, CompletionStage<?>> {
    }

    private final List<Started> startup = new ArrayList<>();
    private final List<Started> shutdown = new ArrayList<>();
    private final WorkerPool pool;
    /** Throws with the given sentence once the app has started. */
    private final Consumer<String> requireNew;

    Lifespan(WorkerPool pool, Consumer<String> requireNew) {
        this.pool = pool;
        this.requireNew = requireNew;
    }

    /** Adds a blocking start-up hook. */
    void onStartup(Starling.Hook hook) {
        startup.add(checked(offloaded(Objects.requireNonNull(hook, "The start-up hook must not be null."))));
    }

    /** Adds a start-up hook that runs on a loop. */
    void onStartup(Supplier<? extends CompletionStage<?>> hook) {
        startup.add(checked(onLoop(Objects.requireNonNull(hook, "The start-up hook must not be null."))));
    }

    /** Adds a blocking shutdown hook. */
    void onShutdown(Starling.Hook hook) {
        shutdown.add(checked(offloaded(Objects.requireNonNull(hook, "The shutdown hook must not be null."))));
    }

    /** Adds a shutdown hook that runs on a loop. */
    void onShutdown(Supplier<? extends CompletionStage<?>> hook) {
        shutdown.add(checked(onLoop(Objects.requireNonNull(hook, "The shutdown hook must not be null."))));
    }

    private <H> H checked(H hook) {
        requireNew.accept("Lifespan hooks cannot be added once the app has started.");
        return hook;
    }

    private Started offloaded(Starling.Hook hook) {
        return loop -> pool.submitInternal(() -> {
            hook.run();
            return null;
        }, pool);
    }

    private static Started onLoop(Supplier<? extends CompletionStage<?>> hook) {
        return loop -> {
            CompletableFuture<Object> done = new CompletableFuture<>();
            loop.execute(() -> {
                try {
                    hook.get().whenComplete((v, e) -> {
                        if (e != null) {
                            done.completeExceptionally(e);
                        } else {
                            done.complete(v);
                        }
                    });
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
            return done;
        };
    }

    /** Runs the start-up hooks in turn; the first that fails stops the rest and is thrown. */
    void starting(EventExecutor loop) throws Exception {
        for (Started hook : startup) {
            run(hook, loop);
        }
    }

    /** Returns the shutdown hooks, in order, for the caller to run with {@link #run} and log each failure. */
    List<Started> shutdownHooks() {
        return shutdown;
    }

    /** Starts one hook ({@code loop} is where an asynchronous one runs) and waits for its stage. */
    static void run(Started hook, EventExecutor loop) throws Exception {
        try {
            hook.apply(loop).toCompletableFuture().get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null
                    ? c.getCause() : e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        }
    }
}
