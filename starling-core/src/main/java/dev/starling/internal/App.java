package dev.starling.internal;

import dev.starling.AsyncHandler;
import dev.starling.Config;
import dev.starling.Handler;
import dev.starling.Starling;
import dev.starling.concurrent.CapacityLimiter;
import dev.starling.concurrent.Threadpool;
import dev.starling.internal.binding.Binder;
import dev.starling.internal.concurrent.Context;
import dev.starling.internal.concurrent.DefaultCapacityLimiter;
import dev.starling.internal.concurrent.LoopProbe;
import dev.starling.internal.concurrent.LoopThread;
import dev.starling.internal.concurrent.OffloadTask;
import dev.starling.internal.concurrent.Watchdog;
import dev.starling.internal.concurrent.WorkerPool;
import dev.starling.internal.netty.ConnectionLimit;
import dev.starling.internal.netty.Exchange;
import dev.starling.internal.netty.HttpInitializer;
import dev.starling.internal.netty.Server;
import dev.starling.internal.routing.PathTemplate;
import dev.starling.internal.routing.Router;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/** The app: routes, pools, the Netty server and its lifecycle. */
public final class App implements Starling, Server {

    private static final Logger LOG = LoggerFactory.getLogger(Starling.class);
    /** Bodies larger than this are bound on the worker of an offloaded handler instead of on the loop. */
    static final int BIND_ON_LOOP_MAX = 64 * 1024;

    private enum State { NEW, STARTED, STOPPING, STOPPED }

    private final Config config;
    private final JsonMapper json = JsonMapper.builder().build();
    private final Router<Route> router = new Router<>();
    /** The routes added so far, in order, for the OpenAPI document (static mounts are not in it). */
    private final List<Route> routes = new ArrayList<>();
    private Providers providers;
    private List<String> appDependencies = List.of();
    private final List<Object> middleware = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final SharedState appState = new SharedState();
    private final List<Object> startupHooks = new ArrayList<>();
    private final List<Object> shutdownHooks = new ArrayList<>();
    private final Map<Class<?>, UserHandler> exceptionHandlers = new java.util.concurrent.ConcurrentHashMap<>();
    /** The app-wide time limit of a request in nanoseconds; 0 for none. */
    private final long requestTimeoutNanos;
    /** Everyone who observes the app, as one; null when nobody does. */
    private final dev.starling.Observer observer;
    /** The same, made once: every request asks for it twice. */
    private final java.util.Optional<dev.starling.Observer> observed;
    private final WorkerPool defaultPool;
    private final WorkerPool virtualPool;
    private final Map<String, WorkerPool> named = new LinkedHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final java.util.List<java.util.function.BiConsumer<dev.starling.Request, Throwable>> unhandledListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final Condition idle = lifecycle.newCondition();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile State state = State.NEW;
    private volatile boolean draining;
    private final Watchdog watchdog;
    private EventLoopGroup group;
    private Channel serverChannel;
    private ChannelGroup channels;
    private int boundPort = -1;

    public App(Config config) {
        this.config = Objects.requireNonNull(config, "The config must not be null.");
        this.providers = Providers.empty(json);
        this.watchdog = config.watchdog()
                ? new Watchdog(config.blockedLoopThreshold(), config.stuckTaskThreshold()) : null;
        this.defaultPool = WorkerPool.create("default", config.threadpool(), watchdog);
        this.virtualPool = WorkerPool.create("virtual", config.virtualThreads(), watchdog);
        config.pools().forEach((name, spec) -> named.put(name, WorkerPool.create(name,
                spec.namePrefix().equals(Threadpool.platform(1).namePrefix())
                        || spec.namePrefix().equals(Threadpool.virtual(1).namePrefix())
                        ? spec.namePrefix("starling-" + name + "-") : spec, watchdog)));
        config.executors().forEach((name, executor) -> named.put(name, WorkerPool.wrap(name, executor,
                (dev.starling.internal.concurrent.DefaultCapacityLimiter) config.executorLimiters().get(name))));
        Map<String, WorkerPool> registry = new LinkedHashMap<>();
        registry.put("default", defaultPool);
        registry.put("virtual", virtualPool);
        registry.putAll(named);
        Map<String, WorkerPool> all = java.util.Collections.unmodifiableMap(registry);
        all.values().forEach(p -> p.registry(all));
        this.observer = dev.starling.internal.concurrent.Observers.of(config.observers());
        this.observed = java.util.Optional.ofNullable(observer);
        this.requestTimeoutNanos = config.requestTimeout().toNanos();
        all.values().forEach(p -> p.observer(observer));
        if (watchdog != null) {
            watchdog.observer(observer);
        }
    }

