package dev.starling;

import dev.starling.internal.app.RouterDefinition;

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
public interface Router {

    /** Returns an empty router whose routes all start with {@code prefix} (such as {@code /items}, or {@code ""}). */
    static Router create(String prefix) {
        return new RouterDefinition(prefix);
    }

    /** Adds tags that describe every route of this router (they appear in the OpenAPI document). */
    Router tags(String... tags);

    /**
     * Runs the {@link Provides} method (or the {@link dev.starling.security.SecurityScheme}) named {@code provider}
     * before every route of this router, for its effect (an authentication check, say); its value is discarded,
     * and an exception it throws answers the request.
     */
    Router dependsOn(String provider);

    /** Adds every annotated handler method of {@code api}, under this router's prefix. */
    Router include(Object api);

    /** Adds a nested router: its prefix follows this one's, and it inherits tags and dependencies. */
    Router include(Router child);

    /** Adds a blocking {@code GET} handler, offloaded to the default threadpool. */
    Router get(String path, Handler handler);

    /** Adds a {@code GET} handler that runs on the event loop. */
    Router getAsync(String path, AsyncHandler handler);

    /** Adds a blocking {@code POST} handler, offloaded to the default threadpool. */
    Router post(String path, Handler handler);

    /** Adds a {@code POST} handler that runs on the event loop. */
    Router postAsync(String path, AsyncHandler handler);

    /** Adds a blocking {@code PUT} handler, offloaded to the default threadpool. */
    Router put(String path, Handler handler);

    /** Adds a {@code PUT} handler that runs on the event loop. */
    Router putAsync(String path, AsyncHandler handler);

    /** Adds a blocking {@code DELETE} handler, offloaded to the default threadpool. */
    Router delete(String path, Handler handler);

    /** Adds a {@code DELETE} handler that runs on the event loop. */
    Router deleteAsync(String path, AsyncHandler handler);

    /** Adds a blocking {@code PATCH} handler, offloaded to the default threadpool. */
    Router patch(String path, Handler handler);

    /** Adds a {@code PATCH} handler that runs on the event loop. */
    Router patchAsync(String path, AsyncHandler handler);

    /** Adds a blocking handler for any method, offloaded to the default threadpool. */
    Router route(String method, String path, Handler handler);

    /** Adds a handler for any method that runs on the event loop. */
    Router routeAsync(String method, String path, AsyncHandler handler);

    /** Adds a WebSocket endpoint whose blocking handler runs on a virtual thread of its own; see {@link WebSocket}. */
    Router websocket(String path, WebSocketHandler handler);

    /** Adds a WebSocket endpoint whose handler runs on the event loop; see {@link AsyncWebSocketHandler}. */
    Router websocketAsync(String path, AsyncWebSocketHandler handler);
}
