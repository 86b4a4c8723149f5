package dev.starling.internal.concurrent;

import dev.starling.concurrent.CapacityExceededException;
import dev.starling.concurrent.RemoteExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import org.slf4j.MDC;

/**
 * One offloaded call: waits for a token, runs once on a worker, and completes on the caller's event loop.
 *
 * <p>States follow {@link java.util.concurrent.FutureTask}: a task cancelled before it starts never runs; a
 * running task that is cancelled completes at once, its thread is interrupted when the pool says so, and its
 * token goes back only when the thread returns.
 */
public final class OffloadTask<T> extends CompletableFuture<T> implements Runnable, DefaultCapacityLimiter.Waiter {

    private static final int NEW = 0;
    private static final int RUNNING = 1;
    private static final int COMPLETING = 2;
    private static final int CANCELLED = 3;
    private static final int INTERRUPTING = 4;
    private static final int INTERRUPTED = 5;

    private static final VarHandle STATE;
    private static final FastThreadLocal<OffloadTask<?>> CURRENT = new FastThreadLocal<>();
    private static final boolean CAPTURE_CALL_SITE =
            !"false".equalsIgnoreCase(System.getProperty("starling.offload.callSite", "true"));

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(OffloadTask.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Callable<? extends T> fn;
    private final WorkerPool pool;
    private final WorkerPool home;
    private final EventExecutor loop;
    private final Context context;
    private final Map<String, String> mdc;
    private final OffloadedFrom callSite;
    private volatile int state;
    private volatile Thread runner;
    /** When the task was started (nanoTime), for observers; 0 when nobody observes. */
    private long startedAt;
    /** When the call began to run (nanoTime), for observers. */
    private long ranAt;
    /** Refuses the task once it has waited for a token longer than the limiter's queue timeout. */
    private volatile java.util.concurrent.Future<?> expiry;
    /** The future of the task's run in another JVM, when the pool's executor is a {@link RemoteExecutor}. */
    private volatile CompletableFuture<T> remote;
    /** Whether the waiting room's bound applies; off for work already promised to a client. */
    boolean bounded = true;
    /** Receives a result that a cancel made nobody's (set before start); it must release what the result holds. */
    private volatile java.util.function.Consumer<Object> onAbandoned;

    OffloadTask(Callable<? extends T> fn, WorkerPool pool, WorkerPool home, EventExecutor loop,
                boolean captureCallSite) {
        this.fn = fn;
        this.pool = pool;
        this.home = home;
        this.loop = loop;
        this.context = Context.current();
        this.mdc = MDC.getCopyOfContextMap();
        this.callSite = captureCallSite && CAPTURE_CALL_SITE ? new OffloadedFrom(Thread.currentThread().getName(), pool.name()) : null;
    }

    /** Returns true for work already promised to a client (background tasks, after-phases), which no bound refuses. */
    public boolean promised() {
        return !bounded;
    }

    /** Stops the queue-timeout timer: the task got its token, ended or was cancelled. */
    private void disarm() {
        java.util.concurrent.Future<?> timer = expiry;
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** Returns the task running on the current thread, or null. */
    public static OffloadTask<?> current() {
        return CURRENT.getIfExists();
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
    public OffloadTask<T> onAbandoned(java.util.function.Consumer<Object> action) {
        this.onAbandoned = action;
        return this;
    }

    void start() {
        Scope scope = context.scope();
        if (scope != null) {
            scope.track(this);
            if (state != NEW) {
                return;   // cancelled by its scope: never queue, never take a token
            }
        }
        if (pool.observer() != null) {
            startedAt = System.nanoTime();
        }
        DefaultCapacityLimiter limiter = pool.limiter();
        if (limiter == null) {
            execute();
            return;
        }
        switch (limiter.acquire(this, bounded)) {
            case GRANTED -> execute();
            case QUEUED -> {
                if (state != NEW) {
                    limiter.remove(this);   // cancelled while it was being queued
                } else if (limiter.queueTimeoutNanos() > 0 && bounded) {
                    expiry = Timers.schedule(loop, this::expire, limiter.queueTimeoutNanos());
                    if (state != NEW) {
                        disarm();   // granted and run (or cancelled) before the timer was set
                    }
                }
            }
            case REJECTED -> {
                if (STATE.compareAndSet(this, NEW, COMPLETING)) {
                    refused(dev.starling.Observer.Refusal.FULL);
                    deliver(null, new CapacityExceededException("The threadpool '" + pool.name() + "' is full: all "
                            + limiter.totalTokens() + " tokens are taken and " + limiter.maxWaiting()
                            + " tasks already wait."));
                }
            }
        }
    }

    /** The task waited longer than the queue timeout: refuse it, unless it got its token meanwhile. */
    private void expire() {
        DefaultCapacityLimiter limiter = pool.limiter();
        if (state == NEW && limiter.expire(this) && STATE.compareAndSet(this, NEW, COMPLETING)) {
            refused(dev.starling.Observer.Refusal.TIMED_OUT);
            deliver(null, new CapacityExceededException("The task waited longer than "
                    + Timers.describe(limiter.queueTimeoutNanos()) + " for a token of the threadpool '" + pool.name()
                    + "', whose " + limiter.totalTokens() + " tokens stayed taken."));
        }
    }

    private void refused(dev.starling.Observer.Refusal reason) {
        dev.starling.Observer observer = pool.observer();
        if (observer != null) {
            Observers.refused(observer, pool.name(), reason);
        }
    }

    /** Tells the observer, if any, how the task ended; {@code ran} says whether the call ever started. */
    private void ended(dev.starling.Observer.Outcome outcome, boolean ran) {
        dev.starling.Observer observer = pool.observer();
        if (observer != null && startedAt != 0) {
            long now = System.nanoTime();
            long began = ran ? ranAt : now;
            Observers.ended(observer, pool.name(), Math.max(0, began - startedAt), ran ? now - ranAt : 0, outcome);
        }
    }

    @Override
    public void granted() {
        disarm();
        execute();
    }

    private void execute() {
        OffloadTask<?> task = this;
        while (task != null) {
            task = task.tryExecute();   // a loop, not recursion: every waiter of a dead executor is refused here
        }
    }

    private OffloadTask<?> tryExecute() {
        if (pool.executor() instanceof RemoteExecutor executor) {
            return sendRemote(executor);
        }
        try {
            pool.executor().execute(this);
            return null;
        } catch (RejectedExecutionException e) {
            OffloadTask<?> next = releaseTokenToNext();
            if (STATE.compareAndSet(this, NEW, COMPLETING)) {
                deliver(null, new RejectedExecutionException("The threadpool '" + pool.name()
                        + "' shut down before the task could start; it was not run.", e));
            }
            return next;
        }
    }

    /**
     * Hands the callable itself, with the context that can travel, to an executor in another JVM; the token
     * comes back when the remote run has ended (or been stopped), and the result is delivered as usual.
     */
    private OffloadTask<?> sendRemote(RemoteExecutor executor) {
        if (!STATE.compareAndSet(this, NEW, RUNNING)) {
            return releaseTokenToNext();
        }
        disarm();
        if (startedAt != 0) {
            ranAt = System.nanoTime();
        }
        CompletableFuture<T> future;
        try {
            future = executor.submit(new RemoteCall<T>(fn, mdc, context));
        } catch (RejectedExecutionException e) {
            // A full or closed executor is a service that cannot take more now: 503 with Retry-After.
            CapacityExceededException refused = new CapacityExceededException("The executor '" + pool.name()
                    + "' refused the task, which was not run: " + e.getMessage());
            refused.initCause(e);
            future = CompletableFuture.failedFuture(refused);
        } catch (Throwable t) {
            future = CompletableFuture.failedFuture(t);
        }
        remote = future;
        if (state == INTERRUPTING || state == INTERRUPTED) {
            future.cancel(true);   // cancelled while it was being sent
        }
        if (future.isDone() && state == RUNNING) {
            // Refused at once (a shut-down executor, say): hand the token on in the caller's loop, not by
            // recursion, however many waiters are refused in a row.
            Throwable failure = failureOf(future);
            return remoteEnded(executor, future, failure == null ? future.join() : null, failure);
        }
        CompletableFuture<T> sent = future;
        future.whenComplete((value, failure) -> {
            OffloadTask<?> next = remoteEnded(executor, sent, value, failure);
            if (next != null) {
                next.execute();
            }
        });
        return null;
    }

    private static Throwable failureOf(CompletableFuture<?> done) {
        try {
            done.join();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /**
     * Delivers the remote run's outcome and returns the waiter that now holds the token, not yet started. A
     * task stopped from outside keeps its token until the executor says the run has really ended.
     */
    private OffloadTask<?> remoteEnded(RemoteExecutor executor, CompletableFuture<T> future, T value,
                                      Throwable failure) {
        Throwable error = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (STATE.compareAndSet(this, RUNNING, COMPLETING)) {
            ended(error == null ? dev.starling.Observer.Outcome.COMPLETED : dev.starling.Observer.Outcome.FAILED, true);
            OffloadTask<?> next = releaseTokenToNext();
            deliver(value, error);
            return next;
        }
        ended(dev.starling.Observer.Outcome.CANCELLED, true);
        if (error == null && value != null && onAbandoned != null) {
            java.util.function.Consumer<Object> action = onAbandoned;
            Cleanup.run("Releasing the result of a cancelled task", () -> action.accept(value));
        }
        CompletionStage<?> ended;
        try {
            ended = executor.whenEnded(future);
        } catch (Throwable t) {
            ended = future;   // an executor that cannot say: the future's end is all there is
        }
        ended.whenComplete((ignored, alsoIgnored) -> {
            OffloadTask<?> next = releaseTokenToNext();
            if (next != null) {
                next.execute();
            }
        });
        return null;
    }

    /** The pool shut down while this task waited for a token. */
    void rejected() {
        disarm();
        if (STATE.compareAndSet(this, NEW, COMPLETING)) {
            deliver(null, new RejectedExecutionException("The threadpool '" + pool.name()
                    + "' shut down before the task could start; it was not run."));
        }
    }

    /** The pool shut down after this task was granted a token but before it ran: give the token back, fail. */
    private OffloadTask<?> refuse() {
        OffloadTask<?> next = releaseToken(true);
        rejected();
        return next;
    }

    @Override
    public void run() {
        OffloadTask<?> next = this;
        while (next != null) {
            // A waiter handed over on this thread skips the executor, so it must check for shutdown itself.
            next = next != this && next.pool.isShutdown() ? next.refuse() : next.runHere();
        }
    }

    /** Runs this task on the current thread and returns the next waiter to run here, if any. */
    private OffloadTask<?> runHere() {
        Thread thread = Thread.currentThread();
        runner = thread;
        if (!STATE.compareAndSet(this, NEW, RUNNING)) {
            runner = null;
            return releaseToken(true);
        }
        disarm();   // a waiter handed over on this thread never passed through granted()
        T value = null;
        Throwable error = null;
        if (startedAt != 0) {
            ranAt = System.nanoTime();
        }
        Context previousContext = Context.set(context);
        OffloadTask<?> previousTask = CURRENT.get();
        CURRENT.set(this);
        Map<String, String> previousMdc = swapMdc(mdc);
        WorkerThread worker = thread instanceof WorkerThread w ? w : null;
        if (worker != null) {
            Scope scope = context.scope();
            worker.began(scope == null ? pool.label() : scope.routeName());
        }
        try {
            value = fn.call();
        } catch (Throwable t) {
            error = t;
        } finally {
            if (worker != null) {
                worker.ended();
            }
            swapMdc(previousMdc);
            CURRENT.set(previousTask);
            Context.set(previousContext);
            runner = null;
        }
        boolean won = STATE.compareAndSet(this, RUNNING, COMPLETING);
        if (!won) {
            while (state == INTERRUPTING) {
                Thread.onSpinWait();
            }
        }
        ended(!won ? dev.starling.Observer.Outcome.CANCELLED
                : error == null ? dev.starling.Observer.Outcome.COMPLETED : dev.starling.Observer.Outcome.FAILED, true);
        // Whatever interrupt is left (the cancel's, or one the task set on itself) must not hit the next task.
        Thread.interrupted();
        // When the completion runs right here (no loop to post to), its callbacks may block or wait for the
        // next waiter: hand that waiter to the executor instead of queueing it behind them on this thread.
        boolean completesHere = won && (loop == null || loop.inEventLoop());
        OffloadTask<?> next = releaseToken(!completesHere);
        if (won) {
            deliver(value, error);
        } else if (error == null && value != null && onAbandoned != null) {
            java.util.function.Consumer<Object> action = onAbandoned;
            T lost = value;
            Cleanup.run("Releasing the result of a cancelled task", () -> action.accept(lost));
        }
        return next;
    }

    private static Map<String, String> swapMdc(Map<String, String> replacement) {
        Map<String, String> previous = MDC.getCopyOfContextMap();
        if (replacement == null) {
            MDC.clear();
        } else {
            MDC.setContextMap(replacement);
        }
        return previous;
    }

    /** Gives the token back; returns the granted waiter when it can run on this same thread. */
    /**
     * Gives the token back and returns the task that now holds it, not yet started, for the caller's loop to
     * start: refusals by a dead executor are handled one after another, never one stack frame per waiter.
     */
    private OffloadTask<?> releaseTokenToNext() {
        DefaultCapacityLimiter limiter = pool.limiter();
        DefaultCapacityLimiter.Waiter next = limiter == null ? null : limiter.releaseAndPoll();
        if (next instanceof OffloadTask<?> task) {
            return task;
        }
        if (next != null) {
            next.granted();
        }
        return null;
    }

    private OffloadTask<?> releaseToken(boolean inline) {
        DefaultCapacityLimiter limiter = pool.limiter();
        if (limiter == null) {
            return null;
        }
        DefaultCapacityLimiter.Waiter next = limiter.releaseAndPoll();
        if (next == null) {
            return null;
        }
        // Only Starling's own threads run a waiter inline: a user's executor keeps its hooks and shutdown.
        if (inline && pool.ownsThreads() && next instanceof OffloadTask<?> task
                && task.pool.executor() == pool.executor()) {
            return task;
        }
        next.granted();
        return null;
    }

    private void deliver(T value, Throwable error) {
        if (error != null && callSite != null && error != callSite) {
            error.addSuppressed(callSite);
        }
        Runnable completion = () -> {
            LoopProbe probe = LoopProbe.current();
            Scope scope = context.scope();
            if (probe != null) {
                probe.enter(scope == null ? null : scope.routeName());
            }
            // Continuations run in the caller's context, so work they offload in turn still belongs to the request.
            Context previous = loop != null ? Context.set(context) : null;
            try {
                if (error == null) {
                    super.complete(value);
                } else {
                    super.completeExceptionally(error);
                }
            } finally {
                if (loop != null) {
                    Context.set(previous);
                }
                if (probe != null) {
                    probe.exit();
                }
            }
        };
        onLoop(completion);
        untrack();
    }

    private void untrack() {
        Scope scope = context.scope();
        if (scope != null) {
            scope.untrack(this);
        }
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
                    DefaultCapacityLimiter limiter = pool.limiter();
                    if (limiter != null) {
                        limiter.remove(this);
                    }
                    disarm();
                    ended(dev.starling.Observer.Outcome.CANCELLED, false);
                    untrack();
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
                        CompletableFuture<T> elsewhere = remote;
                        if (elsewhere != null) {
                            elsewhere.cancel(true);
                        }
                        untrack();
                        return true;
                    }
                } else if (STATE.compareAndSet(this, RUNNING, CANCELLED)) {
                    untrack();
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

    /**
     * Completing the stage from outside (a timeout, say) stops the work as {@code cancel(true)} would; the
     * stage still completes on the caller's loop.
     */
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

    /** The caller's stack at the moment of the offload, attached to a failing task's exception. */
    static final class OffloadedFrom extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OffloadedFrom(String threadName, String poolName) {
            super("The task was offloaded to '" + poolName + "' from thread '" + threadName + "' here.");
        }
    }
}
