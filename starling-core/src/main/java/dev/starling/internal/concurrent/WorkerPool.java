package dev.starling.internal.concurrent;

import dev.starling.Observer;
import dev.starling.concurrent.RemoteExecutor;
import dev.starling.concurrent.Threadpool;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An executor with an optional capacity limiter in front of it: the runtime form of a {@link Threadpool}
 * or of an executor given to {@code runInExecutor}.
 */
public final class WorkerPool {

    private final String name;
    private final Executor executor;
    private final DefaultCapacityLimiter limiter;
    private final boolean interruptOnCancel;
    private final ExecutorService owned;
    private final String label;
    private final boolean threadPerTask;
    private volatile Map<String, WorkerPool> registry;
    private volatile Observer observer;

    private WorkerPool(String name, Executor executor, DefaultCapacityLimiter limiter, boolean interruptOnCancel,
                       ExecutorService owned, boolean threadPerTask) {
        this.name = name;
        this.threadPerTask = threadPerTask;
        this.executor = executor;
        this.limiter = limiter;
        this.interruptOnCancel = interruptOnCancel;
        this.owned = owned;
        this.label = "work offloaded to '" + name + "'";
        this.registry = Map.of(name, this);
    }

    /** Creates the threads and limiter that {@code spec} describes; the pool owns its threads. */
    public static WorkerPool create(String name, Threadpool spec) {
        return create(name, spec, null);
    }

