package dev.starling.internal.app;

import dev.starling.ApiResponse;
import dev.starling.Blocking;
import dev.starling.Delete;
import dev.starling.ExecuteOn;
import dev.starling.Get;
import dev.starling.NonBlocking;
import dev.starling.Patch;
import dev.starling.Post;
import dev.starling.Put;
import dev.starling.RunOnVirtualThread;
import dev.starling.Status;
import dev.starling.Timeout;
import dev.starling.WebSocket;
import dev.starling.internal.Durations;
import dev.starling.internal.params.Binder;
import dev.starling.internal.params.Injection;
import dev.starling.internal.params.Invoker;
import dev.starling.internal.params.ParameterModel;
import dev.starling.internal.params.Providers;
import dev.starling.internal.params.ResponseModel;
import dev.starling.internal.routing.PathTemplate;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import tools.jackson.databind.json.JsonMapper;

/** Reads the routes declared by annotated methods of one object, checking each declaration once. */
final class MethodRoutes {

    /** Where a declared route runs, before pools are looked up. */
    enum Where { LOOP, DEFAULT, VIRTUAL, NAMED }

    /** A route read from a method. */
    record Declared(String httpMethod, PathTemplate template, String name, Where where, String executor,
                    Binder binder, Injection injection, Invoker invoker, long timeoutNanos, boolean webSocket) {
    }

    private MethodRoutes() {
    }

    /** Reads the routes of {@code api}; {@code json} reads their {@code @Body} parameters (null: a default mapper). */
    static List<Declared> read(Object api, Providers providers, JsonMapper json) {
        return read(api, providers, json, "");
    }

    /** Reads the routes of {@code api}, with every path template under {@code prefix}. */
    static List<Declared> read(Object api, Providers providers, JsonMapper json,
                               String prefix) {
        Class<?> type = api.getClass();
        List<Method> methods = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            methods.addAll(Arrays.asList(c.getDeclaredMethods()));
        }
        methods.sort(Comparator.comparing(Method::getName).thenComparing(Method::toString));
        List<Declared> out = new ArrayList<>();
        for (Method m : methods) {
            Declared d = read(api, m, providers, json, prefix);
            if (d != null) {
                out.add(d);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(type.getName() + " has no method annotated with @Get, @Post, @Put, "
                    + "@Delete, @Patch or @WebSocket, so including it adds no route.");
        }
        return out;
    }

    private static Declared read(Object api, Method m, Providers providers,
                                 JsonMapper json, String prefix) {
        List<String[]> verbs = new ArrayList<>();
        if (m.getAnnotation(Get.class) != null) verbs.add(new String[] {"GET", m.getAnnotation(Get.class).value()});
        if (m.getAnnotation(Post.class) != null) verbs.add(new String[] {"POST", m.getAnnotation(Post.class).value()});
        if (m.getAnnotation(Put.class) != null) verbs.add(new String[] {"PUT", m.getAnnotation(Put.class).value()});
        if (m.getAnnotation(Delete.class) != null) {
            verbs.add(new String[] {"DELETE", m.getAnnotation(Delete.class).value()});
        }
        if (m.getAnnotation(Patch.class) != null) {
            verbs.add(new String[] {"PATCH", m.getAnnotation(Patch.class).value()});
        }
        if (m.getAnnotation(WebSocket.class) != null) {
            verbs.add(new String[] {"WEBSOCKET", m.getAnnotation(WebSocket.class).value()});
        }
        if (verbs.isEmpty()) {
            return null;
        }
        String where = m.getDeclaringClass().getName() + "." + m.getName() + "(...)";
        if (verbs.size() > 1) {
            throw new IllegalArgumentException(where + " has more than one of @Get, @Post, @Put, @Delete, @Patch and "
                    + "@WebSocket; give each route its own method.");
        }
        boolean webSocket = verbs.get(0)[0].equals("WEBSOCKET");
        String httpMethod = webSocket ? "GET" : verbs.get(0)[0];
        PathTemplate template;
        try {
            template = PathTemplate.parse(prefix + verbs.get(0)[1]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " cannot be a route: " + e.getMessage() + ".");
        }
        Binder binder;
        binder = Binder.of(api, m, template.names(), json);
        checkSocketParameter(binder, webSocket, where);
        Where runsOn = webSocket ? socketDispatch(m, where) : dispatch(m, where);
        String executor = runsOn == Where.NAMED ? m.getAnnotation(ExecuteOn.class).value() : null;
        String name = (webSocket ? "WEBSOCKET" : httpMethod) + " " + template.text() + " ("
                + m.getDeclaringClass().getSimpleName() + "." + m.getName() + ")";
        Timeout limit = m.getAnnotation(Timeout.class);
        long timeoutNanos = limit == null ? 0L : Durations.parse(limit.value(), name + " has @Timeout").toNanos();
        Invoker invoker = Invoker.of(api, m, where);
        if (webSocket) {
            if (m.getAnnotation(Status.class) != null || m.getAnnotationsByType(ApiResponse.class).length > 0) {
                throw new IllegalArgumentException(where + " is a @WebSocket handler, which answers no HTTP status, "
                        + "so it cannot have @Status or @ApiResponse.");
            }
        } else {
            invoker = ResponseModel.of(m, where).apply(invoker);
        }
        return new Declared(httpMethod, template, name, runsOn, executor, binder,
                Injection.of(m, template, providers), invoker, timeoutNanos, webSocket);
    }

