package dev.starling.internal.concurrent;

import dev.starling.concurrent.SerializableCallable;
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

    RemoteCall(Callable<? extends T> task, Map<String, String> mdc, Context context) {
        this.task = task;
        this.mdc = mdc == null || mdc.isEmpty() ? null : new HashMap<>(mdc);
        HashMap<String, Serializable> portable = context.portableValues();
        this.values = portable.isEmpty() ? null : portable;
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
