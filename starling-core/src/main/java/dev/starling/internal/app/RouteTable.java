package dev.starling.internal.app;

import dev.starling.AsyncHandler;
import dev.starling.AsyncWebSocketHandler;
import dev.starling.Handler;
import dev.starling.Router;
import dev.starling.StaticFiles;
import dev.starling.WebSocketHandler;
import dev.starling.internal.concurrent.WorkerPool;
import dev.starling.internal.files.StaticLookup;
import dev.starling.internal.http.Exchange;
import dev.starling.internal.params.Binder;
import dev.starling.internal.params.Injection;
import dev.starling.internal.params.Invoker;
import dev.starling.internal.params.Providers;
import dev.starling.internal.params.SocketSource;
import dev.starling.internal.pipeline.Route;
import dev.starling.internal.routing.PathTemplate;
import dev.starling.internal.routing.RoutingTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds the app's route table while the app is built: routes of annotated objects, lambdas and routers (with
 * their prefixes, tags and dependencies), added all or nothing, and static mounts. Every declaration is checked
 * here, so a bad one fails with a sentence before the app starts.
 */
final class RouteTable {

    private final RoutingTable<Route> router = new RoutingTable<>();
    /** The routes added so far, in order, for the OpenAPI document (static mounts are not in it). */
    private final List<Route> routes = new ArrayList<>();
    private final ExecutorRegistry executors;
    private final JsonMapper json;
    private Providers providers;
    private List<String> appDependencies = List.of();
    /** Throws with the given sentence once the app has started, when routes are fixed. */
    private final Consumer<String> requireNew;

    RouteTable(ExecutorRegistry executors, JsonMapper json, Consumer<String> requireNew) {
        this.executors = executors;
        this.json = json;
        this.requireNew = requireNew;
        this.providers = Providers.empty(json);
    }

    /** Returns the table that requests are routed with. */
    RoutingTable<Route> router() {
        return router;
    }

    /** Returns the routes added so far, in order (without static mounts or built-in routes). */
    List<Route> routes() {
        return routes;
    }

    /** Returns the names of the provider methods the routes added so far resolve, directly or through others. */
    Set<String> providerNames() {
        Set<String> names = new TreeSet<>();
        for (Route route : routes) {
            collectProviders(route.injection(), names);
        }
        return names;
    }

    private static void collectProviders(Injection injection, Set<String> names) {
        for (Injection.Slot slot : injection.slots()) {
            if (slot.provider() != null) {
                names.add(slot.provider().provider().key());
                collectProviders(slot.provider().injection(), names);
            }
        }
    }

    /** Registers the {@code @Provides} methods of {@code source} for the routes included after this call. */
    void providers(Object source) {
        Objects.requireNonNull(source, "The object with @Provides methods must not be null.");
        requireNew.accept("Providers cannot be added once the app has started.");
        providers = providers.with(source);
    }

    /** Runs {@code provider} before every route included after this call. */
    void dependsOn(String provider) {
        Objects.requireNonNull(provider, "The provider name must not be null.");
        requireNew.accept("Dependencies cannot be added once the app has started.");
        appDependencies = concat(appDependencies, List.of(provider));
    }

    /** Adds the routes of {@code group} and of the routers it includes, all or none. */
    void include(Router group) {
        Objects.requireNonNull(group, "The router to include must not be null.");
        if (!(group instanceof RouterDefinition definition)) {
            throw new IllegalArgumentException("Routers are made by Router.create; " + group.getClass().getName()
                    + " is not one.");
        }
        List<Route> found = new ArrayList<>();
        collect(definition, "", List.of(), appDependencies, found);
        register(found);
    }

    /** Adds a blocking lambda route, offloaded to the default threadpool. */
    void add(String method, String path, Handler handler) {
        Objects.requireNonNull(handler, "The handler must not be null.");
        add(lambdaRoute(method, path, executors.defaultPool(), (request, args) -> handler.handle(request),
                appDependencies, List.of()));
    }

    /** Adds a lambda route that runs on the event loop. */
    void add(String method, String path, AsyncHandler handler) {
        Objects.requireNonNull(handler, "The handler must not be null.");
        Invoker invoker = Invoker.nonNull((request, args) -> handler.handle(request),
                "The async handler of " + method + " " + path, "CompletionStage");
        add(lambdaRoute(method, path, null, invoker, appDependencies, List.of()));
    }

    /** Adds a WebSocket route whose blocking handler runs on a virtual thread of its own. */
    void webSocket(String path, WebSocketHandler handler) {
        Objects.requireNonNull(handler, "The WebSocket handler must not be null.");
        add(socketRoute(path, executors.defaultPool(), blocking(handler), appDependencies, List.of()));
    }

    /** Adds a WebSocket route whose handler runs on the event loop. */
    void webSocket(String path, AsyncWebSocketHandler handler) {
        Objects.requireNonNull(handler, "The WebSocket handler must not be null.");
        add(socketRoute(path, null, async(handler), appDependencies, List.of()));
    }

    private static Invoker blocking(WebSocketHandler handler) {
        return (request, args) -> {
            handler.handle(((SocketSource) request).webSocket());
            return null;
        };
    }

