package dev.starling;

import java.util.Objects;

/**
 * A dependency value with its own cleanup, for values that are not {@link AutoCloseable}: FastAPI's
 * {@code yield} dependency as a value and a closing action.
 *
 * <pre>{@code
 * @Provides
 * Resource<Connection> connection() {
 *     Connection c = pool.take();
 *     return Resource.of(c, () -> pool.give(c));
 * }
 * }</pre>
 *
 * @param <T> the type of the value handlers receive
 */
public final class Resource<T> {

    /** Cleanup that may throw. */
    @FunctionalInterface
    public interface Closer {
        /** Releases the resource. */
        void close() throws Exception;
    }

    private final T value;
    private final Closer closer;

    private Resource(T value, Closer closer) {
        this.value = Objects.requireNonNull(value, "A resource needs a value, not null.");
        this.closer = Objects.requireNonNull(closer, "A resource needs a closing action, not null.");
    }

    /** Returns a resource whose value handlers receive and whose {@code closer} runs after the response. */
    public static <T> Resource<T> of(T value, Closer closer) {
        return new Resource<>(value, closer);
    }

    /** Returns the value. */
    public T value() {
        return value;
    }

    /** Returns the closing action. */
    public Closer closer() {
        return closer;
    }
}
