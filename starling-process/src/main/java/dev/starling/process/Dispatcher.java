package dev.starling.process;

import java.io.IOException;
import java.io.NotSerializableException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Takes tasks in: serializes them, queues them or hands them to an idle worker, and writes them to workers. */
final class Dispatcher {

    // The pool's logger, so that users configure one logger for everything a pool reports.
    private static final Logger LOG = LoggerFactory.getLogger(ProcessPool.class);
    /** How often a task is handed to a worker found dead before it could take it, before the task fails. */
    static final int MAX_DELIVERIES = 3;

    private final PoolState state;
    private final PoolFilter filter;

    Dispatcher(PoolState state, PoolFilter filter) {
        this.state = state;
        this.filter = filter;
    }

    /** Submits {@code task}, whose future completes with the result the worker sends back. */
    <T> TaskFuture<T> submit(Object task) {
        return enqueue(task, false, null);
    }

    /** Submits {@code task}, whose future completes with {@code result}, which stays in this JVM. */
    <T> TaskFuture<T> submitWithLocalResult(Runnable task, T result) {
        return enqueue(task, true, result);
    }

    private <T> TaskFuture<T> enqueue(Object task, boolean fixed, Object fixedResult) {
        Objects.requireNonNull(task, "A process pool runs tasks, not null.");
        String taskClass = ProcessPool.describe(task);
        state.rejectIfClosed(taskClass);
        TaskFuture<T> future = new TaskFuture<>(state);
        byte[] payload;
        Set<String> packages = new LinkedHashSet<>();
        try {
            payload = Frames.serialize(task, packages);
        } catch (NotSerializableException e) {
            String hint = task instanceof Runnable && !(task instanceof Serializable)
                    ? " A lambda becomes serializable when its target is SerializableCallable, e.g."
                    + " pool.submit(() -> { work(); return null; })."
                    : "";
            future.completeExceptionally(new UncheckedIOException("Task " + taskClass + " cannot be sent to"
                    + " process pool '" + state.name + "': class " + e.getMessage() + " is not serializable." + hint,
                    e));
            return future;
        } catch (IOException | RuntimeException e) {
            future.completeExceptionally(new UncheckedIOException("Task " + taskClass + " cannot be sent to"
                    + " process pool '" + state.name + "': its serialization failed with " + e + ".",
                    e instanceof IOException io ? io : new IOException(e)));
            return future;
        }
        if (payload.length > state.maxMessageBytes) {
            future.completeExceptionally(new UncheckedIOException("Task " + taskClass + " serializes to "
                    + payload.length + " bytes, more than the " + state.maxMessageBytes + " bytes process pool '"
                    + state.name + "' allows; raise Builder.maxMessageBytes or send less.",
                    new IOException("message too large")));
            return future;
        }
        Job job;
        WorkerProcess worker;
        state.lock.lock();
        try {
            state.rejectIfClosed(taskClass);
            filter.allowPackages(packages);
            if (state.idle.isEmpty() && state.queue.size() >= state.maxQueued) {
                throw new RejectedExecutionException("Process pool '" + state.name + "' refused task " + taskClass
                        + " because its queue is full: " + state.queue.size() + " tasks already wait for its "
                        + state.workers.size() + " busy workers, and its maxQueued is " + state.maxQueued + ".");
            }
            job = new Job(state.nextId++, taskClass, task, payload, future, fixed, fixedResult);
            future.job = job;
            if (future.isDone()) {
                // Cancelled while it was being serialized: it never runs.
                job.ended.complete(null);
                return future;
            }
            worker = state.idle.pollFirst();
            if (worker != null) {
                state.assign(worker, job);
            } else {
                state.queue.addLast(job);
            }
        } finally {
            state.lock.unlock();
        }
        if (worker != null) {
            send(worker, job);
        }
        return future;
    }

    /**
     * Outside the lock: writes the task to its worker. A worker whose stdin is gone died before it could read
     * the task (it had died idle and was not reaped yet): the task, which never started, goes back to the head
     * of the queue, at most {@link #MAX_DELIVERIES} times.
     */
    void send(WorkerProcess worker, Job job) {
        while (worker != null && job != null && !worker.send(new Frames.Frame(Frames.TASK, job.id,
                filter.specBytes(), job.payload))) {
            boolean fail = false;
            WorkerProcess closing = null;
            List<Job> ended = new ArrayList<>(1);
            WorkerProcess dead = worker;
            worker = null;
            Job undelivered = job;
            job = null;
            state.lock.lock();
            try {
                if (dead.current != undelivered || dead.state != WorkerProcess.State.BUSY) {
                    // Cancelled or timed out meanwhile: its future is settled; the run never began.
                    if (dead.occupant == undelivered) {
                        dead.occupant = null;
                        ended.add(undelivered);
                    }
                } else {
                    dead.current = null;
                    dead.occupant = null;
                    dead.state = WorkerProcess.State.KILLED;
                    undelivered.worker = null;
                    if (undelivered.timeout != null) {
                        undelivered.timeout.cancel(false);
                        undelivered.timeout = null;
                    }
                    if (undelivered.deliveries >= MAX_DELIVERIES || state.runState == PoolState.RunState.STOP
                            || state.runState == PoolState.RunState.BROKEN) {
                        fail = true;
                        ended.add(undelivered);
                    } else {
                        state.queue.addFirst(undelivered);
                        worker = state.idle.pollFirst();
                        if (worker != null) {
                            job = state.nextFor(worker, ended);
                            if (job == null && worker.state == WorkerProcess.State.CLOSING) {
                                closing = worker;
                            }
                        }
                    }
                }
            } finally {
                state.lock.unlock();
            }
            LOG.warn("Worker pid {} of process pool '{}' was gone before it could take task {}; {}", dead.pid,
                    state.name, undelivered.taskClass,
                    fail ? "the task fails." : "the task goes back to the head of the queue.");
            if (fail) {
                state.failed.incrementAndGet();
                undelivered.future.completeExceptionally(new WorkerDiedException("Task " + undelivered.taskClass
                        + " never started in process pool '" + state.name + "': the " + undelivered.deliveries
                        + " workers it was handed to, the last one pid " + dead.pid + ", had died before they could"
                        + " take it.", dead.pid, -1));
            }
            if (closing != null) {
                closing.close();
            }
            Job.end(ended);
        }
    }
}
