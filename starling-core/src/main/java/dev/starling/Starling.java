package dev.starling;

import dev.starling.concurrent.CapacityLimiter;
import dev.starling.internal.app.App;
import dev.starling.internal.app.Registrations;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

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
        return create(Config.create());
    }

    /** Returns an app whose settings {@code configure} adjusts from the defaults. */
    static Starling create(Consumer<Config.Builder> configure) {
        Config.Builder builder = Config.builder();
        configure.accept(builder);
        return create(builder.build());
    }

    /** Returns an app with {@code config}. */
    static Starling create(Config config) {
        Objects.requireNonNull(config, "The config must not be null.");
        if (!config.origins().isEmpty()) {
            StringBuilder line = new StringBuilder();
            config.origins().forEach((name, origin) -> line.append(line.isEmpty() ? "" : ", ").append(name)
                    .append(" = ").append(origin));
            org.slf4j.LoggerFactory.getLogger(Starling.class).info("Settings from outside the code: {}.", line);
        }
        // What only the app reads of the config is handed over here, where it is visible, not made public.
        return new App(config, new Registrations(config.pools(), config.executors(), config.executorLimiters(),
                config.observers()));
    }

    /**
     * Adds every method of {@code api} annotated with {@link Get}, {@link Post}, {@link Put}, {@link Delete},
     * {@link Patch} or {@link WebSocket}.
     */
    Starling include(Object api);

    /**
     * Adds middleware whose phases run on the threadpool: before routing in the order added, after the
     * response is made in reverse order.
     */
    Starling middleware(Middleware middleware);

    /** Adds middleware whose phases run on the event loop; see {@link #middleware}. */
    Starling middlewareAsync(AsyncMiddleware middleware);

    /** A start-up or shutdown hook that may block. */
    @FunctionalInterface
    interface Hook {
        /** Does the work. */
        void run() throws Exception;
    }

    /**
     * Runs {@code hook} on the threadpool when the app starts, before it listens, in the order hooks were added;
     * a failing hook fails {@link #start()} (FastAPI's lifespan start-up).
     */
    Starling onStartup(Hook hook);

    /** Same as {@link #onStartup}, with a hook that runs on an event loop; the app waits for its stage. */
    Starling onStartupAsync(Supplier<? extends CompletionStage<?>> hook);

    /** Runs {@code hook} on the threadpool when the app stops, after the last request; failures are logged. */
    Starling onShutdown(Hook hook);

    /** Same as {@link #onShutdown}, with a hook that runs on an event loop; the app waits for its stage. */
    Starling onShutdownAsync(Supplier<? extends CompletionStage<?>> hook);

    /** Returns the values shared by the whole app; handlers and providers get them as an {@link AppState} parameter. */
    AppState state();

    /** Adds the routes of {@code router} (and of the routers it includes), under their prefixes. */
    Starling include(Router router);

    /**
     * Runs the {@link Provides} method (or the {@link dev.starling.security.SecurityScheme}) named {@code provider}
     * before every route included after this call, for its effect (FastAPI's app-level dependencies); its value is
     * discarded.
     */
    Starling dependsOn(String provider);

    /**
     * Registers the {@link Provides} methods of {@code source} for the routes included after this call (an
     * API object's own providers are always found); a {@link dev.starling.security.SecurityScheme} registers the
     * scheme itself as a provider of its credentials.
     */
    Starling providers(Object source);

    /**
     * Resolves {@code replacement} instead of the {@link Provides} method named {@code provider}, from the next
     * request on, FastAPI's {@code app.dependency_overrides}: for tests that swap a database or a user. The
     * replacement runs on the threadpool like a plain provider, and a value it returns that is
     * {@link AutoCloseable} or a {@link Resource} is closed like the provider's.
     *
     * <pre>{@code
     * app.overrideDependency("currentUser", () -> new User("test"));
     * try { ... requests through a TestClient ... } finally { app.clearDependencyOverrides(); }
     * }</pre>
     *
     * @throws IllegalArgumentException when no route depends on a provider of that name
     */
    Starling overrideDependency(String provider, Supplier<?> replacement);

    /** Undoes every {@link #overrideDependency} override, from the next request on. */
    Starling clearDependencyOverrides();

    /**
     * Answers exceptions of {@code type} (and its subclasses, unless a more specific handler exists) with
     * {@code handler}, which runs on the threadpool. {@link HttpException} and
     * {@link RequestValidationException} can be handled too; an exception thrown by the handler itself gets
     * the default answer.
     */
    <E extends Throwable> Starling exceptionHandler(Class<E> type, ExceptionHandler<? super E> handler);

    /** Same as {@link #exceptionHandler}, with a handler that runs on the event loop. */
    <E extends Throwable> Starling exceptionHandlerAsync(Class<E> type, AsyncExceptionHandler<? super E> handler);

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

    /**
     * Adds a WebSocket endpoint whose blocking handler runs on a virtual thread of its own, never on the event
     * loop; the upgrade passes middleware and the app's dependencies first, and the socket closes when the
     * handler returns.
     */
    Starling websocket(String path, WebSocketHandler handler);

    /** Adds a WebSocket endpoint whose handler runs on the event loop; see {@link AsyncWebSocketHandler}. */
    Starling websocketAsync(String path, AsyncWebSocketHandler handler);

    /**
     * Serves the files of {@code files}' directory under {@code prefix}, as FastAPI's
     * {@code app.mount("/static", StaticFiles(directory="static"))}: {@code GET /static/css/app.css} sends
     * {@code css/app.css}. Routes come first; the mount answers the paths under {@code prefix} that no route
     * matches. A prefix of {@code "/"} mounts the files on every path.
     *
     * @throws IllegalArgumentException when the directory does not exist or the prefix is already mounted
     */
    Starling mount(String prefix, StaticFiles files);

    /**
     * Serves the HTTPS connections accepted from now on with {@code identity}, a renewed certificate, without a
     * restart; open connections keep the identity they were opened with.
     *
     * <pre>{@code
     * app.reloadTls(Tls.fromPem(Path.of("tls/fullchain.pem"), Path.of("tls/privkey.pem")));
     * }</pre>
     *
     * @throws IllegalStateException when the app is not serving HTTPS, or {@code identity} cannot serve (the
     *     current identity then stays)
     */
    Starling reloadTls(Tls identity);

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


    /**
     * Returns the capacity limiter of the executor called {@code executor}: {@code "default"} (the default
     * threadpool), {@code "virtual"} or a name registered on the config; its counters are the executor's
     * statistics.
     */
    Optional<CapacityLimiter> limiter(String executor);

    /** Returns the limiter of every executor of the app by name, {@code "default"} and {@code "virtual"} first. */
    Map<String, CapacityLimiter> limiters();

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
