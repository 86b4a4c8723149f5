package dev.starling.internal.concurrent;

import dev.starling.Observer;
import dev.starling.Observer.Outcome;
import dev.starling.Observer.Refusal;

/**
 * The timings of an offloaded task that others watch: its wait and run times and refusals for the pool's
 * observer, and the marks the watchdog reads on the worker that runs the call and on the loop that runs its
 * continuations. The times live in the task's own fields.
 */
final class TaskEvents {

    private TaskEvents() {
    }

    /** Notes when the task starts, when its pool has an observer to tell. */
    static void started(OffloadTask<?> task) {
        if (task.pool.observer() != null) {
            task.startedAt = System.nanoTime();
        }
    }

    /** Notes when the call begins to run, when the start was noted. */
    static void ran(OffloadTask<?> task) {
        if (task.startedAt != 0) {
            task.ranAt = System.nanoTime();
        }
    }

    /** Tells the observer, if any, how the task ended; {@code ran} says whether the call ever started. */
    static void ended(OffloadTask<?> task, Outcome outcome, boolean ran) {
        Observer observer = task.pool.observer();
        if (observer != null && task.startedAt != 0) {
            long now = System.nanoTime();
            long began = ran ? task.ranAt : now;
            Observers.ended(observer, task.pool.name(), Math.max(0, began - task.startedAt),
                    ran ? now - task.ranAt : 0, outcome);
        }
    }

    /** Tells the observer of {@code pool}, if any, that a task was refused. */
    static void refused(WorkerPool pool, Refusal reason) {
        Observer observer = pool.observer();
        if (observer != null) {
            Observers.refused(observer, pool.name(), reason);
        }
    }

    /** Tells the watchdog that {@code thread}, when it is a Starling worker, now runs the task's call. */
    static WorkerThread workerBegan(OffloadTask<?> task, Thread thread) {
        WorkerThread worker = thread instanceof WorkerThread w ? w : null;
        if (worker != null) {
            Scope scope = task.context.scope();
            worker.began(scope == null ? task.pool.label() : scope.routeName());
        }
        return worker;
    }

    /** Tells the watchdog that the call {@link #workerBegan} announced has returned. */
    static void workerEnded(WorkerThread worker) {
        if (worker != null) {
            worker.ended();
        }
    }

    /** Tells the watchdog of the current loop, if it has one, that the task's continuations start running. */
    static LoopProbe continuing(OffloadTask<?> task) {
        LoopProbe probe = LoopProbe.current();
        if (probe != null) {
            Scope scope = task.context.scope();
            probe.enter(scope == null ? null : scope.routeName());
        }
        return probe;
    }

    /** Tells the watchdog that the continuations {@link #continuing} announced have returned. */
    static void continued(LoopProbe probe) {
        if (probe != null) {
            probe.exit();
        }
    }
}