    private static Invoker async(AsyncWebSocketHandler handler) {
        return (request, args) -> handler.handle(((SocketSource) request).webSocket());
    }

    private Route socketRoute(String path, WorkerPool pool, Invoker invoker, List<String> dependencies,
                              List<String> tags) {
        PathTemplate template = template("GET", path);
        String name = "WEBSOCKET " + template.text();
        return new Route("GET", template, name, pool, Binder.none(),
                Injection.NONE.after(dependencies, template, providers, name), invoker, tags, 0L, true);
    }

    /** Turns a router's entries into routes, with its prefix, tags and group dependencies. */
    private void collect(RouterDefinition group, String outer, List<String> tags, List<String> dependencies,
                         List<Route> out) {
        String prefix = outer + group.prefix();
        List<String> allTags = concat(tags, group.tags());
        List<String> allDependencies = concat(dependencies, group.dependencies());
        for (RouterDefinition.Entry entry : group.entries()) {
            switch (entry) {
                case RouterDefinition.Api a -> {
                    Providers known = providers.with(a.api());
                    for (MethodRoutes.Declared d : MethodRoutes.read(a.api(), known, json, prefix)) {
                        Injection injection = d.injection().after(allDependencies, d.template(), known, d.name());
                        MethodRoutes.checkPathTaken(d, injection);
                        out.add(new Route(d.httpMethod(), d.template(), d.name(), executors.forRoute(d), d.binder(),
                                injection, d.invoker(), allTags, d.timeoutNanos(), d.webSocket()));
                    }
                }
                case RouterDefinition.Lambda l -> out.add(lambdaRoute(l.method(), prefix + l.path(),
                        l.handler() != null ? executors.defaultPool() : null, l.handler() != null
                                ? (request, args) -> l.handler().handle(request)
                                : (request, args) -> l.async().handle(request), allDependencies, allTags));
                case RouterDefinition.Socket w -> out.add(w.handler() != null
                        ? socketRoute(prefix + w.path(), executors.defaultPool(), blocking(w.handler()), allDependencies,
                                allTags)
                        : socketRoute(prefix + w.path(), null, async(w.async()), allDependencies, allTags));
                case RouterDefinition.Child c -> collect(c.router(), prefix, allTags, allDependencies, out);
            }
        }
    }

    private Route lambdaRoute(String method, String path, WorkerPool pool, Invoker invoker, List<String> dependencies,
                              List<String> tags) {
        String verb = Objects.requireNonNull(method, "The HTTP method must not be null.").toUpperCase(Locale.ROOT);
        PathTemplate template = template(verb, path);
        String name = verb + " " + template.text();
        return new Route(verb, template, name, pool, Binder.none(),
                Injection.NONE.after(dependencies, template, providers, name), invoker, tags);
    }

    private static PathTemplate template(String verb, String path) {
        try {
            return PathTemplate.parse(path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The route " + verb + " " + path + " cannot be added: " + e.getMessage()
                    + ".");
        }
    }

    /** Adds routes all or nothing: they are tried on a copy of the table first. */
    private void register(List<Route> found) {
        RoutingTable<Route> trial = router.copy();
        for (Route r : found) {
            try {
                trial.add(r.method(), r.template(), r);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("The route " + r.name() + " cannot be added: " + e.getMessage()
                        + ".");
            }
        }
        for (Route r : found) {
            add(r);
        }
    }

    private void add(Route route) {
        requireNew.accept("The route " + route.name() + " cannot be added: routes are fixed once the app has started.");
        try {
            router.add(route.method(), route.template(), route);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The route " + route.name() + " cannot be added: " + e.getMessage()
                    + ".");
        }
        routes.add(route);
    }

    /** Serves the files of {@code files} under {@code prefix}, behind every route. */
    void mount(String prefix, StaticFiles files) {
        Objects.requireNonNull(prefix, "The mount prefix must not be null.");
        Objects.requireNonNull(files, "The static files must not be null.");
        if (!prefix.startsWith("/") || prefix.contains("{") || prefix.contains("}") || prefix.contains("?")
                || prefix.contains("#") || prefix.contains("%")) {
            throw new IllegalArgumentException("The mount prefix '" + prefix + "' must start with '/' and hold no "
                    + "'{', '}', '?', '#' or '%'.");
        }
        String at = prefix.replaceAll("/+$", "");
        requireNew.accept("The static files " + files + " cannot be mounted on " + prefix
                + ": routes are fixed once the app has started.");
        StaticLookup.Mounted mounted = StaticLookup.Mounted.of(files);
        String name = "GET " + (at.isEmpty() ? "/" : at) + "/* (" + files + ")";
        // On the loop: it only records the path; the lookup and the file's stat run on the threadpool.
        Invoker invoker = (request, args) -> {
            String raw = request instanceof Exchange exchange ? exchange.rawPath() : request.path();
            return new StaticLookup(mounted, raw, raw.substring(at.length()), request.rootPath());
        };
        PathTemplate template = PathTemplate.parse(at.isEmpty() ? "/" : at);
        try {
            router.mount(at, "GET", Route.builtIn("GET", template, name, invoker));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The static files " + files + " cannot be mounted: " + e.getMessage()
                    + ".");
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
