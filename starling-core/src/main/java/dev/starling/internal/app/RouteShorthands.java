package dev.starling.internal.app;

import dev.starling.AsyncHandler;
import dev.starling.Handler;
import dev.starling.Starling;

/** The shorthands of {@link Starling} for one HTTP method each, all given to {@code route} and {@code routeAsync}. */
abstract class RouteShorthands implements Starling {

    @Override
    public Starling get(String path, Handler handler) {
        return route("GET", path, handler);
    }

    @Override
    public Starling getAsync(String path, AsyncHandler handler) {
        return routeAsync("GET", path, handler);
    }

    @Override
    public Starling post(String path, Handler handler) {
        return route("POST", path, handler);
    }

    @Override
    public Starling postAsync(String path, AsyncHandler handler) {
        return routeAsync("POST", path, handler);
    }

    @Override
    public Starling put(String path, Handler handler) {
        return route("PUT", path, handler);
    }

    @Override
    public Starling putAsync(String path, AsyncHandler handler) {
        return routeAsync("PUT", path, handler);
    }

    @Override
    public Starling delete(String path, Handler handler) {
        return route("DELETE", path, handler);
    }

    @Override
    public Starling deleteAsync(String path, AsyncHandler handler) {
        return routeAsync("DELETE", path, handler);
    }

    @Override
    public Starling patch(String path, Handler handler) {
        return route("PATCH", path, handler);
    }

    @Override
    public Starling patchAsync(String path, AsyncHandler handler) {
        return routeAsync("PATCH", path, handler);
    }
}
