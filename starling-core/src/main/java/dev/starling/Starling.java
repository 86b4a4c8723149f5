package dev.starling;

import dev.starling.concurrent.CapacityLimiter;
import dev.starling.internal.App;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A Starling app: routes, the event loops that serve them and the threadpool that blocking handlers run on.
 *
 * <p>Where each handler runs is decided once, when the route is added: a method returning a
 * {@code CompletionStage} or {@code Flow.Publisher} (and every {@link AsyncHandler}) runs on the event loop;
 * every other handler is offloaded to the default threadpool. A route that cannot work fails here, with a
 * message that names the class, method and parameter.
 *
 * <pre>{@code
 * Starling app = Starling.create();
 * app.include(new ItemsApi());
 * app.get("/hello", request -> "Hello, World!");
 * app.run();
 * }</pre>
 */
public interface Starling extends AutoCloseable {

    /** Returns an app with the default {@link Config}. */
    static Starling create() {
        return new App(Config.create());
    }

    /** Returns an app whose settings {@code configure} adjusts from the defaults. */
    static Starling create(Consumer<Config.Builder> configure) {
        Config.Builder builder = Config.builder();
        configure.accept(builder);
        return new App(builder.build());
    }

    /** Returns an app with {@code config}. */
    static Starling create(Config config) {
        return new App(config);
    }

    /** Adds every method of {@code api} annotated with {@link Get}, {@link Post}, {@link Put}, {@link Delete} or {@link Patch}. */
    Starling include(Object api);

    /** Adds a blocking {@code GET} handler, offloaded to the default threadpool. */
    Starling get(String path, Handler handler);

    /** Adds a {@code GET} handler that runs on the event loop. */
    Starling getAsync(String path, AsyncHandler handler);

    /** Adds a blocking {@code POST} handler, offloaded to the default threadpool. */
    Starling post(String path, Handler handler);

    /** Adds a {@code POST} handler that runs on the event loop. */
    Starling postAsync(String path, AsyncHandler handler);

    /** Adds a blocking {@code PUT} handler, offloaded to the default threadpool. */
    Starling put(String path, Handler handler);

    /** Adds a {@code PUT} handler that runs on the event loop. */
    Starling putAsync(String path, AsyncHandler handler);

    /** Adds a blocking {@code DELETE} handler, offloaded to the default threadpool. */
    Starling delete(String path, Handler handler);

    /** Adds a {@code DELETE} handler that runs on the event loop. */
    Starling deleteAsync(String path, AsyncHandler handler);

    /** Adds a blocking {@code PATCH} handler, offloaded to the default threadpool. */
    Starling patch(String path, Handler handler);

    /** Adds a {@code PATCH} handler that runs on the event loop. */
    Starling patchAsync(String path, AsyncHandler handler);

    /** Adds a blocking handler for any method, offloaded to the default threadpool. */
    Starling route(String method, String path, Handler handler);

    /** Adds a handler for any method that runs on the event loop. */
    Starling routeAsync(String method, String path, AsyncHandler handler);

    /** Starts serving on the configured host and port and returns at once; see {@link #port()}. */
    Starling start();

    /** Starts serving on {@code port} of the configured host (0 picks a free port) and returns at once. */
    Starling start(int port);

    /** Starts serving on the configured host and port and blocks until the app is stopped or the JVM exits. */
    void run();

    /** Starts serving on {@code port} and blocks until the app is stopped or the JVM exits. */
    void run(int port);

    /** Returns the port the app listens on. */
    int port();

    /** Returns the capacity limiter of the default threadpool. */
    CapacityLimiter defaultLimiter();

    /** Returns how many times the watchdog saw user code block an event loop. */
    long blockedLoopCount();

    /** Returns how many times the watchdog saw an offloaded task run past the stuck-task threshold. */
    long stuckTaskCount();

    /**
     * Stops accepting connections, lets in-flight requests finish for up to {@code grace}, then cancels
     * what remains and shuts the pools and loops down; returns when that is done.
     */
    void stop(Duration grace);

    /** Stops with the configured grace period. */
    void stop();

    /** Same as {@link #stop()}. */
    @Override
    void close();
}
