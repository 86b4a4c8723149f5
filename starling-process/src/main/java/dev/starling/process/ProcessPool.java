package dev.starling.process;

import dev.starling.concurrent.RemoteExecutor;
import dev.starling.concurrent.SerializableCallable;
import java.io.File;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
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
    // The VM's own messages and unified logging go to stderr: stdout carries the protocol.
    private static final List<String> DEFAULT_OPTIONS = List.of("-XX:+ExitOnOutOfMemoryError",
            "-XX:+DisplayVMOutputToStderr", "-Xlog:disable", "-Xlog:all=warning:stderr", "-XX:+UseSerialGC",
            "-Xshare:auto");
    private static final List<String> DEFAULT_ALLOWED = List.of("java.**", "javax.**", "dev.starling.**");
    /** How often a task is handed to a worker found dead before it could take it, before the task fails. */
    static final int MAX_DELIVERIES = 3;

    private enum RunState { RUNNING, SHUTDOWN, STOP, BROKEN }

    private final String name;
    private final int maxWorkers;
    private final int maxQueued;
    private final int maxTasksPerChild;
    private final Duration taskTimeout;
    private final long maxMessageBytes;
    private final List<String> command;
    private final byte[] initializer;
    private final String initializerClass;
    private final ScheduledThreadPoolExecutor timer;
    private final Thread shutdownHook;
    private final Set<Process> processes = ConcurrentHashMap.newKeySet();
    /** The pool's own threads (readers, watchers, stderr forwarders, timer), on which close() must not wait. */
    private final Set<Thread> ownThreads = ConcurrentHashMap.newKeySet();
    /** Tests only: runs on a watcher thread after its worker exited, before the exit is reported. */
    volatile java.util.function.LongConsumer exitHookForTests;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition terminatedCondition = lock.newCondition();
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    // Used as a stack: the most recently used idle worker is first, so sequential work reuses one process.
    private final ArrayDeque<WorkerProcess> idle = new ArrayDeque<>();
    private final Set<WorkerProcess> workers = new LinkedHashSet<>();
    private final LinkedHashSet<String> allowed = new LinkedHashSet<>();
    private volatile String filterSpec;
    private volatile byte[] filterSpecBytes;
    private RunState runState = RunState.RUNNING;
    private boolean terminated;
    private int starting;
    private String brokenReason;
    private Throwable brokenCause;
    private long nextId;

    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong replaced = new AtomicLong();

    private ProcessPool(Builder builder) {
        this.name = builder.name != null ? builder.name : "pool-" + POOLS.incrementAndGet();
        this.maxWorkers = builder.maxWorkers;
        this.maxQueued = builder.maxQueued > 0 ? builder.maxQueued : 64 * builder.maxWorkers;
        this.maxTasksPerChild = builder.maxTasksPerChild;
        this.taskTimeout = builder.taskTimeout;
        this.maxMessageBytes = builder.maxMessageBytes;
        this.allowed.addAll(builder.allowed);
        this.allowed.addAll(DEFAULT_ALLOWED);
        updateFilter();
        this.command = command(builder.jvmOptions, name, maxMessageBytes);
        if (builder.initializer != null) {
            this.initializerClass = builder.initializer.getClass().getName();
            Set<String> packages = new LinkedHashSet<>();
            try {
                this.initializer = Frames.serialize(builder.initializer, packages);
            } catch (IOException e) {
                throw new IllegalArgumentException("The initializer " + initializerClass + " of process pool '"
                        + name + "' cannot be sent to workers: " + e.getMessage() + " is not serializable.", e);
            }
            allowPackages(packages);
        } else {
            this.initializer = Frames.EMPTY;
            this.initializerClass = null;
        }
        if (taskTimeout != null) {
            timer = new ScheduledThreadPoolExecutor(1,
                    runnable -> newThread("starling-process-" + name + "-timer", runnable));
            timer.setRemoveOnCancelPolicy(true);
        } else {
            timer = null;
        }
        shutdownHook = Thread.ofPlatform().name("starling-process-" + name + "-shutdown").unstarted(() -> {
            for (Process process : processes) {
                process.toHandle().destroyForcibly();
            }
        });
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        lock.lock();
        try {
            starting = maxWorkers;
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < maxWorkers; i++) {
            startWorker();
        }
    }

    /** Returns a builder with the defaults of {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a pool with every default: one worker per available processor. */
    public static ProcessPool create() {
        return builder().build();
    }

    /** Returns an unstarted daemon thread of this pool, counted as one of its own while it runs. */
    Thread newThread(String threadName, Runnable body) {
        return Thread.ofPlatform().daemon().name(threadName).unstarted(() -> {
            ownThreads.add(Thread.currentThread());
            try {
                body.run();
            } finally {
                ownThreads.remove(Thread.currentThread());
            }
        });
    }

    /** Starts a daemon thread of this pool; see {@link #newThread}. */
    Thread startThread(String threadName, Runnable body) {
        Thread thread = newThread(threadName, body);
        thread.start();
        return thread;
    }

    /** Returns whether the calling thread is one of this pool's own, which report workers' results and exits. */
    private boolean onOwnThread() {
        return ownThreads.contains(Thread.currentThread());
    }

    void beforeExitReported(long pid) {
        java.util.function.LongConsumer hook = exitHookForTests;
        if (hook != null) {
            hook.accept(pid);
        }
    }

    private static List<String> command(List<String> jvmOptions, String name, long maxMessageBytes) {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator
                + (File.separatorChar == '\\' ? "java.exe" : "java");
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(DEFAULT_OPTIONS);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null && ProcessPool.class.getModule().isNamed()) {
            command.add("--module-path");
            command.add(modulePath);
            command.add("--add-modules");
            command.add("ALL-MODULE-PATH");
            command.add("-m");
            command.add(ProcessPool.class.getModule().getName() + "/" + Worker.class.getName());
        } else {
            command.add(Worker.class.getName());
        }
        command.add(name);
        command.add(Long.toString(maxMessageBytes));
        return List.copyOf(command);
    }

    // ---- ExecutorService and RemoteExecutor ----------------------------------------------------------------

    /**
     * Sends {@code task} to a worker and returns a future of its result; see the class comment for what
     * fails the future and what is thrown.
     */
    @Override
    public <T> CompletableFuture<T> submit(SerializableCallable<T> task) {
        return enqueue(task, false, null);
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
        if (submitted instanceof TaskFuture<?> future && future.pool == this) {
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
        return enqueue(task, false, null);
    }

    /** Runs {@code task} in a worker; the future completes with null, or fails when it is not serializable. */
    @Override
    public CompletableFuture<?> submit(Runnable task) {
        return enqueue(task, false, null);
    }

    /** Runs {@code task} in a worker; the future completes with {@code result}, which stays in this JVM. */
    @Override
    public <T> CompletableFuture<T> submit(Runnable task, T result) {
        return enqueue(task, true, result);
    }

    /** Runs {@code command} in a worker; a failure is logged, as nobody holds a future to see it. */
    @Override
    public void execute(Runnable command) {
        enqueue(command, false, null).whenComplete((ignored, error) -> {
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
        List<CompletableFuture<T>> futures = submitAll(tasks);
        long deadline = deadline(timeout, unit);
        try {
            for (CompletableFuture<T> future : futures) {
                if (!future.isDone()) {
                    try {
                        future.get(remaining(deadline), TimeUnit.NANOSECONDS);
                    } catch (ExecutionException | CancellationException ignored) {
                        // Reported by the future itself.
                    } catch (TimeoutException e) {
                        break;
                    }
                }
            }
        } finally {
            for (CompletableFuture<T> future : futures) {
                future.cancel(true);
            }
        }
        return List.copyOf(futures);
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
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task.");
        }
        BlockingQueue<CompletableFuture<T>> done = new ArrayBlockingQueue<>(tasks.size());
        List<CompletableFuture<T>> futures = submitAll(tasks);
        long deadline = deadline(timeout, unit);
        try {
            for (CompletableFuture<T> future : futures) {
                future.whenComplete((value, error) -> done.add(future));
            }
            ExecutionException last = null;
            for (int i = 0; i < futures.size(); i++) {
                CompletableFuture<T> next = done.poll(remaining(deadline), TimeUnit.NANOSECONDS);
                if (next == null) {
                    throw new TimeoutException("No task given to invokeAny on process pool '" + name
                            + "' succeeded within " + unit.toMillis(timeout) + " ms.");
                }
                try {
                    return next.get();
                } catch (ExecutionException e) {
                    last = e;
                } catch (CancellationException e) {
                    last = new ExecutionException(e);
                }
            }
            throw last;
        } finally {
            for (CompletableFuture<T> future : futures) {
                future.cancel(true);
            }
        }
    }

    private <T> List<CompletableFuture<T>> submitAll(Collection<? extends Callable<T>> tasks) {
        List<CompletableFuture<T>> futures = new ArrayList<>(tasks.size());
        try {
            for (Callable<T> task : tasks) {
                futures.add(enqueue(task, false, null));
            }
        } catch (RuntimeException e) {
            for (CompletableFuture<T> future : futures) {
                future.cancel(true);
            }
            throw e;
        }
        return futures;
    }

    private static long deadline(long timeout, TimeUnit unit) {
        long nanos = unit.toNanos(timeout);
        return nanos >= Long.MAX_VALUE / 2 ? Long.MAX_VALUE : System.nanoTime() + nanos;
    }

    private static long remaining(long deadline) {
        return deadline == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, deadline - System.nanoTime());
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
        List<Job> cancelled = new ArrayList<>();
        List<WorkerProcess> closing = new ArrayList<>();
        lock.lock();
        try {
            if (runState == RunState.RUNNING) {
                runState = RunState.SHUTDOWN;
            }
            if (cancelFutures) {
                cancelled.addAll(queue);
                queue.clear();
            }
            if (queue.isEmpty()) {
                for (WorkerProcess worker : idle) {
                    worker.state = WorkerProcess.State.CLOSING;
                    closing.add(worker);
                }
                idle.clear();
            }
            checkTerminated();
        } finally {
            lock.unlock();
        }
        for (Job job : cancelled) {
            job.future.cancelQuietly();
            job.ended.complete(null);
        }
        for (WorkerProcess worker : closing) {
            worker.close();
        }
        if (wait && onOwnThread()) {
            // Code chained on a future runs here, and this thread may be the one that must report a worker's
            // exit: waiting would wait for itself.
            LOG.debug("Process pool '{}' was closed from its own thread {}; it shuts down without waiting there.",
                    name, Thread.currentThread().getName());
        } else if (wait) {
            try {
                awaitTermination(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Kills every worker and cancels every task: the futures of running and of queued tasks complete with
     * {@link CancellationException}. Returns the queued tasks, which never started, as the
     * {@code ExecutorService} contract asks: running a returned runnable runs its task in the calling thread,
     * but its future stays cancelled, so its result is dropped.
     */
    @Override
    public List<Runnable> shutdownNow() {
        List<Job> queued;
        List<Job> running = new ArrayList<>();
        List<WorkerProcess> killed;
        lock.lock();
        try {
            if (runState != RunState.BROKEN) {
                runState = RunState.STOP;
            }
            queued = new ArrayList<>(queue);
            queue.clear();
            idle.clear();
            killed = takeAllWorkers(running);
            checkTerminated();
        } finally {
            lock.unlock();
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

    /**
     * Lock held: marks every worker killed and returns them, moving the jobs whose outcome they owe to
     * {@code running}; their runs end (see {@link #whenEnded}) when the workers exit.
     */
    private List<WorkerProcess> takeAllWorkers(List<Job> running) {
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
        lock.lock();
        try {
            return runState != RunState.RUNNING;
        } finally {
            lock.unlock();
        }
    }

    /** Returns true once the pool is shut down, its queue is empty and all its workers have exited. */
    @Override
    public boolean isTerminated() {
        lock.lock();
        try {
            return terminated;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the pool is terminated or the time is up; returns whether it terminated. */
    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
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

    // ---- Observability -------------------------------------------------------------------------------------

    /** Returns the number of live worker processes, including ones starting or exiting. */
    public int workers() {
        lock.lock();
        try {
            return workers.size();
        } finally {
            lock.unlock();
        }
    }

    /** Returns the process ids of the live workers. */
    public List<Long> pids() {
        lock.lock();
        try {
            return workers.stream().map(worker -> worker.pid).toList();
        } finally {
            lock.unlock();
        }
    }

    /** Returns how many tasks wait for a worker. */
    public int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Returns the number of tasks that returned a result. */
    public long completedTasks() {
        return completed.get();
    }

    /** Returns the number of tasks that failed, timed out or lost their worker (cancellations excluded). */
    public long failedTasks() {
        return failed.get();
    }

    /** Returns the number of workers started to replace one that died, was killed or was retired. */
    public long replacedWorkers() {
        return replaced.get();
    }

    /** Returns the pool's name, worker count and queue length, for logs. */
    @Override
    public String toString() {
        return "ProcessPool[" + name + ", " + workers() + " workers, " + queued() + " queued]";
    }

    // ---- Submission ----------------------------------------------------------------------------------------

    /** Names a task in messages: the user's class, also when Starling wrapped it with its context. */
    static String describe(Object task) {
        return task instanceof SerializableCallable<?> callable ? callable.describe() : task.getClass().getName();
    }

    @SuppressWarnings("unchecked")
    private <T> TaskFuture<T> enqueue(Object task, boolean fixed, Object fixedResult) {
        Objects.requireNonNull(task, "A process pool runs tasks, not null.");
        String taskClass = describe(task);
        rejectIfClosed(taskClass);
        TaskFuture<T> future = new TaskFuture<>(this);
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
                    + " process pool '" + name + "': class " + e.getMessage() + " is not serializable." + hint, e));
            return future;
        } catch (IOException | RuntimeException e) {
            future.completeExceptionally(new UncheckedIOException("Task " + taskClass + " cannot be sent to"
                    + " process pool '" + name + "': its serialization failed with " + e + ".",
                    e instanceof IOException io ? io : new IOException(e)));
            return future;
        }
        if (payload.length > maxMessageBytes) {
            future.completeExceptionally(new UncheckedIOException("Task " + taskClass + " serializes to "
                    + payload.length + " bytes, more than the " + maxMessageBytes + " bytes process pool '" + name
                    + "' allows; raise Builder.maxMessageBytes or send less.", new IOException("message too large")));
            return future;
        }
        Job job;
        WorkerProcess worker;
        lock.lock();
        try {
            rejectIfClosed(taskClass);
            allowPackages(packages);
            if (idle.isEmpty() && queue.size() >= maxQueued) {
                throw new RejectedExecutionException("Process pool '" + name + "' refused task " + taskClass
                        + " because its queue is full: " + queue.size() + " tasks already wait for its "
                        + workers.size() + " busy workers, and its maxQueued is " + maxQueued + ".");
            }
            job = new Job(nextId++, taskClass, task, payload, future, fixed, fixedResult);
            future.job = job;
            if (future.isDone()) {
                // Cancelled while it was being serialized: it never runs.
                job.ended.complete(null);
                return future;
            }
            worker = idle.pollFirst();
            if (worker != null) {
                assign(worker, job);
            } else {
                queue.addLast(job);
            }
        } finally {
            lock.unlock();
        }
        if (worker != null) {
            send(worker, job);
        }
        return future;
    }

    private void rejectIfClosed(String taskClass) {
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

    /** Lock held: allows, in both directions from now on, the packages of the classes a task was made of. */
    private void allowPackages(Set<String> patterns) {
        if (allowed.addAll(patterns)) {
            updateFilter();
        }
    }

    private void updateFilter() {
        String spec = String.join(";", allowed);
        // Fails fast on a malformed allowClasses pattern.
        ObjectInputFilter.Config.createFilter(spec);
        filterSpec = spec;
        filterSpecBytes = spec.getBytes(StandardCharsets.UTF_8);
    }

    /** Lock held: gives {@code job} to {@code worker} and starts its timeout clock. */
    private void assign(WorkerProcess worker, Job job) {
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
     * Outside the lock: writes the task to its worker. A worker whose stdin is gone died before it could read
     * the task (it had died idle and was not reaped yet): the task, which never started, goes back to the head
     * of the queue, at most {@link #MAX_DELIVERIES} times.
     */
    private void send(WorkerProcess worker, Job job) {
        while (worker != null && job != null && !worker.send(new Frames.Frame(Frames.TASK, job.id, filterSpecBytes,
                job.payload))) {
            boolean fail = false;
            WorkerProcess closing = null;
            List<Job> ended = new ArrayList<>(1);
            WorkerProcess dead = worker;
            worker = null;
            Job undelivered = job;
            job = null;
            lock.lock();
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
                    if (undelivered.deliveries >= MAX_DELIVERIES || runState == RunState.STOP
                            || runState == RunState.BROKEN) {
                        fail = true;
                        ended.add(undelivered);
                    } else {
                        queue.addFirst(undelivered);
                        worker = idle.pollFirst();
                        if (worker != null) {
                            job = nextFor(worker, ended);
                            if (job == null && worker.state == WorkerProcess.State.CLOSING) {
                                closing = worker;
                            }
                        }
                    }
                }
            } finally {
                lock.unlock();
            }
            LOG.warn("Worker pid {} of process pool '{}' was gone before it could take task {}; {}", dead.pid, name,
                    undelivered.taskClass, fail ? "the task fails." : "the task goes back to the head of the queue.");
            if (fail) {
                failed.incrementAndGet();
                undelivered.future.completeExceptionally(new WorkerDiedException("Task " + undelivered.taskClass
                        + " never started in process pool '" + name + "': the " + undelivered.deliveries
                        + " workers it was handed to, the last one pid " + dead.pid + ", had died before they could"
                        + " take it.", dead.pid, -1));
            }
            if (closing != null) {
                closing.close();
            }
            end(ended);
        }
    }

    private static void end(List<Job> jobs) {
        for (Job job : jobs) {
            job.ended.complete(null);
        }
    }

    /**
     * Lock held: hands {@code worker}, which just became free, the next queued task, or parks it, or decides
     * it should exit; returns the job to send, if any.
     */
    private Job nextFor(WorkerProcess worker, List<Job> ended) {
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

    // ---- Workers -------------------------------------------------------------------------------------------

    /** Starts one worker; the caller has counted it in {@code starting}. */
    private void startWorker() {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException | RuntimeException e) {
            lock.lock();
            try {
                starting--;
            } finally {
                lock.unlock();
            }
            breakPool("it could not start a worker process with " + command.get(0) + ": " + e.getMessage() + ".", e);
            return;
        }
        WorkerProcess worker = new WorkerProcess(this, process);
        processes.add(process);
        boolean kill;
        lock.lock();
        try {
            starting--;
            workers.add(worker);
            kill = runState == RunState.STOP || runState == RunState.BROKEN;
            if (kill) {
                worker.state = WorkerProcess.State.KILLED;
            }
        } finally {
            lock.unlock();
        }
        worker.startThreads(name, 2 * maxMessageBytes + (1 << 20));
        if (kill) {
            worker.kill();
        } else {
            worker.send(new Frames.Frame(Frames.INIT, 0, filterSpecBytes, initializer));
        }
    }

    /** Called by a worker's reader thread for every frame the worker sends. */
    void received(WorkerProcess worker, Frames.Frame frame) {
        switch (frame.kind()) {
            case Frames.READY -> ready(worker);
            case Frames.INIT_FAILED -> {
                Throwable error = decodeFailure(worker, frame, "the initializer's exception");
                breakPool("the initializer " + initializerClass + " failed in worker pid " + worker.pid + " with "
                        + error + ".", error);
            }
            case Frames.RESULT, Frames.FAILURE -> finished(worker, frame);
            default -> throw new IllegalStateException("Worker pid " + worker.pid + " of process pool '" + name
                    + "' sent a frame of unknown kind " + frame.kind() + ".");
        }
    }

    private void ready(WorkerProcess worker) {
        Job job = null;
        boolean close = false;
        List<Job> ended = new ArrayList<>(0);
        lock.lock();
        try {
            if (worker.state != WorkerProcess.State.STARTING) {
                return;
            }
            job = nextFor(worker, ended);
            close = worker.state == WorkerProcess.State.CLOSING;
        } finally {
            lock.unlock();
        }
        end(ended);
        if (job != null) {
            send(worker, job);
        } else if (close) {
            worker.close();
        }
    }

    private void finished(WorkerProcess worker, Frames.Frame frame) {
        Job job;
        Job next = null;
        boolean close = false;
        List<Job> ended = new ArrayList<>(1);
        lock.lock();
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
            next = nextFor(worker, ended);
            close = worker.state == WorkerProcess.State.CLOSING;
        } finally {
            lock.unlock();
        }
        if (next != null) {
            send(worker, next);
        } else if (close) {
            worker.close();
        }
        // The run is over once its outcome arrived: whenEnded completes before the future, so whoever sees the
        // result also sees the run ended.
        end(ended);
        complete(worker, job, frame);
    }

    /**
     * Completes {@code job}'s future from its RESULT or FAILURE frame; any failure to read the frame, an
     * {@link Error} included, fails that future with a sentence instead of reaching the reader thread.
     */
    private void complete(WorkerProcess worker, Job job, Frames.Frame frame) {
        if (frame.kind() == Frames.RESULT) {
            Object value;
            AllowList.Check check = AllowList.check(filterSpec, maxMessageBytes);
            try {
                value = job.fixed ? job.fixedResult : Frames.deserialize(frame.first(), check);
            } catch (Throwable e) {
                failed.incrementAndGet();
                job.future.completeExceptionally(AllowList.failure(check, e,
                        "the result of task " + job.taskClass + " from worker pid " + worker.pid, name));
                return;
            }
            completed.incrementAndGet();
            job.future.completeValue(value);
        } else {
            failed.incrementAndGet();
            Throwable error;
            try {
                error = decodeFailure(worker, frame, "the exception of task " + job.taskClass);
                error.addSuppressed(new RemoteOrigin("This exception was thrown in worker pid " + worker.pid
                        + " of process pool '" + name + "' while it ran task " + job.taskClass + "."));
            } catch (Throwable e) {
                error = new RemoteTaskException("unknown", "Task " + job.taskClass + " failed in worker pid "
                        + worker.pid + " of process pool '" + name + "', and its exception could not be read ("
                        + e + ").", new StackTraceElement[0], null);
            }
            job.future.completeExceptionally(error);
        }
    }

    /** Reads the exception of a FAILURE or INIT_FAILED frame, falling back to its {@link RemoteTaskException}. */
    private Throwable decodeFailure(WorkerProcess worker, Frames.Frame frame, String what) {
        Throwable problem = null;
        if (frame.first().length > 0) {
            AllowList.Check check = AllowList.check(filterSpec, maxMessageBytes);
            try {
                return (Throwable) Frames.deserialize(frame.first(), check);
            } catch (Throwable e) {
                problem = AllowList.failure(check, e, what, name);
            }
        }
        Throwable fallback;
        try {
            fallback = (Throwable) Frames.deserialize(frame.second(), AllowList.check("java.**;dev.starling.**",
                    maxMessageBytes));
        } catch (Throwable e) {
            fallback = new RemoteTaskException("unknown", "Worker pid " + worker.pid + " of process pool '" + name
                    + "' sent " + what + ", which could not be read (" + e + ").", new StackTraceElement[0], null);
        }
        if (problem != null) {
            fallback.addSuppressed(problem);
        }
        return fallback;
    }

    /** Called once, by a worker's watcher thread, when the worker's process has exited. */
    void exited(WorkerProcess worker, int exitCode) {
        processes.remove(worker.process);
        Job job;
        Job ran;
        WorkerProcess.State state;
        boolean replace;
        lock.lock();
        try {
            workers.remove(worker);
            idle.remove(worker);
            state = worker.state;
            job = worker.current;
            worker.current = null;
            ran = worker.occupant;
            worker.occupant = null;
            worker.state = WorkerProcess.State.KILLED;
            if (job != null && job.timeout != null) {
                job.timeout.cancel(false);
            }
            boolean wanted = runState == RunState.RUNNING
                    || (runState == RunState.SHUTDOWN && !queue.isEmpty());
            replace = state != WorkerProcess.State.STARTING && wanted && workers.size() + starting < maxWorkers;
            if (replace) {
                starting++;
            }
            checkTerminated();
        } finally {
            lock.unlock();
        }
        try {
            reportExit(worker, exitCode, job, state, replace);
        } finally {
            if (ran != null) {
                ran.ended.complete(null);
            }
        }
    }

    private void reportExit(WorkerProcess worker, int exitCode, Job job, WorkerProcess.State state,
                            boolean replace) {
        if (state == WorkerProcess.State.STARTING) {
            String tail = worker.stderrTail();
            breakPool("worker pid " + worker.pid + " exited with code " + exitCode + " before it was ready"
                    + (tail.isEmpty() ? "." : "; its last output on stderr was:\n" + tail + "\n(end of output)."),
                    null);
            return;
        }
        if (job != null && state == WorkerProcess.State.BUSY) {
            failed.incrementAndGet();
            String tail = worker.stderrTail();
            int newline = tail.lastIndexOf('\n');
            String lastLine = newline < 0 ? tail : tail.substring(newline + 1);
            job.future.completeExceptionally(new WorkerDiedException("Worker pid " + worker.pid + " of process pool '"
                    + name + "' died with exit code " + describe(exitCode) + " while it ran task " + job.taskClass
                    + (lastLine.isEmpty() ? "." : "; its last line on stderr was \"" + lastLine + "\"."), worker.pid,
                    exitCode));
        }
        if (state == WorkerProcess.State.BUSY || state == WorkerProcess.State.IDLE) {
            LOG.warn("Worker pid {} of process pool '{}' exited with code {}{}.", worker.pid, name,
                    describe(exitCode), replace ? "; starting a new one" : "");
        }
        if (replace) {
            replaced.incrementAndGet();
            startWorker();
        }
    }

    private static String describe(int exitCode) {
        return exitCode > 128 && exitCode < 160 ? exitCode + " (signal " + (exitCode - 128) + ")" : "" + exitCode;
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

    /** Marks the pool broken, fails what waits and kills every worker. */
    private void breakPool(String reason, Throwable cause) {
        List<Job> queued;
        List<Job> running = new ArrayList<>();
        List<WorkerProcess> killed;
        lock.lock();
        try {
            if (runState == RunState.BROKEN || runState == RunState.STOP) {
                return;
            }
            runState = RunState.BROKEN;
            brokenReason = reason;
            brokenCause = cause;
            queued = new ArrayList<>(queue);
            queue.clear();
            idle.clear();
            killed = takeAllWorkers(running);
            checkTerminated();
        } finally {
            lock.unlock();
        }
        LOG.error("Process pool '{}' is broken: {}", name, reason, cause);
        for (WorkerProcess worker : killed) {
            worker.kill();
        }
        end(queued);
        List<Job> failing = new ArrayList<>(queued);
        failing.addAll(running);
        for (Job job : failing) {
            failed.incrementAndGet();
            job.future.completeExceptionally(new RejectedExecutionException("Process pool '" + name
                    + "' broke before task " + job.taskClass + " finished: " + reason, cause));
        }
    }

    /** Lock held: records termination once nothing is left to run or exit. */
    private void checkTerminated() {
        if (terminated || runState == RunState.RUNNING || !queue.isEmpty() || !workers.isEmpty() || starting > 0) {
            return;
        }
        terminated = true;
        terminatedCondition.signalAll();
        if (timer != null) {
            timer.shutdownNow();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // The JVM is already exiting; the hook finds no process left.
        }
    }

    Logger log() {
        return LOG;
    }

    // ---- Jobs ----------------------------------------------------------------------------------------------

    /** One submitted task; {@code worker} and {@code timeout} are guarded by the pool's lock. */
    static final class Job {

        final long id;
        final String taskClass;
        final Object task;
        final byte[] payload;
        final TaskFuture<?> future;
        final boolean fixed;
        final Object fixedResult;
        WorkerProcess worker;
        ScheduledFuture<?> timeout;
        /** Pool lock: how many workers this job was handed to. */
        int deliveries;
        /** Completes once the task no longer runs in any worker; see {@link ProcessPool#whenEnded}. */
        final CompletableFuture<Void> ended = new CompletableFuture<>();

        Job(long id, String taskClass, Object task, byte[] payload, TaskFuture<?> future, boolean fixed,
            Object fixedResult) {
            this.id = id;
            this.taskClass = taskClass;
            this.task = task;
            this.payload = payload;
            this.future = future;
            this.fixed = fixed;
            this.fixedResult = fixedResult;
        }

        /** Runs the task in the calling thread, for the runnables {@link #shutdownNow()} returns. */
        void runHere() {
            try {
                Object value;
                if (task instanceof Callable<?> callable) {
                    value = callable.call();
                } else {
                    ((Runnable) task).run();
                    value = null;
                }
                future.completeValue(fixed ? fixedResult : value);
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        }
    }

    /** A task's future: cancelling it removes the task from the queue or kills the worker running it. */
    static final class TaskFuture<T> extends CompletableFuture<T> {

        final ProcessPool pool;
        volatile Job job;

        TaskFuture(ProcessPool pool) {
            this.pool = pool;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            Job current = job;
            if (cancelled && current != null) {
                pool.cancelled(current, mayInterruptIfRunning);
            }
            return cancelled;
        }

        void cancelQuietly() {
            super.cancel(false);
        }

        @SuppressWarnings("unchecked")
        void completeValue(Object value) {
            complete((T) value);
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new CompletableFuture<>();
        }
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
         * ready.
         */
        public ProcessPool build() {
            return new ProcessPool(this);
        }
    }
}
