package dev.starling.process;

import dev.starling.concurrent.RemoteExecutor;
import dev.starling.concurrent.SerializableCallable;
import java.io.ObjectInputFilter;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool of worker JVMs that run serialized tasks: Python's {@code ProcessPoolExecutor}, better at failures.
 *
 * <p>Workers are started when the pool is built, with the parent's {@code java} and class path, and talk
 * to the pool only over their stdin and stdout. A task is serialized in the caller's thread, so a task that
 * cannot be serialized fails its future at once, naming the class; its result or exception comes back with
 * its own type and the worker's stack trace. A worker that dies (exit, halt, out of memory, a signal) fails
 * only the task it ran, with {@link WorkerDiedException}, and is replaced; queued tasks go on. The pool
 * breaks only when workers cannot start or the initializer throws; then every submission is rejected with
 * the reason.
 *
 * <p>Submitting throws {@link RejectedExecutionException} after shutdown, when the pool is broken, or when
 * {@link Builder#maxQueued(int) maxQueued} tasks already wait (the message names the pool and the bound);
 * serialization problems fail the returned future instead, with an {@link UncheckedIOException} whose
 * message names the class, and so does any failure to read a result back, an {@link Error} included. Futures
 * complete on the pool's own threads (a worker's reader, watcher or the timeout timer), so keep code chained
 * on them short; {@link #close()} and {@link #shutdown(boolean, boolean)} called there do not wait.
 *
 * <p>{@code future.cancel(true)} removes a queued task, and kills the worker of a running one (the pool
 * replaces it); {@code cancel(false)} of a running task lets it finish and drops the result.
 * {@link #whenEnded} tells when a task no longer runs anywhere.
 *
 * <p>A worker's death is its process's exit, not the end of its stdout: a task that started a child process
 * sharing the worker's stdout still fails with {@link WorkerDiedException} when the worker dies, and the
 * worker is replaced. That worker's reader thread then lingers, a daemon blocked on the pipe, until the child
 * closes it; it holds up neither {@link #close()} nor {@link #awaitTermination}. A task handed to an idle
 * worker found dead before it could read the task never started: it goes back to the head of the queue, at
 * most three times.
 *
 * <pre>{@code
 * try (ProcessPool pool = ProcessPool.builder().maxWorkers(2).taskTimeout(Duration.ofMinutes(1)).build()) {
 *     long primes = pool.submit(() -> Primes.count(10_000_000)).join();
 * }
 * }</pre>
 */
public final class ProcessPool implements ExecutorService, RemoteExecutor {

    /**
     * Work run once in every worker before its first task, such as loading a model; it must be serializable,
     * which a lambda whose target is this interface is.
     */
    @FunctionalInterface
    public interface Initializer extends Serializable {

        /** Prepares the worker; an exception breaks the pool. */
        void run() throws Exception;
    }

    private static final Logger LOG = LoggerFactory.getLogger(ProcessPool.class);
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final String name;
    private final PoolThreads threads = new PoolThreads();
    private final PoolState state;
    private final Dispatcher dispatcher;
    private final Shutdown shutdown;
    /** Tests only: runs on a watcher thread after its worker exited, before the exit is reported. */
    volatile LongConsumer exitHookForTests;

    private ProcessPool(Builder builder) {
        this.name = builder.name != null ? builder.name : "pool-" + POOLS.incrementAndGet();
        PoolFilter filter = new PoolFilter(builder.allowed);
        WorkerLaunch launch = new WorkerLaunch(name, builder.jvmOptions, builder.maxMessageBytes,
                builder.initializer, filter);
        this.state = new PoolState(name, builder.maxWorkers,
                builder.maxQueued > 0 ? builder.maxQueued : 64 * builder.maxWorkers, builder.maxTasksPerChild,
                builder.taskTimeout, builder.maxMessageBytes, threads);
        this.dispatcher = new Dispatcher(state, filter);
        this.shutdown = new Shutdown(state, threads);
        Duration exitGrace = builder.exitGrace;
        state.onJvmExit(() -> shutdown.atJvmExit(exitGrace));
        new WorkerLifecycle(state, filter, launch, dispatcher, new Replies(state, filter), shutdown, threads,
                this::beforeExitReported).startAll();
        // While the workers start: the first task is then not the one to set up serialization, on a loop.
        Frames.prepare();
    }

    /** Returns a builder with the defaults of {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a pool with every default: one worker per available processor. */
    public static ProcessPool create() {
        return builder().build();
    }

    private void beforeExitReported(long pid) {
        LongConsumer hook = exitHookForTests;
        if (hook != null) {
            hook.accept(pid);
        }
    }

    // ---- ExecutorService and RemoteExecutor ----------------------------------------------------------------

    /**
     * Sends {@code task} to a worker and returns a future of its result; see the class comment for what
     * fails the future and what is thrown.
     */
    @Override
    public <T> CompletableFuture<T> submit(SerializableCallable<T> task) {
        return dispatcher.submit(task);
    }

    /**
     * Returns a stage that completes once the task behind {@code submitted} no longer runs in any worker: at
     * once for a task that completed (with its result or a failure read from its worker) or that was cancelled
     * or failed before it reached a worker; after {@code cancel(true)} of a running task, a timeout, or
     * {@link #shutdownNow()}, only once the killed worker process has exited; after {@code cancel(false)} of
     * a running task, when its run finishes in the worker (its result is dropped) or the worker exits. A
     * future this pool did not return is its own stage, as in the default.
     */
    @Override
    public CompletionStage<?> whenEnded(CompletableFuture<?> submitted) {
        if (submitted instanceof TaskFuture<?> future && future.pool == state) {
            Job job = future.job;
            if (job != null) {
                return job.ended.minimalCompletionStage();
            }
            // Never queued: it failed at submission (serialization, size), so it never ran.
        }
        return submitted;
    }

    /** Like {@link #submit(SerializableCallable)}; the future fails at once when {@code task} is not serializable. */
    @Override
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        return dispatcher.submit(task);
    }

    /** Runs {@code task} in a worker; the future completes with null, or fails when it is not serializable. */
    @Override
    public CompletableFuture<?> submit(Runnable task) {
        return dispatcher.submit(task);
    }

    /** Runs {@code task} in a worker; the future completes with {@code result}, which stays in this JVM. */
    @Override
    public <T> CompletableFuture<T> submit(Runnable task, T result) {
        return dispatcher.submitWithLocalResult(task, result);
    }

    /** Runs {@code command} in a worker; a failure is logged, as nobody holds a future to see it. */
    @Override
    public void execute(Runnable command) {
        dispatcher.submit(command).whenComplete((ignored, error) -> {
            if (error != null && !(error instanceof CancellationException)) {
                LOG.warn("A task given to execute() on process pool '{}' failed.", name, error);
            }
        });
    }

    /** Runs every task and waits until all are done; tasks that cannot be serialized fail their own future. */
    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        return invokeAll(tasks, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    }

    /** Runs every task and waits until all are done or the time is up; unfinished ones are cancelled. */
    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        return Invocations.invokeAll(this, tasks, timeout, unit);
    }

    /** Returns the result of a task that succeeded, cancelling the others; throws when all failed. */
    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return invokeAny(tasks, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("invokeAny without a timeout timed out.", e);
        }
    }

    /** Returns the result of a task that succeeded in time, cancelling the others. */
    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return Invocations.invokeAny(this, tasks, timeout, unit);
    }

    /** Returns the pool's name, used in thread names, log lines and error messages. */
    @Override
    public String name() {
        return name;
    }

    // ---- Shutdown ------------------------------------------------------------------------------------------

    /** Lets queued and running tasks finish, refuses new ones, and returns at once. */
    @Override
    public void shutdown() {
        shutdown(false, false);
    }

    /**
     * Refuses new tasks like Python's {@code Executor.shutdown}: with {@code cancelFutures} the queued tasks
     * are cancelled (running ones finish), and with {@code wait} this returns once every worker has exited.
     */
    public void shutdown(boolean wait, boolean cancelFutures) {
        shutdown.graceful(wait, cancelFutures);
    }

    /**
     * Kills every worker and cancels every task: the futures of running and of queued tasks complete with
     * {@link CancellationException}. Returns the queued tasks, which never started, as the
     * {@code ExecutorService} contract asks: running a returned runnable runs its task in the calling thread,
     * but its future stays cancelled, so its result is dropped.
     */
    @Override
    public List<Runnable> shutdownNow() {
        return shutdown.now();
    }

    /**
     * Shuts down and waits until every worker has exited, like {@code shutdown(true, false)}; called on one of
     * the pool's own threads (code chained on a task's future), it shuts down without waiting.
     */
    @Override
    public void close() {
        shutdown(true, false);
    }

    /** Returns true once shutdown has begun or the pool is broken. */
    @Override
    public boolean isShutdown() {
        return state.isShutdown();
    }

    /** Returns true once the pool is shut down, its queue is empty and all its workers have exited. */
    @Override
    public boolean isTerminated() {
        return state.isTerminated();
    }

    /** Waits until the pool is terminated or the time is up; returns whether it terminated. */
    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return state.awaitTermination(timeout, unit);
    }

    // ---- Observability -------------------------------------------------------------------------------------

    /** Returns the number of live worker processes, including ones starting or exiting. */
    public int workers() {
        return state.workerCount();
    }

    /** Returns the process ids of the live workers. */
    public List<Long> pids() {
        return state.pids();
    }

    /** Returns how many tasks wait for a worker. */
    public int queued() {
        return state.queuedCount();
    }

    /** Returns the number of tasks that returned a result. */
    public long completedTasks() {
        return state.completed.get();
    }

    /** Returns the number of tasks that failed, timed out or lost their worker (cancellations excluded). */
    public long failedTasks() {
        return state.failed.get();
    }

    /** Returns the number of workers started to replace one that died, was killed or was retired. */
    public long replacedWorkers() {
        return state.replaced.get();
    }

    /** Returns the pool's name, worker count and queue length, for logs. */
    @Override
    public String toString() {
        return "ProcessPool[" + name + ", " + workers() + " workers, " + queued() + " queued]";
    }

    /** Names a task in messages: the user's class, also when Starling wrapped it with its context. */
    static String describe(Object task) {
        return task instanceof SerializableCallable<?> callable ? callable.describe() : task.getClass().getName();
    }

    // ---- Builder -------------------------------------------------------------------------------------------

    /**
     * Settings of a {@link ProcessPool}; {@link #build()} starts the workers.
     *
     * <p>Defaults: one worker per available processor, {@code 64 × maxWorkers} queued tasks, workers never
     * retired, no task timeout, no initializer, 64 MiB messages, and the JVM options
     * {@code -XX:+ExitOnOutOfMemoryError -XX:+DisplayVMOutputToStderr -Xlog:disable -Xlog:all=warning:stderr
     * -XX:+UseSerialGC -Xshare:auto}. Options that make the VM write to stdout (such as {@code -Xlog} with
     * {@code :stdout}) corrupt the protocol: the worker is then killed and replaced.
     */
    public static final class Builder {

        private String name;
        private int maxWorkers = Runtime.getRuntime().availableProcessors();
        private int maxQueued;
        private int maxTasksPerChild;
        private Duration taskTimeout;
        private Duration exitGrace = Duration.ofSeconds(10);
        private Initializer initializer;
        private long maxMessageBytes = 64L << 20;
        private final List<String> jvmOptions = new ArrayList<>();
        private final List<String> allowed = new ArrayList<>();

        private Builder() {
        }

        /** Sets the name used in thread names, log lines and messages; default {@code pool-N}. */
        public Builder name(String name) {
            if (name == null || name.isBlank() || name.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("A process pool's name must be a non-empty word, not '" + name
                        + "'.");
            }
            this.name = name;
            return this;
        }

        /** Sets how many worker processes run; they are all started by {@link #build()}. */
        public Builder maxWorkers(int maxWorkers) {
            if (maxWorkers < 1) {
                throw new IllegalArgumentException("A process pool needs at least one worker, not " + maxWorkers
                        + ".");
            }
            this.maxWorkers = maxWorkers;
            return this;
        }

        /**
         * Sets how many tasks may wait for a worker, at least one; past it {@code submit} throws
         * {@link RejectedExecutionException}; default 64 × maxWorkers.
         */
        public Builder maxQueued(int maxQueued) {
            if (maxQueued < 1) {
                throw new IllegalArgumentException("maxQueued must be at least one, not " + maxQueued
                        + "; a process pool's queue is always bounded.");
            }
            this.maxQueued = maxQueued;
            return this;
        }

        /** Replaces a worker with a new process after it ran this many tasks; 0 (the default) never does. */
        public Builder maxTasksPerChild(int maxTasksPerChild) {
            if (maxTasksPerChild < 0) {
                throw new IllegalArgumentException("maxTasksPerChild must be zero (no limit) or more, not "
                        + maxTasksPerChild + ".");
            }
            this.maxTasksPerChild = maxTasksPerChild;
            return this;
        }

        /**
         * Kills a worker whose task runs longer than {@code timeout} and fails the task with
         * {@link TaskTimeoutException}; null (the default) means no limit.
         */
        public Builder taskTimeout(Duration timeout) {
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("A task timeout must be positive, not " + timeout + ".");
            }
            this.taskTimeout = timeout;
            return this;
        }

        /**
         * Sets how long running and queued tasks may take to finish when the JVM exits while the pool still runs
         * (Ctrl-C, SIGTERM, {@code System.exit}); the workers still busy after it are killed; default 10 s. A pool
         * closed by the application before the JVM exits (in an {@code onShutdown} hook, say) is not affected.
         */
        public Builder exitGrace(Duration grace) {
            if (grace == null || grace.isNegative()) {
                throw new IllegalArgumentException("An exit grace must be zero or positive, not " + grace + ".");
            }
            this.exitGrace = grace;
            return this;
        }

        /** Sets work run once in every worker before its first task; if it throws, the pool breaks. */
        public Builder initializer(Initializer initializer) {
            this.initializer = initializer;
            return this;
        }

        /** Adds JVM options for the workers, after the defaults (so {@code -XX:-UseSerialGC} undoes one). */
        public Builder jvmOptions(String... options) {
            for (String option : options) {
                jvmOptions.add(Objects.requireNonNull(option, "A JVM option cannot be null."));
            }
            return this;
        }

        /**
         * Allows more classes to be deserialized, on both sides, with patterns in
         * {@link ObjectInputFilter.Config#createFilter} syntax ({@code com.acme.*}, {@code com.acme.**},
         * {@code !com.acme.Bad}); {@code java.**}, {@code javax.**}, {@code dev.starling.**} and the packages of
         * the classes every submitted task is made of are always allowed, and these patterns are checked first.
         */
        public Builder allowClasses(String... patterns) {
            for (String pattern : patterns) {
                if (pattern == null || pattern.isBlank() || pattern.contains(";") || pattern.contains("=")) {
                    throw new IllegalArgumentException("'" + pattern + "' is not a class pattern; use forms such as"
                            + " com.acme.Model, com.acme.* or com.acme.**.");
                }
                allowed.add(pattern.strip());
            }
            return this;
        }

        /** Sets the largest serialized task, result or exception, in bytes; default 64 MiB. */
        public Builder maxMessageBytes(long maxMessageBytes) {
            if (maxMessageBytes < 1024 || maxMessageBytes > Integer.MAX_VALUE / 4) {
                throw new IllegalArgumentException("maxMessageBytes must be between 1024 and "
                        + Integer.MAX_VALUE / 4 + ", not " + maxMessageBytes + ".");
            }
            this.maxMessageBytes = maxMessageBytes;
            return this;
        }

        /**
         * Builds the pool and starts its workers without waiting for them; tasks queue until a worker is
         * ready. The first pool of a JVM also sets up Java serialization here (a sample task is serialized),
         * so that the first task sent from an event loop does not do it there.
         */
        public ProcessPool build() {
            return new ProcessPool(this);
        }
    }
}
