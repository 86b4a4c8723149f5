package dev.starling.process;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a pool's workers, takes what they send (the handshake, then each task's outcome), and reports their
 * exits: the task a dead worker ran fails, and the worker is replaced while the pool still needs it.
 */
final class WorkerLifecycle {

    // The pool's logger, so that users configure one logger for everything a pool reports.
    private static final Logger LOG = LoggerFactory.getLogger(ProcessPool.class);

    private final PoolState state;
    private final PoolFilter filter;
    private final WorkerLaunch launch;
    private final Dispatcher dispatcher;
    private final Replies replies;
    private final Shutdown shutdown;
    private final PoolThreads threads;
    private final LongConsumer exitHook;

    /** {@code exitHook} runs on a watcher thread after its worker exited, before the exit is reported. */
    WorkerLifecycle(PoolState state, PoolFilter filter, WorkerLaunch launch, Dispatcher dispatcher, Replies replies,
                    Shutdown shutdown, PoolThreads threads, LongConsumer exitHook) {
        this.state = state;
        this.filter = filter;
        this.launch = launch;
        this.dispatcher = dispatcher;
        this.replies = replies;
        this.shutdown = shutdown;
        this.threads = threads;
        this.exitHook = exitHook;
    }

    /** Starts the pool's {@code maxWorkers} workers, without waiting for them. */
    void startAll() {
        state.lock.lock();
        try {
            state.starting = state.maxWorkers;
        } finally {
            state.lock.unlock();
        }
        for (int i = 0; i < state.maxWorkers; i++) {
            startWorker();
        }
    }

