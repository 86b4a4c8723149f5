package dev.starling.internal.http;

import dev.starling.AppState;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The app's shared values: a concurrent map behind the {@link AppState} interface. */
public final class SharedState implements AppState {

    private final Map<String, Object> values = new ConcurrentHashMap<>();

    @Override
    public AppState put(String name, Object value) {
        values.put(Objects.requireNonNull(name, "The name must not be null."),
                Objects.requireNonNull(value, "The value must not be null; use remove(name) to clear a name."));
        return this;
    }

    @Override
    public <T> Optional<T> get(String name, Class<T> type) {
        Object value = values.get(name);
        return type.isInstance(value) ? Optional.of(type.cast(value)) : Optional.empty();
    }

    @Override
    public AppState remove(String name) {
        values.remove(name);
        return this;
    }

    @Override
    public String toString() {
        return "AppState" + values.keySet();
    }
}
