package dev.starling.internal.app;

import dev.starling.AsyncHandler;
import dev.starling.AsyncWebSocketHandler;
import dev.starling.Handler;
import dev.starling.WebSocketHandler;
import dev.starling.Router;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The router that {@link Router#create} makes: what it holds, in order, read by the route table when the
 * router is included.
 */
public final class RouterDefinition implements Router {

    /** One thing the router holds, in the order it was added. */
    sealed interface Entry permits Api, Lambda, Socket, Child {
    }

    /** An object with annotated handler methods. */
    record Api(Object api) implements Entry {
    }

    /** A lambda route; exactly one of {@code handler} and {@code async} is set. */
    record Lambda(String method, String path, Handler handler, AsyncHandler async) implements Entry {
    }

    /** A WebSocket endpoint; exactly one of {@code handler} and {@code async} is set. */
    record Socket(String path, WebSocketHandler handler, AsyncWebSocketHandler async) implements Entry {
    }

    /** A nested router. */
    record Child(RouterDefinition router) implements Entry {
    }

    private final String prefix;
    private final List<String> tags = new ArrayList<>();
    private final List<String> dependencies = new ArrayList<>();
    private final List<Entry> entries = new ArrayList<>();

    /** Makes an empty router under {@code prefix}, which it checks. */
    public RouterDefinition(String prefix) {
        Objects.requireNonNull(prefix, "The prefix must not be null; use \"\" for none.");
        if (!prefix.isEmpty() && (!prefix.startsWith("/") || prefix.endsWith("/"))) {
            throw new IllegalArgumentException("A router prefix starts with '/' and does not end with one, such as "
                    + "'/items'; '" + prefix + "' does not.");
        }
        this.prefix = prefix;
    }

    @Override
    public Router tags(String... tags) {
        this.tags.addAll(Arrays.asList(tags));
        return this;
    }

    @Override
    public Router dependsOn(String provider) {
        dependencies.add(Objects.requireNonNull(provider, "The provider name must not be null."));
        return this;
    }

    @Override
    public Router include(Object api) {
        entries.add(new Api(Objects.requireNonNull(api, "The object to include must not be null.")));
        return this;
    }

    @Override
    public Router include(Router child) {
        if (child == this) {
            throw new IllegalArgumentException("A router cannot include itself.");
        }
        Objects.requireNonNull(child, "The router to include must not be null.");
        if (!(child instanceof RouterDefinition definition)) {
            throw new IllegalArgumentException("Routers are made by Router.create; " + child.getClass().getName()
                    + " is not one.");
        }
        entries.add(new Child(definition));
        return this;
    }

    @Override
    public Router get(String path, Handler handler) {
        return lambda("GET", path, handler, null);
    }

    @Override
    public Router getAsync(String path, AsyncHandler handler) {
        return lambda("GET", path, null, handler);
    }

    @Override
    public Router post(String path, Handler handler) {
        return lambda("POST", path, handler, null);
    }

    @Override
    public Router postAsync(String path, AsyncHandler handler) {
        return lambda("POST", path, null, handler);
    }

    @Override
    public Router put(String path, Handler handler) {
        return lambda("PUT", path, handler, null);
    }

    @Override
    public Router putAsync(String path, AsyncHandler handler) {
        return lambda("PUT", path, null, handler);
    }

    @Override
    public Router delete(String path, Handler handler) {
        return lambda("DELETE", path, handler, null);
    }

    @Override
    public Router deleteAsync(String path, AsyncHandler handler) {
        return lambda("DELETE", path, null, handler);
    }

    @Override
    public Router patch(String path, Handler handler) {
        return lambda("PATCH", path, handler, null);
    }

    @Override
    public Router patchAsync(String path, AsyncHandler handler) {
        return lambda("PATCH", path, null, handler);
    }

    @Override
    public Router route(String method, String path, Handler handler) {
        return lambda(method, path, handler, null);
    }

    @Override
    public Router routeAsync(String method, String path, AsyncHandler handler) {
        return lambda(method, path, null, handler);
    }

    private Router lambda(String method, String path, Handler handler, AsyncHandler async) {
        Objects.requireNonNull(method, "The HTTP method must not be null.");
        Objects.requireNonNull(path, "The path must not be null.");
        if (handler == null && async == null) {
            throw new NullPointerException("The handler must not be null.");
        }
        entries.add(new Lambda(method, path, handler, async));
        return this;
    }

    @Override
    public Router websocket(String path, WebSocketHandler handler) {
        Objects.requireNonNull(path, "The path must not be null.");
        entries.add(new Socket(path, Objects.requireNonNull(handler, "The WebSocket handler must not be null."),
                null));
        return this;
    }

    @Override
    public Router websocketAsync(String path, AsyncWebSocketHandler handler) {
        Objects.requireNonNull(path, "The path must not be null.");
        entries.add(new Socket(path, null, Objects.requireNonNull(handler,
                "The WebSocket handler must not be null.")));
        return this;
    }

    /** Returns the prefix. */
    String prefix() {
        return prefix;
    }

    /** Returns the tags of this router (without those of routers that include it). */
    List<String> tags() {
        return List.copyOf(tags);
    }

    /** Returns the names of the providers run before every route. */
    List<String> dependencies() {
        return List.copyOf(dependencies);
    }

    /** Returns what the router holds, in order; Starling reads it when the router is included. */
    List<Entry> entries() {
        return List.copyOf(entries);
    }

    @Override
    public String toString() {
        return "Router[" + (prefix.isEmpty() ? "/" : prefix) + ", " + entries.size() + " entries]";
    }
}