    /** Starts one worker; the caller has counted it in {@code starting}. */
    private void startWorker() {
        Process process;
        try {
            process = new ProcessBuilder(launch.command).redirectError(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException | RuntimeException e) {
            state.lock.lock();
            try {
                state.starting--;
            } finally {
                state.lock.unlock();
            }
            shutdown.breakPool("it could not start a worker process with " + launch.command.get(0) + ": "
                    + e.getMessage() + ".", e);
            return;
        }
        WorkerProcess worker = new WorkerProcess(this, threads, process);
        state.processes.add(process);
        boolean kill;
        state.lock.lock();
        try {
            state.starting--;
            state.workers.add(worker);
            kill = state.runState == PoolState.RunState.STOP || state.runState == PoolState.RunState.BROKEN;
            if (kill) {
                worker.state = WorkerProcess.State.KILLED;
            }
        } finally {
            state.lock.unlock();
        }
        worker.startThreads(state.name, 2 * state.maxMessageBytes + (1 << 20));
        if (kill) {
            worker.kill();
        } else {
            worker.send(new Frames.Frame(Frames.INIT, 0, filter.specBytes(), launch.initializer));
        }
    }

    /** Called by a worker's reader thread for every frame the worker sends. */
    void received(WorkerProcess worker, Frames.Frame frame) {
        switch (frame.kind()) {
            case Frames.READY -> ready(worker);
            case Frames.INIT_FAILED -> {
                Throwable error = replies.decodeFailure(worker, frame, "the initializer's exception");
                shutdown.breakPool("the initializer " + launch.initializerClass + " failed in worker pid "
                        + worker.pid + " with " + error + ".", error);
            }
            case Frames.RESULT, Frames.FAILURE -> finished(worker, frame);
            default -> throw new IllegalStateException("Worker pid " + worker.pid + " of process pool '"
                    + state.name + "' sent a frame of unknown kind " + frame.kind() + ".");
        }
    }

    private void ready(WorkerProcess worker) {
        Job job = null;
        boolean close = false;
        List<Job> ended = new ArrayList<>(0);
        state.lock.lock();
        try {
            if (worker.state != WorkerProcess.State.STARTING) {
                return;
            }
            job = state.nextFor(worker, ended);
            close = worker.state == WorkerProcess.State.CLOSING;
        } finally {
            state.lock.unlock();
        }
        Job.end(ended);
        if (job != null) {
            dispatcher.send(worker, job);
        } else if (close) {
            worker.close();
        }
    }

    private void finished(WorkerProcess worker, Frames.Frame frame) {
        Job job;
        Job next = null;
        boolean close = false;
        List<Job> ended = new ArrayList<>(1);
        state.lock.lock();
        try {
            job = worker.current;
            if (worker.state != WorkerProcess.State.BUSY || job == null || job.id != frame.id()) {
                // Killed for a timeout or cancel: the task's future is already settled, and its run ends when
                // the worker has exited.
                return;
            }
            worker.current = null;
            worker.occupant = null;
            worker.tasksDone++;
            ended.add(job);
            if (job.timeout != null) {
                job.timeout.cancel(false);
            }
            next = state.nextFor(worker, ended);
            close = worker.state == WorkerProcess.State.CLOSING;
        } finally {
            state.lock.unlock();
        }
        if (next != null) {
            dispatcher.send(worker, next);
        } else if (close) {
            worker.close();
        }
        // The run is over once its outcome arrived: whenEnded completes before the future, so whoever sees the
        // result also sees the run ended.
        Job.end(ended);
        replies.complete(worker, job, frame);
    }

    /** Called by a worker's watcher thread once its process has exited, before {@link #exited}. */
    void beforeExitReported(long pid) {
        exitHook.accept(pid);
    }

    /** Called once, by a worker's watcher thread, when the worker's process has exited. */
    void exited(WorkerProcess worker, int exitCode) {
        state.processes.remove(worker.process);
        Job job;
        Job ran;
        WorkerProcess.State workerState;
        boolean replace;
        state.lock.lock();
        try {
            state.workers.remove(worker);
            state.idle.remove(worker);
            workerState = worker.state;
            job = worker.current;
            worker.current = null;
            ran = worker.occupant;
            worker.occupant = null;
            worker.state = WorkerProcess.State.KILLED;
            if (job != null && job.timeout != null) {
                job.timeout.cancel(false);
            }
            boolean wanted = state.runState == PoolState.RunState.RUNNING
                    || (state.runState == PoolState.RunState.SHUTDOWN && !state.queue.isEmpty());
            replace = workerState != WorkerProcess.State.STARTING && wanted
                    && state.workers.size() + state.starting < state.maxWorkers;
            if (replace) {
                state.starting++;
            }
            state.checkTerminated();
        } finally {
            state.lock.unlock();
        }
        try {
            reportExit(worker, exitCode, job, workerState, replace);
        } finally {
            if (ran != null) {
                ran.ended.complete(null);
            }
        }
    }

    private void reportExit(WorkerProcess worker, int exitCode, Job job, WorkerProcess.State workerState,
                            boolean replace) {
        if (workerState == WorkerProcess.State.STARTING) {
            String tail = worker.stderrTail();
            shutdown.breakPool("worker pid " + worker.pid + " exited with code " + exitCode + " before it was ready"
                    + (tail.isEmpty() ? "." : "; its last output on stderr was:\n" + tail + "\n(end of output)."),
                    null);
            return;
        }
        if (job != null && workerState == WorkerProcess.State.BUSY) {
            state.failed.incrementAndGet();
            String tail = worker.stderrTail();
            int newline = tail.lastIndexOf('\n');
            String lastLine = newline < 0 ? tail : tail.substring(newline + 1);
            job.future.completeExceptionally(new WorkerDiedException("Worker pid " + worker.pid + " of process pool '"
                    + state.name + "' died with exit code " + describe(exitCode) + " while it ran task "
                    + job.taskClass + (lastLine.isEmpty() ? "." : "; its last line on stderr was \"" + lastLine
                    + "\"."), worker.pid, exitCode));
        }
        if (workerState == WorkerProcess.State.BUSY || workerState == WorkerProcess.State.IDLE) {
            LOG.warn("Worker pid {} of process pool '{}' exited with code {}{}.", worker.pid, state.name,
                    describe(exitCode), replace ? "; starting a new one" : "");
        }
        if (replace) {
            state.replaced.incrementAndGet();
            startWorker();
        }
    }

    private static String describe(int exitCode) {
        return exitCode > 128 && exitCode < 160 ? exitCode + " (signal " + (exitCode - 128) + ")" : "" + exitCode;
    }
}
