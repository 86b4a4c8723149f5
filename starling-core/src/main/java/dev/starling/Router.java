package dev.starling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A group of routes under one path prefix, with shared tags and dependencies, FastAPI's {@code APIRouter}.
 * Nothing is registered until the router is given to {@link Starling#include(Router)}; routers nest.
 *
 * <pre>{@code
 * Router items = Router.create("/items").tags("items").dependsOn("verifyToken");
 * items.include(new ItemsApi());
 * items.get("/count", request -> repository.count());
 * app.providers(new Security()).include(items);      // GET /items/count, and ItemsApi's routes under /items
 * }</pre>
 */
public final class Router {

    /** One thing the router holds, in the order it was added. */
    public sealed interface Entry permits Api, Lambda, Child {
    }

    /** An object with annotated handler methods. */
    public record Api(Object api) implements Entry {
    }

    /** A lambda route; exactly one of {@code handler} and {@code async} is set. */
    public record Lambda(String method, String path, Handler handler, AsyncHandler async) implements Entry {
    }

    /** A nested router. */
    public record Child(Router router) implements Entry {
    }

    private final String prefix;
    private final List<String> tags = new ArrayList<>();
    private final List<String> dependencies = new ArrayList<>();
    private final List<Entry> entries = new ArrayList<>();

    private Router(String prefix) {
        this.prefix = prefix;
    }

    /** Returns an empty router whose routes all start with {@code prefix} (such as {@code /items}, or {@code ""}). */
    public static Router create(String prefix) {
        Objects.requireNonNull(prefix, "The prefix must not be null; use \"\" for none.");
        if (!prefix.isEmpty() && (!prefix.startsWith("/") || prefix.endsWith("/"))) {
            throw new IllegalArgumentException("A router prefix starts with '/' and does not end with one, such as "
                    + "'/items'; '" + prefix + "' does not.");
        }
        return new Router(prefix);
    }

    /** Adds tags that describe every route of this router (they appear in the OpenAPI document). */
    public Router tags(String... tags) {
        this.tags.addAll(Arrays.asList(tags));
        return this;
    }

    /**
     * Runs the {@link Provides} method named {@code provider} before every route of this router, for its
     * effect (an authentication check, say); its value is discarded, and an exception it throws answers the
     * request.
     */
    public Router dependsOn(String provider) {
        dependencies.add(Objects.requireNonNull(provider, "The provider name must not be null."));
        return this;
    }

    /** Adds every annotated handler method of {@code api}, under this router's prefix. */
    public Router include(Object api) {
        entries.add(new Api(Objects.requireNonNull(api, "The object to include must not be null.")));
        return this;
    }

    /** Adds a nested router: its prefix follows this one's, and it inherits tags and dependencies. */
    public Router include(Router child) {
        if (child == this) {
            throw new IllegalArgumentException("A router cannot include itself.");
        }
        entries.add(new Child(Objects.requireNonNull(child, "The router to include must not be null.")));
        return this;
    }

    /** Adds a blocking {@code GET} handler, offloaded to the default threadpool. */
    public Router get(String path, Handler handler) {
        return lambda("GET", path, handler, null);
    }

    /** Adds a {@code GET} handler that runs on the event loop. */
    public Router getAsync(String path, AsyncHandler handler) {
        return lambda("GET", path, null, handler);
    }

    /** Adds a blocking {@code POST} handler, offloaded to the default threadpool. */
    public Router post(String path, Handler handler) {
        return lambda("POST", path, handler, null);
    }

    /** Adds a {@code POST} handler that runs on the event loop. */
    public Router postAsync(String path, AsyncHandler handler) {
        return lambda("POST", path, null, handler);
    }

    /** Adds a blocking {@code PUT} handler, offloaded to the default threadpool. */
    public Router put(String path, Handler handler) {
        return lambda("PUT", path, handler, null);
    }

    /** Adds a {@code PUT} handler that runs on the event loop. */
    public Router putAsync(String path, AsyncHandler handler) {
        return lambda("PUT", path, null, handler);
    }

    /** Adds a blocking {@code DELETE} handler, offloaded to the default threadpool. */
    public Router delete(String path, Handler handler) {
        return lambda("DELETE", path, handler, null);
    }

    /** Adds a {@code DELETE} handler that runs on the event loop. */
    public Router deleteAsync(String path, AsyncHandler handler) {
        return lambda("DELETE", path, null, handler);
    }

    /** Adds a blocking {@code PATCH} handler, offloaded to the default threadpool. */
    public Router patch(String path, Handler handler) {
        return lambda("PATCH", path, handler, null);
    }

    /** Adds a {@code PATCH} handler that runs on the event loop. */
    public Router patchAsync(String path, AsyncHandler handler) {
        return lambda("PATCH", path, null, handler);
    }

    /** Adds a blocking handler for any method, offloaded to the default threadpool. */
    public Router route(String method, String path, Handler handler) {
        return lambda(method, path, handler, null);
    }

    /** Adds a handler for any method that runs on the event loop. */
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

    /** Returns the prefix. */
    public String prefix() {
        return prefix;
    }

    /** Returns the tags of this router (without those of routers that include it). */
    public List<String> tags() {
        return List.copyOf(tags);
    }

    /** Returns the names of the providers run before every route. */
    public List<String> dependencies() {
        return List.copyOf(dependencies);
    }

    /** Returns what the router holds, in order; Starling reads it when the router is included. */
    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    @Override
    public String toString() {
        return "Router[" + (prefix.isEmpty() ? "/" : prefix) + ", " + entries.size() + " entries]";
    }
}