    // ---- routes ----

    @Override
    public Starling include(Object api) {
        Objects.requireNonNull(api, "The object to include must not be null.");
        return include(dev.starling.Router.create("").include(api));
    }

    @Override
    public Starling include(dev.starling.Router group) {
        Objects.requireNonNull(group, "The router to include must not be null.");
        List<Route> routes = new ArrayList<>();
        collect(group, "", List.of(), appDependencies, routes);
        register(routes);
        return this;
    }

    @Override
    public Starling onStartup(Hook hook) {
        return hook(startupHooks, Objects.requireNonNull(hook, "The start-up hook must not be null."));
    }

    @Override
    public Starling onStartupAsync(java.util.function.Supplier<? extends java.util.concurrent.CompletionStage<?>> hook) {
        return hook(startupHooks, Objects.requireNonNull(hook, "The start-up hook must not be null."));
    }

    @Override
    public Starling onShutdown(Hook hook) {
        return hook(shutdownHooks, Objects.requireNonNull(hook, "The shutdown hook must not be null."));
    }

    @Override
    public Starling onShutdownAsync(java.util.function.Supplier<? extends java.util.concurrent.CompletionStage<?>> hook) {
        return hook(shutdownHooks, Objects.requireNonNull(hook, "The shutdown hook must not be null."));
    }

    private Starling hook(List<Object> hooks, Object hook) {
        if (state != State.NEW) {
            throw new IllegalStateException("Lifespan hooks cannot be added once the app has started.");
        }
        hooks.add(hook);
        return this;
    }

    @Override
    public dev.starling.AppState state() {
        return appState;
    }

