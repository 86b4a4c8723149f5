package dev.starling.internal.concurrent;

import java.util.Map;
import org.slf4j.MDC;

/**
 * The caller's context that an offloaded task carries: the {@link Context} (with the request's scope) and the
 * SLF4J MDC, snapshotted when the task is made, in place around the call on the worker and around the
 * continuations on the loop, and restored afterwards, so nothing set there flows back. The snapshot is the
 * task's own two fields; this class keeps no state per task.
 */
final class CarriedContext {

    private CarriedContext() {
    }

    /** Returns a copy of the current thread's MDC, or null when it has none or it is empty. */
    static Map<String, String> mdcSnapshot() {
        Map<String, String> copy = MDC.getCopyOfContextMap();
        return copy == null || copy.isEmpty() ? null : copy;
    }

    /** Returns the task running on the current thread, or null. */
    static OffloadTask<?> currentTask() {
        return ThreadState.current().task;
    }

    /**
     * Calls the task's callable on this thread with the caller's context, the caller's MDC and the task as the
     * current task, and puts this thread's own back afterwards.
     */
    static <T> T call(OffloadTask<T> task, Thread thread) throws Exception {
        ThreadState state = ThreadState.current();
        Context previousContext = state.context;
        OffloadTask<?> previousTask = state.task;
        state.context = task.context;
        state.task = task;
        // A thread made for one task (and the waiters it runs after it) starts with no MDC, inheriting none
        // (WorkerPool), and has none of its own to keep: reading it first would only fill its locals.
        boolean fresh = task.pool.threadPerTask();
        Map<String, String> previousMdc = null;
        if (!fresh) {
            previousMdc = swapMdc(task.mdc);
        } else if (task.mdc != null) {
            MDC.setContextMap(task.mdc);
        }
        WorkerThread worker = TaskEvents.workerBegan(task, thread);
        try {
            return task.fn.call();
        } finally {
            TaskEvents.workerEnded(worker);
            if (!fresh) {
                swapMdc(previousMdc);
            } else if (mdcSnapshot() != null) {
                MDC.clear();   // empty again for the next waiter this thread may run
            }
            state.task = previousTask;
            state.context = previousContext;
        }
    }

    private static Map<String, String> swapMdc(Map<String, String> replacement) {
        Map<String, String> previous = mdcSnapshot();
        // Most requests set no MDC: clearing an empty one is a ThreadLocal.remove per hop for nothing (3.8% of
        // case B's samples, see starling-bench/results/2026-12-03-issue17-B-jfr.md).
        if (replacement != null) {
            MDC.setContextMap(replacement);
        } else if (previous != null) {
            MDC.clear();
        }
        return previous;
    }

    /**
     * Puts the caller's context in place for the task's continuations when they run on the caller's loop, so
     * that work they offload in turn still belongs to the request; returns what {@link #exitOnLoop} restores.
     */
    static Context enterOnLoop(OffloadTask<?> task) {
        return task.loop != null ? Context.set(task.context) : null;
    }

    /** Restores the context that {@link #enterOnLoop} replaced. */
    static void exitOnLoop(OffloadTask<?> task, Context previous) {
        if (task.loop != null) {
            Context.set(previous);
        }
    }

    /** Tells the request scope in the task's context of the task; returns false when the context has none. */
    static boolean track(OffloadTask<?> task) {
        Scope scope = task.context.scope();
        if (scope == null) {
            return false;
        }
        scope.track(task);
        return true;
    }

    /** Tells the request scope in the task's context, if there is one, that the task has finished. */
    static void untrack(OffloadTask<?> task) {
        Scope scope = task.context.scope();
        if (scope != null) {
            scope.untrack(task);
        }
    }
}
