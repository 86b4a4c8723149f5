package dev.starling.internal.params;

import dev.starling.Request;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/** Calls one user method (a handler or a provider) with its bound arguments. */
@FunctionalInterface
public interface Invoker {

    /** Calls the method for {@code request} with {@code args}, returning what it returned. */
    Object invoke(Request request, Object[] args) throws Throwable;

    /**
     * Returns an invoker of {@code m} on {@code api} (ignored for a static method), through a method handle
     * made once; {@code where} names the method in the sentence of a failure.
     */
    static Invoker of(Object api, Method m, String where) {
        try {
            m.setAccessible(true);
        } catch (InaccessibleObjectException e) {
            throw new IllegalArgumentException(where + " cannot be called by Starling: its package is not open to "
                    + "module dev.starling; add 'opens " + m.getDeclaringClass().getPackageName()
                    + " to dev.starling;' to your module-info.", e);
        }
        MethodHandle handle;
        try {
            handle = MethodHandles.lookup().unreflect(m);
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException(where + " cannot be called by Starling: " + e.getMessage(), e);
        }
        if (!Modifier.isStatic(m.getModifiers())) {
            handle = handle.bindTo(api);
        }
        MethodHandle spread = handle.asSpreader(Object[].class, m.getParameterCount())
                .asType(MethodType.methodType(Object.class, Object[].class));
        Invoker invoker = (request, args) -> (Object) spread.invokeExact(args);
        Class<?> type = m.getReturnType();
        return CompletionStage.class.isAssignableFrom(type) || Flow.Publisher.class.isAssignableFrom(type)
                ? nonNull(invoker, where, type.getSimpleName()) : invoker;
    }

    /**
     * Returns {@code invoker} refusing a null result: a method declared to return a stage (or a publisher) that
     * returns null has a bug, which must fail as one (a 500 and an ERROR naming it), not pass for "no content".
     */
    static Invoker nonNull(Invoker invoker, String where, String type) {
        return (request, args) -> {
            Object result = invoker.invoke(request, args);
            if (result == null) {
                throw new IllegalStateException(where + " returned null instead of a " + type + "; return "
                        + "CompletableFuture.completedFuture(null) to answer 204 No Content.");
            }
            return result;
        };
    }
}