    /** Creates the pool; its platform threads report stuck tasks to {@code watchdog} (may be null). */
    public static WorkerPool create(String name, Threadpool spec, Watchdog watchdog) {
        ExecutorService threads;
        if (spec.isVirtual()) {
            // A task gets the context Starling carries for it, never the inheritable thread locals (an MDC among
            // them, with some SLF4J bindings) of whichever thread happened to start its thread.
            threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(spec.namePrefix(), 1)
                    .inheritInheritableThreadLocals(false).factory());
        } else {
            // Threads come and go on demand; the limiter, not the executor, bounds how many run. A task waits
            // only for an idle worker promised to it (HandOffQueue), never behind busy ones.
            ThreadPoolExecutor tpe = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
                    spec.idleTimeout().toNanos(), TimeUnit.NANOSECONDS, new HandOffQueue(),
                    WorkerThread.factory(spec.namePrefix(), watchdog));
            threads = tpe;
        }
        return new WorkerPool(name, threads, new DefaultCapacityLimiter(spec.tokens(), spec.maxWaiting(),
                spec.queueTimeout()), spec.interruptOnCancel(), threads, spec.isVirtual());
    }

    /** Wraps an executor the user owns; {@code limiter} may be null for no limit. */
    public static WorkerPool wrap(String name, Executor executor, DefaultCapacityLimiter limiter) {
        return new WorkerPool(name, Objects.requireNonNull(executor, "The executor must not be null."), limiter, true, null,
                false);
    }

    /**
     * Starts user code's own offload {@code fn} under this pool's limiter, completing on the calling loop if
     * there is one, with the offloading call site attached to a failure.
     */
    public <T> OffloadTask<T> submit(Callable<? extends T> fn) {
        return submit(fn, Pools.currentDefault());
    }

    /** Same as {@link #submit(Callable)}, with the default pool of the caller already known. */
    public <T> OffloadTask<T> submit(Callable<? extends T> fn, WorkerPool home) {
        OffloadTask<T> task = prepare(fn, home, true);
        task.start();
        return task;
    }

    /**
     * Starts a request's own call into user code (a handler, a dependency's provider) without the call site,
     * whose stack would show only the framework, and gives a result its cancel made nobody's to
     * {@code onAbandoned}.
     */
    public <T> OffloadTask<T> submitForRequest(Callable<? extends T> fn, WorkerPool home,
                                               Consumer<Object> onAbandoned) {
        OffloadTask<T> task = prepare(fn, home, false);
        task.onAbandoned(onAbandoned);
        task.start();
        return task;
    }

    /**
     * Starts work the framework dispatches itself (a middleware's before-phase, an exception handler, a
     * lifespan hook, form decoding) without the call site, whose stack would show only the framework.
     */
    public <T> OffloadTask<T> submitInternal(Callable<? extends T> fn, WorkerPool home) {
        OffloadTask<T> task = prepare(fn, home, false);
        task.start();
        return task;
    }

    /**
     * Starts {@code fn} like {@link #submitInternal(Callable, WorkerPool)} but never refuses it for a full
     * waiting room: for work already promised to a client, such as background tasks and middleware after-phases.
     */
    public <T> OffloadTask<T> submitPromised(Callable<? extends T> fn, WorkerPool home) {
        OffloadTask<T> task = prepare(fn, home, false);
        task.bounded = false;
        task.start();
        return task;
    }

    /** Creates work like {@link #submitInternal} without starting it; {@link OffloadTask#start()} starts it. */
    <T> OffloadTask<T> prepareInternal(Callable<? extends T> fn, WorkerPool home) {
        return prepare(fn, home, false);
    }

    private <T> OffloadTask<T> prepare(Callable<? extends T> fn, WorkerPool home, boolean callSite) {
        Objects.requireNonNull(fn, "The callable to offload must not be null.");
        if (executor instanceof RemoteExecutor remote && !(fn instanceof Serializable)) {
            throw new IllegalArgumentException("The executor '" + name + "' (" + remote.name() + ") runs tasks in"
                    + " another JVM, so a task must be serializable, but " + fn.getClass().getName() + " is not;"
                    + " pass a SerializableCallable (a lambda whose target type is SerializableCallable is one).");
        }
        return new OffloadTask<>(fn, this, home, Loops.current(), callSite);
    }

    /** Returns true when tasks leave this JVM: they must be serializable, and handlers cannot run here. */
    public boolean isRemote() {
        return executor instanceof RemoteExecutor;
    }

    /** Sets who hears of this pool's tasks ending and being refused; null for nobody. */
    public void observer(Observer observer) {
        this.observer = observer;
    }

    /** Returns who hears of this pool's tasks, or null. */
    Observer observer() {
        return observer;
    }

    /** Makes the app's executors findable by name from work that runs on this pool. */
    public void registry(Map<String, WorkerPool> registry) {
        this.registry = registry;
    }

    /** Returns the executor called {@code name} in the app this pool belongs to. */
    public WorkerPool named(String name) {
        WorkerPool pool = registry.get(name);
        if (pool == null) {
            throw new IllegalArgumentException("No executor is named '" + name + "' here; the known ones are "
                    + registry.keySet() + ". Register one with Config.Builder.executor(\"" + name + "\", ...).");
        }
        return pool;
    }

    public String name() {
        return name;
    }

    public Executor executor() {
        return executor;
    }

    /** Returns the limiter, or null when the pool has none. */
    public DefaultCapacityLimiter limiter() {
        return limiter;
    }

    public boolean interruptOnCancel() {
        return interruptOnCancel;
    }

    /** Stops the pool's own threads, interrupting running work; executors owned by the user are left alone. */
    public void shutdownNow() {
        if (owned != null) {
            owned.shutdownNow();
            if (limiter != null) {
                // Waiters would wait forever for a pool that is gone: fail them now.
                for (DefaultCapacityLimiter.Waiter waiter : limiter.drainWaiters()) {
                    if (waiter instanceof OffloadTask<?> task) {
                        TokenWait.rejected(task);
                    }
                }
            }
        }
    }

    /** Returns true when every task runs on a new thread of Starling's own, which starts with nothing set. */
    boolean threadPerTask() {
        return threadPerTask;
    }

    /** Returns true when the threads are Starling's own, not an executor the user gave. */
    boolean ownsThreads() {
        return owned != null;
    }

    /** Says what a worker runs when it runs no request's work, for the watchdog. */
    String label() {
        return label;
    }

    /** Returns true once the pool's own threads have been told to stop. */
    boolean isShutdown() {
        return owned != null && owned.isShutdown();
    }

    /** Waits up to {@code timeout} for the pool's own threads to end. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return owned == null || owned.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public String toString() {
        return "WorkerPool[" + name + ", " + limiter + "]";
    }
}
