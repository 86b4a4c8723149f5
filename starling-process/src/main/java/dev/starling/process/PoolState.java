package dev.starling.process;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A pool's bookkeeping: its settings, its workers, queue and run state (guarded by {@link #lock}), its counts,
 * and the moves of a job between the queue and a worker that need nothing but these.
 */
final class PoolState {

    enum RunState { RUNNING, SHUTDOWN, STOP, BROKEN }

    final String name;
    final int maxWorkers;
    final int maxQueued;
    final int maxTasksPerChild;
    final Duration taskTimeout;
    final long maxMessageBytes;
    private final ScheduledThreadPoolExecutor timer;
    private volatile Thread shutdownHook;
    final Set<Process> processes = ConcurrentHashMap.newKeySet();

    final ReentrantLock lock = new ReentrantLock();
    private final Condition terminatedCondition = lock.newCondition();
    final ArrayDeque<Job> queue = new ArrayDeque<>();
    // Used as a stack: the most recently used idle worker is first, so sequential work reuses one process.
    final ArrayDeque<WorkerProcess> idle = new ArrayDeque<>();
    final Set<WorkerProcess> workers = new LinkedHashSet<>();
    RunState runState = RunState.RUNNING;
    private boolean terminated;
    int starting;
    String brokenReason;
    Throwable brokenCause;
    long nextId;

    final AtomicLong completed = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong replaced = new AtomicLong();

    /** Starts the timeout timer when there is a task timeout. */
    PoolState(String name, int maxWorkers, int maxQueued, int maxTasksPerChild, Duration taskTimeout,
              long maxMessageBytes, PoolThreads threads) {
        this.name = name;
        this.maxWorkers = maxWorkers;
        this.maxQueued = maxQueued;
        this.maxTasksPerChild = maxTasksPerChild;
        this.taskTimeout = taskTimeout;
        this.maxMessageBytes = maxMessageBytes;
        if (taskTimeout != null) {
            timer = new ScheduledThreadPoolExecutor(1,
                    runnable -> threads.newThread("starling-process-" + name + "-timer", runnable));
            timer.setRemoveOnCancelPolicy(true);
        } else {
            timer = null;
        }
    }