    /** Runs one lifespan hook where its type says and waits for it. */
    @SuppressWarnings("unchecked")
    private void runHook(Object hook) throws Exception {
        java.util.concurrent.CompletableFuture<Object> done = new java.util.concurrent.CompletableFuture<>();
        if (hook instanceof Hook blocking) {
            defaultPool.submitInternal(() -> {
                blocking.run();
                return null;
            }, defaultPool).whenComplete((v, e) -> complete(done, v, e));
        } else {
            group.next().execute(() -> {
                try {
                    ((java.util.function.Supplier<? extends java.util.concurrent.CompletionStage<?>>) hook).get()
                            .whenComplete((v, e) -> complete(done, v, e));
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
        }
        try {
            done.get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                    ? c.getCause() : e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        }
    }

    private static void complete(java.util.concurrent.CompletableFuture<Object> done, Object value, Throwable error) {
        if (error != null) {
            done.completeExceptionally(error);
        } else {
            done.complete(value);
        }
    }

    @Override
    public Starling dependsOn(String provider) {
        Objects.requireNonNull(provider, "The provider name must not be null.");
        if (state != State.NEW) {
            throw new IllegalStateException("Dependencies cannot be added once the app has started.");
        }
        appDependencies = concat(appDependencies, List.of(provider));
        return this;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    /** Turns a router's entries into routes, with its prefix, tags and group dependencies. */
    private void collect(dev.starling.Router group, String outer, List<String> tags, List<String> dependencies,
                         List<Route> out) {
        String prefix = outer + group.prefix();
        List<String> allTags = concat(tags, group.tags());
        List<String> allDependencies = concat(dependencies, group.dependencies());
        for (dev.starling.Router.Entry entry : group.entries()) {
            switch (entry) {
                case dev.starling.Router.Api a -> {
                    Providers known = providers.with(a.api());
                    for (MethodRoutes.Declared d : MethodRoutes.read(a.api(), known, json, prefix)) {
                        out.add(new Route(d.httpMethod(), d.template(), d.name(), pool(d), d.binder(),
                                d.injection().after(allDependencies, d.template(), known, d.name()), d.invoker(),
                                allTags, d.timeoutNanos()));
                    }
                }
                case dev.starling.Router.Lambda l -> out.add(lambdaRoute(l.method(), prefix + l.path(),
                        l.handler() != null ? defaultPool : null, l.handler() != null
                                ? (request, args) -> l.handler().handle(request)
                                : (request, args) -> l.async().handle(request), allDependencies, allTags));
                case dev.starling.Router.Child c -> collect(c.router(), prefix, allTags, allDependencies, out);
            }
        }
    }

    private WorkerPool pool(MethodRoutes.Declared d) {
        return switch (d.where()) {
            case LOOP -> null;
            case DEFAULT -> defaultPool;
            case VIRTUAL -> virtualPool;
            case NAMED -> {
                WorkerPool p = named.get(d.executor());
                if (p == null) {
                    throw new IllegalArgumentException(d.name() + " runs on the executor '" + d.executor()
                            + "', but no executor has that name; register it with Config.Builder.executor(\""
                            + d.executor() + "\", ...)" + (named.isEmpty() ? "." : " (known: " + named.keySet()
                            + ")."));
                }
                if (p.isRemote()) {
                    throw new IllegalArgumentException(d.name() + " runs on the executor '" + d.executor()
                            + "', which runs tasks in another JVM; a handler runs in this one. Offload the heavy"
                            + " part from the handler with Concurrency.runInExecutor(\"" + d.executor()
                            + "\", task) instead.");
                }
                yield p;
            }
        };
    }

    /** Adds routes all or nothing: they are tried on a copy of the table first. */
    private void register(List<Route> routes) {
        Router<Route> trial = router.copy();
        for (Route r : routes) {
            try {
                trial.add(r.method(), r.template(), r);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("The route " + r.name() + " cannot be added: " + e.getMessage()
                        + ".");
            }
        }
        for (Route r : routes) {
            add(r);
        }
    }

    @Override
    public Starling providers(Object source) {
        Objects.requireNonNull(source, "The object with @Provides methods must not be null.");
        if (state != State.NEW) {
            throw new IllegalStateException("Providers cannot be added once the app has started.");
        }
        Providers more = providers.with(source);
        providers = more;
        return this;
    }

    private Starling lambda(String method, String path, Handler handler) {
        Objects.requireNonNull(handler, "The handler must not be null.");
        return add(method, path, defaultPool, (request, args) -> handler.handle(request));
    }

    private Starling lambdaAsync(String method, String path, AsyncHandler handler) {
        Objects.requireNonNull(handler, "The handler must not be null.");
        return add(method, path, null, (request, args) -> handler.handle(request));
    }

    private Starling add(String method, String path, WorkerPool pool, Route.Invoker invoker) {
        return add(lambdaRoute(method, path, pool, invoker, appDependencies, List.of()));
    }

    private Route lambdaRoute(String method, String path, WorkerPool pool, Route.Invoker invoker,
                              List<String> dependencies, List<String> tags) {
        String verb = Objects.requireNonNull(method, "The HTTP method must not be null.").toUpperCase(Locale.ROOT);
        PathTemplate template;
        try {
            template = PathTemplate.parse(path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The route " + verb + " " + path + " cannot be added: " + e.getMessage()
                    + ".");
        }
        String name = verb + " " + template.text();
        return new Route(verb, template, name, pool, Binder.none(),
                Injection.NONE.after(dependencies, template, providers, name), invoker, tags);
    }

    private Starling add(Route route) {
        if (state != State.NEW) {
            throw new IllegalStateException("The route " + route.name() + " cannot be added: routes are fixed once "
                    + "the app has started.");
        }
        try {
            router.add(route.method(), route.template(), route);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The route " + route.name() + " cannot be added: " + e.getMessage()
                    + ".");
        }
        routes.add(route);
        return this;
    }

    /**
     * Builds the OpenAPI document from the routes, now fixed, and serves it from the loop at
     * {@code GET /openapi.json}; a user route that answers that path wins, and the document is not served.
     */
    private void addOpenApi() {
        if (!config.openapi()
                || router.lookup("GET", dev.starling.internal.openapi.Documents.PATH).found()) {
            return;
        }
        List<dev.starling.internal.openapi.Documents.Entry> entries = new ArrayList<>();
        for (Route r : routes) {
            entries.add(new dev.starling.internal.openapi.Documents.Entry(r.method(), r.template().text(),
                    r.template().names(), r.binder().method(), r.tags()));
        }
        byte[] document = dev.starling.internal.openapi.Documents.encode(config, entries, json);
        PathTemplate template = PathTemplate.parse(dev.starling.internal.openapi.Documents.PATH);
        Route.Invoker invoker = (request, args) -> dev.starling.Response.ok(document)
                .header("content-type", "application/json");
        router.add("GET", template, new Route("GET", template, "GET /openapi.json (OpenAPI document)", null,
                Binder.none(), Injection.NONE, invoker, List.of()));
        addDocs();
    }

    /** Serves Swagger UI at /docs when its webjar is on the class path and no route of the app has that path. */
    private void addDocs() {
        String docs = dev.starling.internal.openapi.SwaggerUi.PATH;
        if (router.lookup("GET", docs).found() || router.lookup("GET", docs + "/swagger-ui.css").found()) {
            return;
        }
        dev.starling.internal.openapi.SwaggerUi.load(config.openapiTitle()).ifPresent(ui -> {
            PathTemplate page = PathTemplate.parse(docs);
            router.add("GET", page, new Route("GET", page, "GET /docs (Swagger UI)", null, Binder.none(),
                    Injection.NONE, (request, args) -> dev.starling.Response.ok(ui.page())
                    .header("content-type", "text/html; charset=utf-8"), List.of()));
            PathTemplate file = PathTemplate.parse(docs + "/{file}");
            router.add("GET", file, new Route("GET", file, "GET /docs/{file} (Swagger UI)", null, Binder.none(),
                    Injection.NONE, (request, args) -> ui.asset(request.pathParam("file").orElse(""))
                    .map(a -> (Object) dev.starling.Response.ok(a.bytes()).header("content-type", a.contentType())
                            .header("cache-control", "public, max-age=86400"))
                    .orElseThrow(() -> new dev.starling.HttpException(404, "Not Found")), List.of()));
        });
    }

    @Override
    public Starling get(String path, Handler handler) {
        return lambda("GET", path, handler);
    }

    @Override
    public Starling getAsync(String path, AsyncHandler handler) {
        return lambdaAsync("GET", path, handler);
    }

    @Override
    public Starling post(String path, Handler handler) {
        return lambda("POST", path, handler);
    }

    @Override
    public Starling postAsync(String path, AsyncHandler handler) {
        return lambdaAsync("POST", path, handler);
    }

    @Override
    public Starling put(String path, Handler handler) {
        return lambda("PUT", path, handler);
    }

    @Override
    public Starling putAsync(String path, AsyncHandler handler) {
        return lambdaAsync("PUT", path, handler);
    }

    @Override
    public Starling delete(String path, Handler handler) {
        return lambda("DELETE", path, handler);
    }

    @Override
    public Starling deleteAsync(String path, AsyncHandler handler) {
        return lambdaAsync("DELETE", path, handler);
    }

    @Override
    public Starling patch(String path, Handler handler) {
        return lambda("PATCH", path, handler);
    }

    @Override
    public Starling patchAsync(String path, AsyncHandler handler) {
        return lambdaAsync("PATCH", path, handler);
    }

    @Override
    public Starling route(String method, String path, Handler handler) {
        return lambda(method, path, handler);
    }

    @Override
    public Starling routeAsync(String method, String path, AsyncHandler handler) {
        return lambdaAsync(method, path, handler);
    }

    @Override
    public Starling mount(String prefix, dev.starling.StaticFiles files) {
        Objects.requireNonNull(prefix, "The mount prefix must not be null.");
        Objects.requireNonNull(files, "The static files must not be null.");
        if (!prefix.startsWith("/") || prefix.contains("{") || prefix.contains("}") || prefix.contains("?")
                || prefix.contains("#") || prefix.contains("%")) {
            throw new IllegalArgumentException("The mount prefix '" + prefix + "' must start with '/' and hold no "
                    + "'{', '}', '?', '#' or '%'.");
        }
        String at = prefix.replaceAll("/+$", "");
        if (state != State.NEW) {
            throw new IllegalStateException("The static files " + files + " cannot be mounted on " + prefix
                    + ": routes are fixed once the app has started.");
        }
        var mounted = dev.starling.internal.files.StaticLookup.Mounted.of(files);
        String name = "GET " + (at.isEmpty() ? "/" : at) + "/* (" + files + ")";
        // On the loop: it only records the path; the lookup and the file's stat run on the threadpool.
        Route.Invoker invoker = (request, args) -> {
            String raw = request instanceof Exchange exchange ? exchange.rawPath() : request.path();
            return new dev.starling.internal.files.StaticLookup(mounted, raw, raw.substring(at.length()));
        };
        PathTemplate template = PathTemplate.parse(at.isEmpty() ? "/" : at);
        Route route = new Route("GET", template, name, null, Binder.none(), Injection.NONE, invoker,
                java.util.List.of());
        try {
            router.mount(at, "GET", route);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The static files " + files + " cannot be mounted: " + e.getMessage()
                    + ".");
        }
        return this;
    }

    // ---- dispatch (on the connection's loop) ----

    @Override
    public void dispatch(Exchange exchange) {
        String undecodable = exchange.undecodableTarget();
        if (undecodable != null) {
            // Before any middleware: nothing downstream can read such a path or query without failing.
            exchange.fail(new dev.starling.HttpException(400, undecodable));
            return;
        }
        if (middleware.isEmpty()) {
            route(exchange);
        } else {
            before(exchange, 0);
        }
    }

    @Override
    public Starling middleware(dev.starling.Middleware m) {
        return addMiddleware(Objects.requireNonNull(m, "The middleware must not be null."));
    }

    @Override
    public Starling middlewareAsync(dev.starling.AsyncMiddleware m) {
        return addMiddleware(Objects.requireNonNull(m, "The middleware must not be null."));
    }

    private Starling addMiddleware(Object m) {
        if (state != State.NEW) {
            throw new IllegalStateException("Middleware cannot be added once the app has started.");
        }
        middleware.add(m);
        return this;
    }

    @Override
    public boolean hasMiddleware() {
        return !middleware.isEmpty();
    }

    /** Runs the before phase of middleware {@code i} and on; the first that answers ends the request there. */
    @SuppressWarnings("unchecked")
    private void before(Exchange exchange, int i) {
        if (i == middleware.size()) {
            route(exchange);
            return;
        }
        Object m = middleware.get(i);
        Context previous = Context.set(Context.forScope(exchange));
        java.util.concurrent.CompletionStage<java.util.Optional<Object>> stage;
        try {
            if (m instanceof dev.starling.AsyncMiddleware async) {
                stage = async.before(exchange);
            } else {
                dev.starling.Middleware sync = (dev.starling.Middleware) m;
                stage = defaultPool.submitInternal(() -> sync.before(exchange), defaultPool);
            }
        } catch (Throwable t) {
            stage = java.util.concurrent.CompletableFuture.failedFuture(t);
        } finally {
            Context.set(previous);
        }
        stage.whenComplete((answer, error) -> exchange.onLoop(() -> {
            try {
                if (error != null) {
                    exchange.fail(error);
                } else if (answer != null && answer.isPresent()) {
                    exchange.respond(answer.get());
                } else {
                    before(exchange, i + 1);
                }
            } catch (Throwable t) {
                // Thrown here it would be lost in the stage (or the loop's task) and the client left waiting.
                exchange.fail(t);
            }
        }));
    }

    @Override
    public java.util.concurrent.CompletionStage<Void> afterMiddleware(Exchange exchange,
                                                                     io.netty.handler.codec.http.HttpResponse head) {
        dev.starling.ResponseHead view = dev.starling.internal.netty.Exchange.headOf(head);
        java.util.concurrent.CompletableFuture<Void> chain = java.util.concurrent.CompletableFuture.completedFuture(null);
        for (int i = middleware.size() - 1; i >= 0; i--) {
            Object m = middleware.get(i);
            chain = chain.thenCompose(v -> {
                Context previous = Context.set(Context.forScope(exchange));
                try {
                    if (m instanceof dev.starling.AsyncMiddleware async) {
                        return exchange.onLoop(async.after(exchange, view));
                    }
                    dev.starling.Middleware sync = (dev.starling.Middleware) m;
                    // The response is already made: its after-phase waits for a token rather than being refused.
                    return defaultPool.submitPromised(() -> {
                        sync.after(exchange, view);
                        return null;
                    }, defaultPool).thenApply(x -> (Void) null);
                } catch (Throwable t) {
                    return java.util.concurrent.CompletableFuture.failedFuture(t);
                } finally {
                    Context.set(previous);
                }
            });
        }
        return chain;
    }

    /** Routes and runs one request, after the middleware's before phase. */
    private void route(Exchange exchange) {
        Router.Match<Route> match = router.lookup(exchange.method(), exchange.rawPath());
        if (!match.found()) {
            exchange.fail(match.methodNotAllowed()
                    ? new dev.starling.HttpException(405, "Method Not Allowed", Map.of("allow", match.allow()))
                    : new dev.starling.HttpException(404, "Not Found"));
            return;
        }
        Route route = match.route();
        exchange.matched(route.name(), route.template().toString(), route.template().names(), match.values());
        long limit = route.timeoutNanos() > 0 ? route.timeoutNanos() : requestTimeoutNanos;
        if (limit > 0) {
            exchange.deadline(limit);
        }
        LoopProbe probe = LoopProbe.current();
        Context previous = Context.set(Context.forScope(exchange));
        if (probe != null) {
            probe.enter(route.name());
        }
        try {
            if (route.binder().decodesOffLoop(exchange)) {
                decodeFormOffLoop(exchange);
                return;
            }
            if (!route.onLoop() && route.injection().isEmpty() && exchange.bodyLength() > BIND_ON_LOOP_MAX) {
                invokeBindingOffLoop(route, exchange);
                return;
            }
            Object[] args = route.binder().bind(exchange);
            if (!route.injection().isEmpty()) {
                // Dependencies first (some offloaded), then the handler, back on this loop.
                new Resolution(exchange, defaultPool, appState).fill(route.injection(), args)
                        .whenComplete((filled, error) -> {
                            if (error != null) {
                                exchange.fail(error);
                            } else {
                                invoke(route, exchange, filled);
                            }
                        });
                return;
            }
            invokeHere(route, exchange, args);
        } catch (Throwable t) {
            exchange.fail(t);
        } finally {
            if (probe != null) {
                probe.exit();
            }
            Context.set(previous);
        }
    }

    /**
     * Decodes a multipart body on a worker of the default pool, since large parts are spooled to disk, then
     * dispatches again on this loop, where binding now finds the form decoded (see Binder#decodesOffLoop).
     */
    private void decodeFormOffLoop(Exchange exchange) {
        int spoolAbove = config.maxPartMemory();
        defaultPool.submitInternal(() -> exchange.formData(spoolAbove), defaultPool).whenComplete((form, error) -> {
            if (error != null) {
                exchange.fail(error);
            } else {
                route(exchange);   // the before-phase has run already
            }
        });
    }

    /** Runs the handler once its dependencies are resolved, in the request's context; on the request's loop. */
    private void invoke(Route route, Exchange exchange, Object[] args) {
        LoopProbe probe = LoopProbe.current();
        Context previous = Context.set(Context.forScope(exchange));
        if (probe != null) {
            probe.enter(route.name());
        }
        try {
            invokeHere(route, exchange, args);
        } finally {
            if (probe != null) {
                probe.exit();
            }
            Context.set(previous);
        }
    }

    /** Runs the handler where its route says; the caller has set the request's context. */
    private void invokeHere(Route route, Exchange exchange, Object[] args) {
        try {
            if (route.onLoop()) {
                exchange.respond(route.invoker().invoke(exchange, args));
            } else {
                offload(route, exchange, () -> call(route, exchange, args));
            }
        } catch (Throwable t) {
            exchange.fail(t);
        }
    }

    /**
     * Binds and runs an offloaded handler on its worker: decoding a large body (a megabyte of JSON takes
     * milliseconds) is blocking work that would hold the loop and every connection on it.
     */
    private void invokeBindingOffLoop(Route route, Exchange exchange) {
        try {
            offload(route, exchange, () -> call(route, exchange, route.binder().bind(exchange)));
        } catch (Throwable t) {
            exchange.fail(t);
        }
    }

    /** Runs {@code work} on the route's pool and answers with its result, back on the request's loop. */
    private void offload(Route route, Exchange exchange, java.util.concurrent.Callable<Object> work) {
        OffloadTask<Object> task = route.pool().submitForRequest(work, defaultPool, Exchange::discardResult);
        task.whenComplete((result, error) -> {
            try {
                if (error != null) {
                    exchange.fail(error);
                } else {
                    exchange.respond(result);
                }
            } catch (Throwable t) {
                // A stage swallows what its callbacks throw; a lost response would hang the client.
                LOG.error("{} could not send its response; the connection is closed.", route.name(), t);
                exchange.abort();
            }
        });
    }

    private static Object call(Route route, Exchange exchange, Object[] args) throws Exception {
        try {
            return route.invoker().invoke(exchange, args);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public JsonMapper json() {
        return json;
    }

    @Override
    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    @Override
    public void requestDone() {
        if (inFlight.decrementAndGet() == 0 && draining) {
            lifecycle.lock();
            try {
                idle.signalAll();
            } finally {
                lifecycle.unlock();
            }
        }
    }

    @Override
    public boolean draining() {
        return draining;
    }

    @Override
    public <E extends Throwable> Starling exceptionHandler(Class<E> type, dev.starling.ExceptionHandler<? super E> handler) {
        return addExceptionHandler(type, handler, false);
    }

    @Override
    public <E extends Throwable> Starling exceptionHandlerAsync(Class<E> type,
                                                                dev.starling.AsyncExceptionHandler<? super E> handler) {
        return addExceptionHandler(type, handler, true);
    }

    private Starling addExceptionHandler(Class<?> type, Object handler, boolean async) {
        Objects.requireNonNull(type, "The exception type must not be null.");
        Objects.requireNonNull(handler, "The exception handler must not be null.");
        if (state != State.NEW) {
            throw new IllegalStateException("Exception handlers cannot be added once the app has started.");
        }
        if (exceptionHandlers.putIfAbsent(type, new UserHandler(handler, async)) != null) {
            throw new IllegalArgumentException("An exception handler for " + type.getName()
                    + " is already registered; one type has one handler.");
        }
        return this;
    }

    /** A user's exception handler and where it runs. */
    private record UserHandler(Object handler, boolean async) {
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public boolean handle(Exchange exchange, Throwable error) {
        if (exceptionHandlers.isEmpty()) {
            return false;
        }
        UserHandler found = null;
        // The most specific registered type wins: walk up from the exception's own class.
        for (Class<?> c = error.getClass(); c != null && found == null; c = c.getSuperclass()) {
            found = exceptionHandlers.get(c);
        }
        if (found == null) {
            return false;
        }
        Context previous = Context.set(Context.forScope(exchange));
        try {
            if (found.async()) {
                Object stage = ((dev.starling.AsyncExceptionHandler) found.handler()).handle(exchange, error);
                exchange.respond(stage);
            } else {
                dev.starling.ExceptionHandler sync = (dev.starling.ExceptionHandler) found.handler();
                defaultPool.submitInternal(() -> sync.handle(exchange, error), defaultPool)
                        .whenComplete((result, failure) -> {
                            if (failure != null) {
                                exchange.fail(failure);
                            } else {
                                exchange.respond(result);
                            }
                        });
            }
        } catch (Throwable t) {
            exchange.fail(t);
        } finally {
            Context.set(previous);
        }
        return true;
    }

    @Override
    public void unhandled(Exchange exchange, Throwable error) {
        for (java.util.function.BiConsumer<dev.starling.Request, Throwable> listener : unhandledListeners) {
            listener.accept(exchange, error);
        }
    }

    /**
     * Registers a listener told of every exception that ended a request with 500 (the test client uses it to
     * fail the test with the server's exception); called on the loop, it must not block.
     */
    public void onUnhandled(java.util.function.BiConsumer<dev.starling.Request, Throwable> listener) {
        unhandledListeners.add(listener);
    }

    // ---- lifecycle ----

    @Override
    public Starling start() {
        return start(config.port());
    }

    @Override
    public Starling start(int port) {
        lifecycle.lock();
        try {
            if (state != State.NEW) {
                throw new IllegalStateException("This app has already been started; an app starts once.");
            }
            if (watchdog != null) {
                watchdog.start();
            }
            boolean epoll = Epoll.isAvailable();
            IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
            Class<? extends ServerChannel> channelType =
                    epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
            group = new MultiThreadIoEventLoopGroup(config.eventLoops(),
                    LoopThread.factory("starling-loop-", defaultPool, watchdog), io);
            channels = new DefaultChannelGroup("starling-connections", GlobalEventExecutor.INSTANCE);
            try {
                addOpenApi();
            } catch (RuntimeException e) {
                shutdownResources();
                throw new IllegalStateException("The OpenAPI document could not be built, so the app does not start ("
                        + e + ").", e);
            }
            for (Object hook : startupHooks) {
                try {
                    runHook(hook);
                } catch (Exception e) {
                    shutdownResources();
                    throw new IllegalStateException("A start-up hook failed, so the app does not start (" + e
                            + ").", e);
                }
            }
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .handler(new ConnectionLimit(config.maxConnections()))
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // Netty's defaults, stated: past 64 KiB of unsent bytes a connection is unwritable until it
                    // drains below 32 KiB, and a stream asks for its next item only once it is writable again.
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new io.netty.channel.WriteBufferWaterMark(32 * 1024, 64 * 1024))
                    .childHandler(new HttpInitializer(this, config, channels));
            try {
                serverChannel = bootstrap.bind(config.host(), port).syncUninterruptibly().channel();
            } catch (Exception e) {
                shutdownResources();
                throw new IllegalStateException("Starling could not listen on " + config.host() + ":" + port
                        + " (" + e + ").", e);
            }
            boundPort = ((InetSocketAddress) serverChannel.localAddress()).getPort();
            if (observer != null) {
                group.forEach(loop -> LoopLag.start((io.netty.channel.EventLoop) loop, observer));
            }
            state = State.STARTED;
            LOG.info("Starling is serving on http://{}:{} ({} event loops on {}, {})", config.host(), boundPort,
                    config.eventLoops(), epoll ? "epoll" : "NIO", config.threadpool());
            return this;
        } finally {
            lifecycle.unlock();
        }
    }

    @Override
    public void run() {
        run(config.port());
    }

    @Override
    public void run(int port) {
        start(port);
        Thread hook = new Thread(this::stop, "starling-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
        }
    }

    @Override
    public int port() {
        if (boundPort < 0) {
            throw new IllegalStateException("The app is not listening yet; call start() first.");
        }
        return boundPort;
    }

    @Override
    public CapacityLimiter defaultLimiter() {
        return defaultPool.limiter();
    }

    @Override
    public java.util.Optional<dev.starling.Observer> observer() {
        return observed;
    }

    @Override
    public Map<String, CapacityLimiter> limiters() {
        Map<String, CapacityLimiter> all = new LinkedHashMap<>();
        all.put("default", defaultPool.limiter());
        all.put("virtual", virtualPool.limiter());
        named.forEach((name, pool) -> {
            if (pool.limiter() != null) {
                all.put(name, pool.limiter());
            }
        });
        return java.util.Collections.unmodifiableMap(all);
    }

    @Override
    public java.util.Optional<CapacityLimiter> limiter(String executor) {
        WorkerPool pool = "default".equals(executor) ? defaultPool : "virtual".equals(executor) ? virtualPool
                : named.get(executor);
        return java.util.Optional.ofNullable(pool == null ? null : pool.limiter());
    }

    @Override
    public long blockedLoopCount() {
        return watchdog == null ? 0 : watchdog.blockedCount();
    }

    @Override
    public long stuckTaskCount() {
        return watchdog == null ? 0 : watchdog.stuckCount();
    }

    @Override
    public void stop() {
        stop(config.shutdownGrace());
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public void stop(Duration grace) {
        boolean alreadyStopping = false;
        lifecycle.lock();
        try {
            if (state == State.STOPPING || state == State.STOPPED) {
                alreadyStopping = true;
            }
            if (state == State.NEW) {
                state = State.STOPPED;
                shutdownResources();
                stopped.countDown();
                return;
            }
            if (!alreadyStopping) {
                state = State.STOPPING;
            }
        } finally {
            lifecycle.unlock();
        }
        if (alreadyStopping) {
            // Another stop is draining (a shutdown hook and an explicit close, say): return when it is done.
            awaitStopped();
            return;
        }
        // Draining first, so that every response written from now on says it closes the connection.
        draining = true;
        serverChannel.close().syncUninterruptibly();
        for (Channel channel : channels) {
            HttpInitializer.closeWhenIdle(channel);
        }
        long deadline = System.nanoTime() + grace.toNanos();
        lifecycle.lock();
        try {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("Shutdown grace period of {} ms is over; {} request(s) still in flight are cancelled.",
                            grace.toMillis(), inFlight.get());
                    break;
                }
                idle.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lifecycle.unlock();
        }
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        for (Object hook : shutdownHooks) {
            try {
                runHook(hook);
            } catch (Exception e) {
                LOG.error("A shutdown hook failed; the others still run.", e);
            }
        }
        shutdownResources();
        state = State.STOPPED;
        stopped.countDown();
        LOG.info("Starling has stopped.");
    }

    private void awaitStopped() {
        boolean interrupted = false;
        while (true) {
            try {
                stopped.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void shutdownResources() {
        defaultPool.shutdownNow();
        virtualPool.shutdownNow();
        named.values().forEach(WorkerPool::shutdownNow);
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (watchdog != null) {
            watchdog.stop();
        }
    }

}
