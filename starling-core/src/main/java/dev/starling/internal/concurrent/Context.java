package dev.starling.internal.concurrent;

import dev.starling.concurrent.ContextKey;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.time.temporal.TemporalAccessor;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The immutable context of the code running on a thread: user context keys and the request scope.
 * Setting a key replaces the thread's context with a copy, so a snapshot taken for offloaded work never
 * changes afterwards, and changes on a worker never flow back (Python's contextvars semantics).
 *
 * <p>In another JVM (a process-pool worker, a cluster member) the keys are other objects, so values that
 * travelled there are found by the key's name instead.
 */
public final class Context {

    public static final Context EMPTY = new Context(Map.of(), null, Map.of());

    private final Map<ContextKey<?>, Object> values;
    private final Scope scope;
    /** Values that arrived from another JVM, by key name; empty in the JVM that set them. */
    private final Map<String, Object> byName;

    private Context(Map<ContextKey<?>, Object> values, Scope scope, Map<String, Object> byName) {
        this.values = values;
        this.scope = scope;
        this.byName = byName;
    }

    /** Returns the context of the current thread. */
    public static Context current() {
        return ThreadState.current().context;
    }

    /** Makes {@code context} the current thread's context and returns the one it replaces. */
    public static Context set(Context context) {
        ThreadState state = ThreadState.current();
        Context previous = state.context;
        state.context = context;
        return previous;
    }

    /** Makes {@code context}, a changed copy of the current one, current, and tells its request scope. */
    public static void update(Context context) {
        ThreadState.current().context = context;
        if (context.scope != null) {
            context.scope.contextChanged(context);
        }
    }

    /** Returns a context for a new request scope, with no user values. */
    public static Context forScope(Scope scope) {
        return new Context(Map.of(), scope, Map.of());
    }

    /** Returns a context, for work that arrived from another JVM, whose keys are matched by name. */
    public static Context fromPortable(Map<String, ? extends Serializable> byName) {
        return new Context(Map.of(), null, Map.copyOf(byName));
    }

    public Object value(ContextKey<?> key) {
        Object value = values.get(key);
        return value != null || byName.isEmpty() ? value : byName.get(key.name());
    }

    /**
     * Returns the values that can travel to another JVM, by key name: those that serialize. A value whose
     * class says {@code Serializable} but holds something that is not stays home rather than failing the task.
     */
    public HashMap<String, Serializable> portableValues() {
        HashMap<String, Serializable> portable = new HashMap<>();
        byName.forEach((name, value) -> {
            if (travels(value)) {
                portable.put(name, (Serializable) value);
            }
        });
        values.forEach((key, value) -> {
            if (travels(value)) {
                portable.put(key.name(), (Serializable) value);
            }
        });
        return portable;
    }

    private static boolean travels(Object value) {
        if (value instanceof String || value instanceof Number || value instanceof Boolean
                || value instanceof Character || value instanceof Enum<?> || value instanceof UUID
                || value instanceof TemporalAccessor) {
            return true;   // the common cases, known to serialize, without trying
        }
        if (!(value instanceof Serializable)) {
            return false;
        }
        try (ObjectOutputStream out = new ObjectOutputStream(OutputStream.nullOutputStream())) {
            out.writeObject(value);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Returns a copy with {@code key} set to {@code value}, or removed when {@code value} is null. */
    public Context with(ContextKey<?> key, Object value) {
        Map<ContextKey<?>, Object> copy = new HashMap<>(values);
        if (value == null) {
            copy.remove(key);
        } else {
            copy.put(key, value);
        }
        Map<String, Object> remote = byName;
        if (byName.containsKey(key.name())) {
            // A value that travelled here is the key's value until it is set or removed here.
            HashMap<String, Object> rest = new HashMap<>(byName);
            rest.remove(key.name());
            remote = Map.copyOf(rest);
        }
        return new Context(Map.copyOf(copy), scope, remote);
    }

    /** Returns the request scope this context belongs to, or null outside a request. */
    public Scope scope() {
        return scope;
    }
}
