package dev.starling.internal.app;

import dev.starling.AppState;
import dev.starling.AsyncExceptionHandler;
import dev.starling.AsyncHandler;
import dev.starling.AsyncMiddleware;
import dev.starling.AsyncWebSocketHandler;
import dev.starling.Config;
import dev.starling.ExceptionHandler;
import dev.starling.Handler;
import dev.starling.Middleware;
import dev.starling.Observer;
import dev.starling.Request;
import dev.starling.Router;
import dev.starling.Starling;
import dev.starling.StaticFiles;
import dev.starling.Tls;
import dev.starling.WebSocketHandler;
import dev.starling.concurrent.CapacityLimiter;
import dev.starling.internal.concurrent.Observers;
import dev.starling.internal.concurrent.Watchdog;
import dev.starling.internal.http.InFlight;
import dev.starling.internal.http.Shared;
import dev.starling.internal.http.SharedState;
import dev.starling.internal.pipeline.Pipeline;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * The app as its user builds it: each call of {@link Starling} handed to the part that owns it (the route
 * table, the pipeline, the lifespan, the executors, the server's lifecycle), which checks it.
 */
public final class App extends RouteShorthands {

    private final Config config;
    private final JsonMapper json = JsonMapper.builder().build();
    private final SharedState appState = new SharedState();
    private final Watchdog watchdog;
    private final ExecutorRegistry executors;
    private final RouteTable routes;
    private final Pipeline pipeline;
    private final Lifespan lifespan;
    private final ServerLifecycle lifecycle;
    private final Shared shared;

    /** Creates an app with {@code config} and what it registers; nothing runs until it starts. */
    public App(Config config, Registrations registrations) {
        this.config = Objects.requireNonNull(config, "The config must not be null.");
        this.watchdog = config.watchdog()
                ? new Watchdog(config.blockedLoopThreshold(), config.stuckTaskThreshold()) : null;
        Observer observer = Observers.of(registrations.observers());
        this.executors = new ExecutorRegistry(config, registrations, watchdog, observer);
        if (watchdog != null) {
            watchdog.observer(observer);
        }
        this.routes = new RouteTable(executors, json, this::requireNew);
        this.pipeline = new Pipeline(routes.router(), executors.defaultPool(), appState,
                config.requestTimeout().toNanos(), config.maxPartMemory(), this::requireNew);
        this.lifespan = new Lifespan(executors.defaultPool(), this::requireNew);
        this.shared = new Shared(pipeline, new InFlight(), json, Optional.ofNullable(observer), config);
        this.lifecycle = new ServerLifecycle(config, shared, watchdog, executors, lifespan,
                () -> BuiltInRoutes.add(routes, config, json));
    }

    /** Returns what the app's connections share; the fuzz tests build connections of their own with it. */
    public Shared shared() {
        return shared;
    }

    private void requireNew(String message) {
        lifecycle.requireNew(message);
    }

    /** Registers a listener told of every exception that ended a request with 500; it must not block. */
    public void onUnhandled(BiConsumer<Request, Throwable> listener) {
        pipeline.onUnhandled(listener);
    }

    @Override
    public Starling include(Object api) {
        Objects.requireNonNull(api, "The object to include must not be null.");
        return include(Router.create("").include(api));
    }

    @Override
    public Starling include(Router group) {
        routes.include(group);
        return this;
    }

    @Override
    public Starling providers(Object source) {
        routes.providers(source);
        return this;
    }

    @Override
    public Starling dependsOn(String provider) {
        routes.dependsOn(provider);
        return this;
    }

    @Override
    public Starling route(String method, String path, Handler handler) {
        routes.add(method, path, handler);
        return this;
    }

    @Override
    public Starling routeAsync(String method, String path, AsyncHandler handler) {
        routes.add(method, path, handler);
        return this;
    }

    @Override
    public Starling websocket(String path, WebSocketHandler handler) {
        routes.webSocket(path, handler);
        return this;
    }

    @Override
    public Starling websocketAsync(String path, AsyncWebSocketHandler handler) {
        routes.webSocket(path, handler);
        return this;
    }

    @Override
    public Starling mount(String prefix, StaticFiles files) {
        routes.mount(prefix, files);
        return this;
    }

    @Override
    public Starling middleware(Middleware m) {
        pipeline.add(m);
        return this;
    }

    @Override
    public Starling middlewareAsync(AsyncMiddleware m) {
        pipeline.add(m);
        return this;
    }

    @Override
    public <E extends Throwable> Starling exceptionHandler(Class<E> type, ExceptionHandler<? super E> handler) {
        pipeline.exceptionHandler(type, handler);
        return this;
    }

    @Override
    public <E extends Throwable> Starling exceptionHandlerAsync(Class<E> type,
                                                                AsyncExceptionHandler<? super E> handler) {
        pipeline.exceptionHandlerAsync(type, handler);
        return this;
    }

    @Override
    public Starling onStartup(Hook hook) {
        lifespan.onStartup(hook);
        return this;
    }

    @Override
    public Starling onStartupAsync(Supplier<? extends CompletionStage<?>> hook) {
        lifespan.onStartup(hook);
        return this;
    }

    @Override
    public Starling onShutdown(Hook hook) {
        lifespan.onShutdown(hook);
        return this;
    }

    @Override
    public Starling onShutdownAsync(Supplier<? extends CompletionStage<?>> hook) {
        lifespan.onShutdown(hook);
        return this;
    }

    @Override
    public AppState state() {
        return appState;
    }

    @Override
    public Starling start() {
        return start(config.port());
    }

    @Override
    public Starling start(int port) {
        lifecycle.start(port);
        return this;
    }

    @Override
    public void run() {
        run(config.port());
    }

    @Override
    public void run(int port) {
        lifecycle.run(port);
    }

    @Override
    public int port() {
        return lifecycle.port();
    }

    @Override
    public void stop() {
        stop(config.shutdownGrace());
    }

    @Override
    public void stop(Duration grace) {
        lifecycle.stop(grace);
    }

    @Override
    public Starling overrideDependency(String provider, Supplier<?> replacement) {
        Objects.requireNonNull(provider, "The provider name must not be null.");
        Objects.requireNonNull(replacement, "The replacement must not be null.");
        Set<String> known = routes.providerNames();
        if (!known.contains(provider)) {
            throw new IllegalArgumentException("No route depends on a provider named '" + provider + "', so "
                    + "overriding it would change nothing; the routes use " + (known.isEmpty() ? "no provider"
                    : known) + ".");
        }
        pipeline.overrideDependency(provider, replacement);
        return this;
    }

    @Override
    public Starling clearDependencyOverrides() {
        pipeline.clearDependencyOverrides();
        return this;
    }

    @Override
    public Starling reloadTls(Tls identity) {
        lifecycle.reloadTls(identity);
        return this;
    }

    @Override
    public void close() {
        stop();
    }


    @Override
    public Map<String, CapacityLimiter> limiters() {
        return executors.limiters();
    }

    @Override
    public Optional<CapacityLimiter> limiter(String executor) {
        return executors.limiter(executor);
    }

    @Override
    public long blockedLoopCount() {
        return watchdog == null ? 0 : watchdog.blockedCount();
    }

    @Override
    public long stuckTaskCount() {
        return watchdog == null ? 0 : watchdog.stuckCount();
    }
}
