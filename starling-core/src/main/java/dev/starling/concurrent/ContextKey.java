package dev.starling.concurrent;

import dev.starling.internal.concurrent.Context;
import java.util.Objects;
import java.util.Optional;

/**
 * A named value that follows a request into offloaded work, like a Python {@code ContextVar}.
 *
 * <p>The value seen by offloaded code is the caller's value at the moment of the offload; changes made on
 * the worker stay on the worker and never flow back.
 *
 * <pre>{@code
 * static final ContextKey<String> TENANT = ContextKey.create("tenant");
 * TENANT.set("acme");
 * Concurrency.runInThreadpool(() -> TENANT.get().orElseThrow());   // "acme" on the worker
 * }</pre>
 *
 * @param <T> the type of the value
 */
public final class ContextKey<T> {

    private final String name;

    private ContextKey(String name) {
        this.name = Objects.requireNonNull(name, "The name must not be null.");
    }

    /** Returns a new key; two keys with the same name are still different keys. */
    public static <T> ContextKey<T> create(String name) {
        return new ContextKey<>(name);
    }

    /** Returns the key's name. */
    public String name() {
        return name;
    }

    /** Returns the value in the current context, if any. */
    @SuppressWarnings("unchecked")
    public Optional<T> get() {
        return Optional.ofNullable((T) Context.current().value(this));
    }

    /**
     * Sets the value in the current context; work offloaded afterwards sees it, and within a request so does the
     * rest of the request (a value set by middleware reaches the handler and the after phase).
     */
    public void set(T value) {
        Context.update(Context.current().with(this, Objects.requireNonNull(value,
                "The value must not be null; use remove() to clear a context key.")));
    }

    /** Removes the value from the current context. */
    public void remove() {
        Context.update(Context.current().with(this, null));
    }

    @Override
    public String toString() {
        return "ContextKey[" + name + "]";
    }
}