    /**
     * Checks that every variable of the route's path template is taken by a parameter of the handler or of one of
     * the dependencies it resolves ({@code injection}, with the app's and router's); a variable nobody takes is a
     * typo or a parameter that lost its name.
     */
    static void checkPathTaken(Declared d, Injection injection) {
        Set<String> taken = new HashSet<>();
        collectPath(d.binder(), injection, taken);
        for (String name : d.template().names()) {
            if (!taken.contains(name)) {
                throw new IllegalArgumentException(d.name() + " has the path parameter '" + name + "' in its "
                        + "template, but no parameter of the handler or of its dependencies takes it; add one "
                        + "(@Path String " + name + ") or remove it from the template.");
            }
        }
    }

    private static void collectPath(Binder binder, Injection injection, Set<String> taken) {
        if (binder.model() != null) {
            for (ParameterModel.Input input : binder.model().inputs()) {
                if (input.source() == ParameterModel.Source.PATH) {
                    taken.add(input.name());
                }
            }
        }
        for (Injection.Slot slot : injection.slots()) {
            if (slot.provider() != null) {
                collectPath(slot.provider().binder(), slot.provider().injection(), taken);
            }
        }
    }

    /** A WebSocket handler takes its socket, and only a WebSocket handler takes one. */
    private static void checkSocketParameter(Binder binder, boolean webSocket, String where) {
        long sockets = binder.model().inputs().stream()
                .filter(i -> i.source() == ParameterModel.Source.WEBSOCKET).count();
        if (webSocket && sockets != 1) {
            throw new IllegalArgumentException(where + " is a @WebSocket handler, so it takes exactly one "
                    + "WebSocketConnection parameter, the open socket; it has " + sockets + ".");
        }
        if (!webSocket && sockets > 0) {
            throw new IllegalArgumentException(where + " takes a WebSocketConnection, which only @WebSocket "
                    + "handlers are given; annotate it with @WebSocket instead of an HTTP method.");
        }
    }

    /** A WebSocket handler runs where its return type says: no annotation moves it (see {@link WebSocket}). */
    private static Where socketDispatch(Method m, String where) {
        if (m.getAnnotation(Blocking.class) != null || m.getAnnotation(NonBlocking.class) != null
                || m.getAnnotation(RunOnVirtualThread.class) != null || m.getAnnotation(ExecuteOn.class) != null
                || m.getAnnotation(Timeout.class) != null) {
            throw new IllegalArgumentException(where + " is a @WebSocket handler, which runs where its return type "
                    + "says (a CompletionStage on the event loop, anything else on a virtual thread of its own), so "
                    + "it cannot have @Blocking, @NonBlocking, @RunOnVirtualThread, @ExecuteOn or @Timeout.");
        }
        if (Flow.Publisher.class.isAssignableFrom(m.getReturnType())) {
            throw new IllegalArgumentException(where + " is a @WebSocket handler returning a Flow.Publisher; return "
                    + "a CompletionStage (async, on the event loop) or nothing (blocking, on a virtual thread).");
        }
        return CompletionStage.class.isAssignableFrom(m.getReturnType()) ? Where.LOOP : Where.DEFAULT;
    }

    private static Where dispatch(Method m, String where) {
        boolean blocking = m.getAnnotation(Blocking.class) != null;
        boolean nonBlocking = m.getAnnotation(NonBlocking.class) != null;
        boolean virtual = m.getAnnotation(RunOnVirtualThread.class) != null;
        boolean named = m.getAnnotation(ExecuteOn.class) != null;
        int overrides = (blocking ? 1 : 0) + (nonBlocking ? 1 : 0) + (virtual ? 1 : 0) + (named ? 1 : 0);
        if (overrides > 1) {
            throw new IllegalArgumentException(where + " has more than one of @Blocking, @NonBlocking, "
                    + "@RunOnVirtualThread and @ExecuteOn; a handler runs in one place.");
        }
        if (nonBlocking) {
            return Where.LOOP;
        }
        if (blocking) {
            return Where.DEFAULT;
        }
        if (virtual) {
            return Where.VIRTUAL;
        }
        if (named) {
            if (m.getAnnotation(ExecuteOn.class).value().isBlank()) {
                throw new IllegalArgumentException(where + " has @ExecuteOn with an empty executor name.");
            }
            return Where.NAMED;
        }
        Class<?> r = m.getReturnType();
        return CompletionStage.class.isAssignableFrom(r) || Flow.Publisher.class.isAssignableFrom(r)
                ? Where.LOOP : Where.DEFAULT;
    }
}
