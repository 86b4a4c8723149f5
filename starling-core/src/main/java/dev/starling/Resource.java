package dev.starling;

import java.util.Objects;
import java.util.Optional;

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

    /** Cleanup told how the request went, like the code after {@code yield} in a FastAPI dependency. */
    @FunctionalInterface
    public interface Finisher {
        /**
         * Releases the resource; {@code failure} holds what failed the request (the handler's exception, a later
         * dependency's, or a {@link java.util.concurrent.CancellationException} when the client went away or the
         * request timed out), empty when the handler succeeded.
         */
        void finish(Optional<Throwable> failure) throws Exception;
    }

    private final T value;
    private final Finisher finisher;

    private Resource(T value, Finisher finisher) {
        this.value = Objects.requireNonNull(value, "A resource needs a value, not null.");
        this.finisher = finisher;
    }

    /** Returns a resource whose value handlers receive and whose {@code closer} runs after the response. */
    public static <T> Resource<T> of(T value, Closer closer) {
        Objects.requireNonNull(closer, "A resource needs a closing action, not null.");
        return new Resource<>(value, failure -> closer.close());
    }

    /**
     * Returns a resource whose {@code finisher} is told whether the request failed: commit or roll back.
     *
     * <pre>{@code
     * @Provides(scope = Provides.Scope.HANDLER)
     * Resource<Transaction> transaction(@Depends Connection c) {
     *     Transaction tx = Transaction.begin(c);
     *     return Resource.finishing(tx, failure -> { if (failure.isPresent()) tx.rollback(); else tx.commit(); });
     * }
     * }</pre>
     */
    public static <T> Resource<T> finishing(T value, Finisher finisher) {
        return new Resource<>(value, Objects.requireNonNull(finisher, "A resource needs a finisher, not null."));
    }

    /** Returns the value. */
    public T value() {
        return value;
    }

    /** Returns the cleanup, which is told how the request went. */
    public Finisher finisher() {
        return finisher;
    }
}
