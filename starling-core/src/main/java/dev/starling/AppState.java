package dev.starling;

import java.util.Optional;

/**
 * Values shared by the whole app, FastAPI's {@code app.state}: set them in a start-up hook, read them in
 * handlers and providers by declaring an {@code AppState} parameter. Safe to use from any thread.
 *
 * <pre>{@code
 * app.onStartup(() -> app.state().put("pool", Database.connect(url)));
 * @Get("/items") List<Item> items(AppState state) { return state.get("pool", Database.class).orElseThrow().items(); }
 * }</pre>
 */
public interface AppState {

    /** Stores {@code value} under {@code name}, replacing what was there. */
    AppState put(String name, Object value);

    /** Returns the value stored under {@code name} if there is one of {@code type}. */
    <T> Optional<T> get(String name, Class<T> type);

    /** Removes the value stored under {@code name}, if any. */
    AppState remove(String name);
}
