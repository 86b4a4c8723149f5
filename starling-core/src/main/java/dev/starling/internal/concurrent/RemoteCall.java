package dev.starling.internal.concurrent;

import dev.starling.concurrent.SerializableCallable;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serial;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.MDC;

/**
 * A task on its way to another JVM with the part of the caller's context that can travel: the SLF4J MDC and
 * the serializable context-key values, which the remote side sees while the task runs.
 */
public final class RemoteCall<T> implements SerializableCallable<T> {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The user's task; a serializable {@code Callable} that need not be a {@code SerializableCallable}. */
    private final Callable<? extends T> task;
    private final HashMap<String, String> mdc;
    private final HashMap<String, Serializable> values;

    private static volatile boolean prepared;

    RemoteCall(Callable<? extends T> task, Map<String, String> mdc, Context context) {
        this.task = task;
        this.mdc = mdc == null || mdc.isEmpty() ? null : new HashMap<>(mdc);
        HashMap<String, Serializable> portable = context.portableValues();
        this.values = portable.isEmpty() ? null : portable;
    }

    /**
     * Serializes a sample call, with an MDC and a context value, once per JVM: Java serialization's one-time
     * set-up (its classes, the descriptors of this class, of {@code HashMap} and of a serializable lambda, the
     * reflective accessors it spins) then happens at start-up, not on the event loop of a route's first remote
     * call. Blocks for a few to tens of milliseconds the first time; later calls return at once.
     */
    public static void prepare() {
        if (prepared) {
            return;
        }
        String captured = "sample";
        SerializableCallable<String> sample = () -> captured;
        RemoteCall<String> call = new RemoteCall<>(sample, Map.of("sample", captured),
                Context.fromPortable(Map.of("sample", captured)));
        try (ObjectOutputStream out = new ObjectOutputStream(OutputStream.nullOutputStream())) {
            out.writeObject(call);
        } catch (IOException e) {
            // Cannot happen with these classes and a null stream; the first real call would only be slower.
        }
        prepared = true;   // two threads preparing at once do the work twice, harmlessly
    }

    @Override
    public T call() throws Exception {
        Context previous = Context.set(values == null ? Context.EMPTY : Context.fromPortable(values));
        Map<String, String> previousMdc = MDC.getCopyOfContextMap();
        if (mdc == null) {
            MDC.clear();
        } else {
            MDC.setContextMap(mdc);
        }
        try {
            return task.call();
        } finally {
            if (previousMdc == null) {
                MDC.clear();
            } else {
                MDC.setContextMap(previousMdc);
            }
            Context.set(previous);
        }
    }

    @Override
    public String describe() {
        return task instanceof SerializableCallable<?> callable ? callable.describe() : task.getClass().getName();
    }

    @Override
    public String toString() {
        return "RemoteCall[" + describe() + "]";
    }
}
