package dev.starling.internal.concurrent;

import dev.starling.Observer.Outcome;
import dev.starling.concurrent.RemoteExecutor;
import io.netty.util.concurrent.EventExecutor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One offloaded call: waits for a token, runs once on a worker, and completes on the caller's event loop.
 *
 * <p>States follow {@link java.util.concurrent.FutureTask}: a task cancelled before it starts never runs; a
 * running task that is cancelled completes at once, its thread is interrupted when the pool says so, and its
 * token goes back only when the thread returns. {@link TokenWait}, {@link RemoteRun}, {@link CarriedContext},
 * {@link TaskEvents} and {@link OffloadedFrom} do the task's other jobs on its fields: a task stays one object.
 */
public final class OffloadTask<T> extends CompletableFuture<T> implements Runnable, DefaultCapacityLimiter.Waiter {

    private static final int NEW = 0;
    private static final int RUNNING = 1;
    private static final int COMPLETING = 2;
    private static final int CANCELLED = 3;
    private static final int INTERRUPTING = 4;
    private static final int INTERRUPTED = 5;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(OffloadTask.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Callable<? extends T> fn;
    final WorkerPool pool;
    private final WorkerPool home;
    final EventExecutor loop;
    final Context context;
    final Map<String, String> mdc;
    private final OffloadedFrom.Site callSite;
    private volatile int state;
    private volatile Thread runner;
    /** When the task was started (nanoTime), for observers; 0 when nobody observes. */
    long startedAt;
    /** When the call began to run (nanoTime), for observers. */
    long ranAt;
    /** Refuses the task once it has waited for a token longer than the limiter's queue timeout. */
    volatile Future<?> expiry;
    /** The future of the task's run in another JVM, when the pool's executor is a {@link RemoteExecutor}. */
    volatile CompletableFuture<T> remote;
    /** Whether the waiting room's bound applies; off for work already promised to a client. */
    boolean bounded = true;
    /** Receives a result that a cancel made nobody's (set before start); it must release what the result holds. */
    volatile Consumer<Object> onAbandoned;

    OffloadTask(Callable<? extends T> fn, WorkerPool pool, WorkerPool home, EventExecutor loop,
                boolean captureCallSite) {
        this.fn = fn;
        this.pool = pool;
        this.home = home;
        this.loop = loop;
        this.context = Context.current();
        this.mdc = CarriedContext.mdcSnapshot();
        this.callSite = captureCallSite && OffloadedFrom.ENABLED
                ? OffloadedFrom.capture(fn, pool.name(), context) : null;
    }

    /** Returns true for work already promised to a client (background tasks, after-phases), which no bound refuses. */
    public boolean promised() {
        return !bounded;
    }

    /** Returns the task running on the current thread, or null. */
    public static OffloadTask<?> current() {
        return CarriedContext.currentTask();
    }

    /** Returns the event loop this task completes on, or null when it was started off a loop. */
    public EventExecutor loop() {
        return loop;
    }

    /** Returns the default pool of the code that started this task. */
    WorkerPool home() {
        return home;
    }

    /** Returns the context the task runs with. */
    public Context context() {
        return context;
    }

    /** Sets what to do with a result that arrives after the task was cancelled; call before it starts. */
    public OffloadTask<T> onAbandoned(Consumer<Object> action) {
        this.onAbandoned = action;
        return this;
    }

    void start() {
        if (CarriedContext.track(this) && state != NEW) {
            return;   // cancelled by its scope: never queue, never take a token
        }
        TaskEvents.started(this);
        TokenWait.acquire(this);
    }

    // The states the task's other parts read and the moves they make: one read or compare-and-set each.

    boolean unstarted() {
        return state == NEW;
    }

    boolean running() {
        return state == RUNNING;
    }

    boolean interruptRequested() {
        return state == INTERRUPTING || state == INTERRUPTED;
    }

    /** Claims a task that has not started, for a refusal; false when it started or was stopped. */
    boolean claimUnstarted() {
        return STATE.compareAndSet(this, NEW, COMPLETING);
    }

    /** Marks the task running; false when it was stopped first. */
    boolean begin() {
        return STATE.compareAndSet(this, NEW, RUNNING);
    }

    /** Claims the running call's result; false when a cancel or an outside completion came first. */
    boolean finish() {
        return STATE.compareAndSet(this, RUNNING, COMPLETING);
    }

    @Override
    public void granted() {
        TokenWait.disarm(this);
        execute();
    }

    void execute() {
        OffloadTask<?> task = this;
        while (task != null) {
            task = task.tryExecute();   // a loop, not recursion: every waiter of a dead executor is refused here
        }
    }

    private OffloadTask<?> tryExecute() {
        if (pool.executor() instanceof RemoteExecutor executor) {
            return RemoteRun.send(this, executor);
        }
        try {
            pool.executor().execute(this);
            return null;
        } catch (RejectedExecutionException e) {
            return TokenWait.notStarted(this, e);
        }
    }

    @Override
    public void run() {
        OffloadTask<?> next = this;
        while (next != null) {
            // A waiter handed over on this thread skips the executor, so it must check for shutdown itself.
            next = next != this && next.pool.isShutdown() ? TokenWait.refuse(next) : next.runHere();
        }
    }

    /** Runs this task on the current thread and returns the next waiter to run here, if any. */
    private OffloadTask<?> runHere() {
        Thread thread = Thread.currentThread();
        runner = thread;
        if (!begin()) {
            runner = null;
            return TokenWait.release(this, true);
        }
        TokenWait.disarm(this);   // a waiter handed over on this thread never passed through granted()
        T value = null;
        Throwable error = null;
        TaskEvents.ran(this);
        try {
            value = CarriedContext.call(this, thread);
        } catch (Throwable t) {
            error = t;
        } finally {
            runner = null;
        }
        boolean won = finish();
        while (!won && state == INTERRUPTING) {
            Thread.onSpinWait();
        }
        TaskEvents.ended(this, !won ? Outcome.CANCELLED : error == null ? Outcome.COMPLETED : Outcome.FAILED, true);
        // Whatever interrupt is left (the cancel's, or one the task set on itself) must not hit the next task.
        Thread.interrupted();
        OffloadTask<?> next = TokenWait.releaseAfterRun(this, won);
        if (won) {
            deliver(value, error);
        } else if (error == null && value != null && onAbandoned != null) {
            Cleanup.release(onAbandoned, value);
        }
        return next;
    }

    void deliver(T value, Throwable error) {
        OffloadedFrom.attach(error, callSite);
        Runnable completion = () -> {
            LoopProbe probe = TaskEvents.continuing(this);
            Context previous = CarriedContext.enterOnLoop(this);
            try {
                if (error == null) {
                    super.complete(value);
                } else {
                    super.completeExceptionally(error);
                }
            } finally {
                CarriedContext.exitOnLoop(this, previous);
                TaskEvents.continued(probe);
            }
        };
        onLoop(completion);
        CarriedContext.untrack(this);
    }

    /**
     * Stops the work: a task that has not started never will, and a running one is interrupted when
     * {@code interrupt} is true (its token still comes back only when its thread returns). Returns false when
     * there was nothing to stop: the call has returned and its result is on its way, or it was stopped before.
     */
    private boolean stopWork(boolean interrupt) {
        for (;;) {
            int s = state;
            if (s == NEW) {
                if (STATE.compareAndSet(this, NEW, CANCELLED)) {
                    TokenWait.leave(this);
                    TaskEvents.ended(this, Outcome.CANCELLED, false);
                    CarriedContext.untrack(this);
                    return true;
                }
            } else if (s == RUNNING) {
                if (interrupt) {
                    if (STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
                        Thread t = runner;
                        if (t != null) {
                            t.interrupt();
                        }
                        state = INTERRUPTED;
                        RemoteRun.stop(this);
                        CarriedContext.untrack(this);
                        return true;
                    }
                } else if (STATE.compareAndSet(this, RUNNING, CANCELLED)) {
                    CarriedContext.untrack(this);
                    return true;
                }
            } else {
                return false;
            }
        }
    }

    /** Returns true once the task has been cancelled or completed from outside, even before its stage says so. */
    public boolean stopRequested() {
        return state >= CANCELLED;
    }

    /**
     * Cancels the task. The stage completes on the caller's loop, so its continuations never run on the
     * cancelling thread; a task whose call has already returned is not cancelled (false), as with FutureTask.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (!stopWork(mayInterruptIfRunning && pool.interruptOnCancel())) {
            return isCancelled();
        }
        onLoop(() -> super.cancel(false));
        return true;
    }

    /**
     * Completing the stage from outside (a timeout, say) stops the work as {@code cancel(true)} would; the
     * stage still completes on the caller's loop.
     */
    @Override
    public boolean complete(T value) {
        return completeFromOutside(() -> super.complete(value));
    }

    /** Same as {@link #complete(Object)}: completing the stage from outside stops the work. */
    @Override
    public boolean completeExceptionally(Throwable error) {
        return completeFromOutside(() -> super.completeExceptionally(error));
    }

    private boolean completeFromOutside(BooleanSupplier completion) {
        stopWork(pool.interruptOnCancel());
        if (loop != null && !loop.inEventLoop()) {
            boolean open = !isDone();
            onLoop(completion::getAsBoolean);
            return open;
        }
        return completion.getAsBoolean();
    }

    /** Refused: the result of offloaded work is the work's own. */
    @Override
    public void obtrudeValue(T value) {
        throw new UnsupportedOperationException("The result of offloaded work cannot be overwritten; cancel it "
                + "or complete it instead.");
    }

    /** Refused: the result of offloaded work is the work's own. */
    @Override
    public void obtrudeException(Throwable error) {
        throw new UnsupportedOperationException("The result of offloaded work cannot be overwritten; cancel it "
                + "or complete it instead.");
    }

    /** Runs {@code r} on the caller's loop, or here when there is none (or it has shut down). */
    private void onLoop(Runnable r) {
        if (loop != null && !loop.inEventLoop()) {
            try {
                loop.execute(r);
                return;
            } catch (RejectedExecutionException e) {
                // The loop is gone; completing here is better than never.
            }
        }
        r.run();
    }

    @Override
    public String toString() {
        return "OffloadTask[" + pool.name() + ", state " + state + "]";
    }
}
