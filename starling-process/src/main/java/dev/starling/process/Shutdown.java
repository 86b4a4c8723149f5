package dev.starling.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ends a pool: a graceful shutdown, {@code shutdownNow}, or breaking it when workers cannot run. */
final class Shutdown {

    // The pool's logger, so that users configure one logger for everything a pool reports.
    private static final Logger LOG = LoggerFactory.getLogger(ProcessPool.class);

    private final PoolState state;
    private final PoolThreads threads;

    Shutdown(PoolState state, PoolThreads threads) {
        this.state = state;
        this.threads = threads;
    }

    /** See {@link ProcessPool#shutdown(boolean, boolean)}. */
    void graceful(boolean wait, boolean cancelFutures) {
        List<Job> cancelled = new ArrayList<>();
        List<WorkerProcess> closing = new ArrayList<>();
        state.lock.lock();
        try {
            if (state.runState == PoolState.RunState.RUNNING) {
                state.runState = PoolState.RunState.SHUTDOWN;
            }
            if (cancelFutures) {
                cancelled.addAll(state.queue);
                state.queue.clear();
            }
            if (state.queue.isEmpty()) {
                for (WorkerProcess worker : state.idle) {
                    worker.state = WorkerProcess.State.CLOSING;
                    closing.add(worker);
                }
                state.idle.clear();
            }
            state.checkTerminated();
        } finally {
            state.lock.unlock();
        }
        for (Job job : cancelled) {
            job.future.cancelQuietly();
            job.ended.complete(null);
        }
        for (WorkerProcess worker : closing) {
            worker.close();
        }
        if (wait && threads.onOwnThread()) {
            // Code chained on a future runs here, and this thread may be the one that must report a worker's
            // exit: waiting would wait for itself.
            LOG.debug("Process pool '{}' was closed from its own thread {}; it shuts down without waiting there.",
                    state.name, Thread.currentThread().getName());
        } else if (wait) {
            try {
                state.awaitTermination(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Ends the pool when the JVM exits while it still runs (Ctrl-C, SIGTERM, {@code System.exit}): no task is
     * accepted and no worker replaced from here on, idle workers are closed as in a shutdown, running and
     * queued tasks get {@code grace} to finish, and only then is what is left killed, with one line saying so.
     */
    void atJvmExit(Duration grace) {
        graceful(false, false);
        try {
            if (state.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int neverRan = now().size();
        LOG.warn("Process pool '{}' was still busy {} after the JVM began to exit; its workers were killed and {}"
                + " queued task(s) never ran.", state.name, grace, neverRan);
    }

    /** See {@link ProcessPool#shutdownNow()}. */
    List<Runnable> now() {
        List<Job> queued;
        List<Job> running = new ArrayList<>();
        List<WorkerProcess> killed;
        state.lock.lock();
        try {
            if (state.runState != PoolState.RunState.BROKEN) {
                state.runState = PoolState.RunState.STOP;
            }
            queued = state.takeQueue();
            killed = state.takeAllWorkers(running);
            state.checkTerminated();
        } finally {
            state.lock.unlock();
        }
        for (WorkerProcess worker : killed) {
            worker.kill();
        }
        for (Job job : running) {
            job.future.cancelQuietly();
        }
        List<Runnable> never = new ArrayList<>(queued.size());
        for (Job job : queued) {
            job.future.cancelQuietly();
            job.ended.complete(null);
            never.add(job::runHere);
        }
        return never;
    }

    /** Marks the pool broken, fails what waits and kills every worker. */
    void breakPool(String reason, Throwable cause) {
        List<Job> queued;
        List<Job> running = new ArrayList<>();
        List<WorkerProcess> killed;
        state.lock.lock();
        try {
            if (state.runState == PoolState.RunState.BROKEN || state.runState == PoolState.RunState.STOP) {
                return;
            }
            state.runState = PoolState.RunState.BROKEN;
            state.brokenReason = reason;
            state.brokenCause = cause;
            queued = state.takeQueue();
            killed = state.takeAllWorkers(running);
            state.checkTerminated();
        } finally {
            state.lock.unlock();
        }
        LOG.error("Process pool '{}' is broken: {}", state.name, reason, cause);
        for (WorkerProcess worker : killed) {
            worker.kill();
        }
        Job.end(queued);
        List<Job> failing = new ArrayList<>(queued);
        failing.addAll(running);
        for (Job job : failing) {
            state.failed.incrementAndGet();
            job.future.completeExceptionally(new RejectedExecutionException("Process pool '" + state.name
                    + "' broke before task " + job.taskClass + " finished: " + reason, cause));
        }
    }
}
