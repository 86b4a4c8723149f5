package dev.starling.internal.pipeline;

import dev.starling.internal.params.Providers;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The dependency overrides of an app, FastAPI's {@code app.dependency_overrides}: by provider name (a method's
 * or a security scheme's), a replacement that requests resolve instead of the provider, from the next request on.
 * Read on every resolution, so it is a concurrent map, empty in production.
 */
final class Overrides {

    private final Map<String, Supplier<?>> byName = new ConcurrentHashMap<>();

    void put(String provider, Supplier<?> replacement) {
        byName.put(provider, replacement);
    }

    void clear() {
        byName.clear();
    }

    /** Returns the replacement of {@code provider}, or null when it is not overridden. */
    Supplier<?> of(Providers.Provider provider) {
        return byName.isEmpty() ? null : byName.get(provider.key());
    }
}