    /**
     * Registers what the pool does when the JVM exits before the pool was shut down: {@code atExit} ends it
     * gracefully, and the hook kills whatever process is left after it, so no worker outlives its parent.
     */
    void onJvmExit(Runnable atExit) {
        shutdownHook = Thread.ofPlatform().name("starling-process-" + name + "-shutdown").unstarted(() -> {
            try {
                atExit.run();
            } finally {
                for (Process process : processes) {
                    process.toHandle().destroyForcibly();
                }
            }
        });
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    void rejectIfClosed(String taskClass) {
        lock.lock();
        try {
            if (runState == RunState.BROKEN) {
                throw new RejectedExecutionException("Process pool '" + name + "' is broken and refused task "
                        + taskClass + ": " + brokenReason, brokenCause);
            }
            if (runState != RunState.RUNNING) {
                throw new RejectedExecutionException("Process pool '" + name + "' is shut down and refused task "
                        + taskClass + ".");
            }
        } finally {
            lock.unlock();
        }
    }

    /** Lock held: gives {@code job} to {@code worker} and starts its timeout clock. */
    void assign(WorkerProcess worker, Job job) {
        worker.state = WorkerProcess.State.BUSY;
        worker.current = job;
        worker.occupant = job;
        job.worker = worker;
        job.deliveries++;
        if (timer != null) {
            job.timeout = timer.schedule(() -> timedOut(worker, job), taskTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Lock held: hands {@code worker}, which just became free, the next queued task, or parks it, or decides
     * it should exit; returns the job to send, if any.
     */
    Job nextFor(WorkerProcess worker, List<Job> ended) {
        if (maxTasksPerChild > 0 && worker.tasksDone >= maxTasksPerChild) {
            worker.state = WorkerProcess.State.CLOSING;
            return null;
        }
        Job job;
        while ((job = queue.pollFirst()) != null) {
            if (!job.future.isDone()) {
                assign(worker, job);
                return job;
            }
            // Completed while queued (cancelled, or completed by its holder): it never runs.
            ended.add(job);
        }
        if (runState == RunState.RUNNING) {
            worker.state = WorkerProcess.State.IDLE;
            idle.addFirst(worker);
        } else {
            worker.state = WorkerProcess.State.CLOSING;
        }
        return null;
    }

    /** Lock held: empties the queue, and the idle list since no worker takes work any more; returns what waited. */
    List<Job> takeQueue() {
        List<Job> queued = new ArrayList<>(queue);
        queue.clear();
        idle.clear();
        return queued;
    }

    /**
     * Lock held: marks every worker killed and returns them, moving the jobs whose outcome they owe to
     * {@code running}; their runs end (see {@link ProcessPool#whenEnded}) when the workers exit.
     */
    List<WorkerProcess> takeAllWorkers(List<Job> running) {
        List<WorkerProcess> all = new ArrayList<>(workers);
        for (WorkerProcess worker : all) {
            worker.state = WorkerProcess.State.KILLED;
            Job job = worker.current;
            worker.current = null;
            if (job != null) {
                if (job.timeout != null) {
                    job.timeout.cancel(false);
                }
                running.add(job);
            }
        }
        return all;
    }

    private void timedOut(WorkerProcess worker, Job job) {
        lock.lock();
        try {
            if (worker.current != job || worker.state != WorkerProcess.State.BUSY) {
                return;
            }
            worker.current = null;
            worker.state = WorkerProcess.State.KILLED;
        } finally {
            lock.unlock();
        }
        worker.kill();
        failed.incrementAndGet();
        job.future.completeExceptionally(new TaskTimeoutException("Task " + job.taskClass + " ran longer than "
                + taskTimeout + " in worker pid " + worker.pid + " of process pool '" + name + "'; the worker was"
                + " killed and will be replaced.", worker.pid, taskTimeout));
    }

    /** Called when a task's future was cancelled. */
    void cancelled(Job job, boolean mayInterruptIfRunning) {
        WorkerProcess kill = null;
        boolean ended = false;
        lock.lock();
        try {
            WorkerProcess worker = job.worker;
            if (worker == null) {
                queue.remove(job);
                checkTerminated();
                ended = true;
            } else if (mayInterruptIfRunning && worker.current == job && worker.state == WorkerProcess.State.BUSY) {
                worker.current = null;
                worker.state = WorkerProcess.State.KILLED;
                if (job.timeout != null) {
                    job.timeout.cancel(false);
                }
                kill = worker;
            }
        } finally {
            lock.unlock();
        }
        if (kill != null) {
            kill.kill();
        }
        if (ended) {
            job.ended.complete(null);
        }
    }

    /** Lock held: records termination once nothing is left to run or exit. */
    void checkTerminated() {
        if (terminated || runState == RunState.RUNNING || !queue.isEmpty() || !workers.isEmpty() || starting > 0) {
            return;
        }
        terminated = true;
        terminatedCondition.signalAll();
        if (timer != null) {
            timer.shutdownNow();
        }
        try {
            if (shutdownHook != null) {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            }
        } catch (IllegalStateException ignored) {
            // The JVM is already exiting; the hook finds no process left.
        }
    }

    /** Returns true once shutdown has begun or the pool is broken. */
    boolean isShutdown() {
        lock.lock();
        try {
            return runState != RunState.RUNNING;
        } finally {
            lock.unlock();
        }
    }

    /** Returns true once the pool is shut down, its queue is empty and all its workers have exited. */
    boolean isTerminated() {
        lock.lock();
        try {
            return terminated;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the pool is terminated or the time is up; returns whether it terminated. */
    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (!terminated) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = terminatedCondition.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the number of live worker processes, including ones starting or exiting. */
    int workerCount() {
        lock.lock();
        try {
            return workers.size();
        } finally {
            lock.unlock();
        }
    }

    /** Returns the process ids of the live workers. */
    List<Long> pids() {
        lock.lock();
        try {
            return workers.stream().map(worker -> worker.pid).toList();
        } finally {
            lock.unlock();
        }
    }

    /** Returns how many tasks wait for a worker. */
    int queuedCount() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }
}
