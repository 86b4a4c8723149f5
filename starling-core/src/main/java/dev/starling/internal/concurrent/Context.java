package dev.starling.internal.concurrent;

import dev.starling.concurrent.ContextKey;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.HashMap;
import java.util.Map;

/**
 * The immutable context of the code running on a thread: user context keys and the request scope.
 * Setting a key replaces the thread's context with a copy, so a snapshot taken for offloaded work never
 * changes afterwards, and changes on a worker never flow back (Python's contextvars semantics).
 */
public final class Context {

    public static final Context EMPTY = new Context(Map.of(), null);

    private static final FastThreadLocal<Context> CURRENT = new FastThreadLocal<>() {
        @Override
        protected Context initialValue() {
            return EMPTY;
        }
    };

    private final Map<ContextKey<?>, Object> values;
    private final Scope scope;

    private Context(Map<ContextKey<?>, Object> values, Scope scope) {
        this.values = values;
        this.scope = scope;
    }

    /** Returns the context of the current thread. */
    public static Context current() {
        return CURRENT.get();
    }

    /** Makes {@code context} the current thread's context and returns the one it replaces. */
    public static Context set(Context context) {
        Context previous = CURRENT.get();
        CURRENT.set(context);
        return previous;
    }

    /** Returns a context for a new request scope, with no user values. */
    public static Context forScope(Scope scope) {
        return new Context(Map.of(), scope);
    }

    public Object value(ContextKey<?> key) {
        return values.get(key);
    }

    /** Returns a copy with {@code key} set to {@code value}, or removed when {@code value} is null. */
    public Context with(ContextKey<?> key, Object value) {
        Map<ContextKey<?>, Object> copy = new HashMap<>(values);
        if (value == null) {
            copy.remove(key);
        } else {
            copy.put(key, value);
        }
        return new Context(Map.copyOf(copy), scope);
    }

    /** Returns the request scope this context belongs to, or null outside a request. */
    public Scope scope() {
        return scope;
    }
}
