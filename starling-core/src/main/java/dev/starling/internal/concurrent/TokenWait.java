package dev.starling.internal.concurrent;

import dev.starling.Observer.Refusal;
import dev.starling.concurrent.CapacityExceededException;
import dev.starling.internal.Durations;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * A task's dealings with its pool's limiter: taking a token or waiting for one, the queue-timeout timer, the
 * refusals (a full waiting room, a wait past the queue timeout, a pool that shut down), and giving the token
 * back to hand it to the next waiter. The timer is the task's own field.
 */
final class TokenWait {

    private TokenWait() {
    }

    /** Takes a token for the task and runs it, queues it, or refuses it when the waiting room is full. */
    static void acquire(OffloadTask<?> task) {
        DefaultCapacityLimiter limiter = task.pool.limiter();
        if (limiter == null) {
            task.execute();
            return;
        }
        switch (limiter.acquire(task, task.bounded)) {
            case GRANTED -> task.execute();
            case QUEUED -> {
                if (!task.unstarted()) {
                    limiter.remove(task);   // cancelled while it was being queued
                } else if (limiter.queueTimeoutNanos() > 0 && task.bounded) {
                    task.expiry = Timers.schedule(task.loop, () -> expire(task), limiter.queueTimeoutNanos());
                    if (!task.unstarted()) {
                        disarm(task);   // granted and run (or cancelled) before the timer was set
                    }
                }
            }
            case REJECTED -> {
                if (task.claimUnstarted()) {
                    TaskEvents.refused(task.pool, Refusal.FULL);
                    task.deliver(null, new CapacityExceededException("The threadpool '" + task.pool.name()
                            + "' is full: all " + limiter.totalTokens() + " tokens are taken and "
                            + limiter.maxWaiting() + " tasks already wait."));
                }
            }
        }
    }

    /** Stops the queue-timeout timer: the task got its token, ended or was cancelled. */
    static void disarm(OffloadTask<?> task) {
        Future<?> timer = task.expiry;
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** The task waited longer than the queue timeout: refuse it, unless it got its token meanwhile. */
    private static void expire(OffloadTask<?> task) {
        DefaultCapacityLimiter limiter = task.pool.limiter();
        if (task.unstarted() && limiter.expire(task) && task.claimUnstarted()) {
            TaskEvents.refused(task.pool, Refusal.TIMED_OUT);
            task.deliver(null, new CapacityExceededException("The task waited longer than "
                    + Durations.describe(limiter.queueTimeoutNanos()) + " for a token of the threadpool '"
                    + task.pool.name() + "', whose " + limiter.totalTokens() + " tokens stayed taken."));
        }
    }

    /** Takes a task that was cancelled before it started out of the queue and stops its timer. */
    static void leave(OffloadTask<?> task) {
        DefaultCapacityLimiter limiter = task.pool.limiter();
        if (limiter != null) {
            limiter.remove(task);
        }
        disarm(task);
    }

    /** The pool shut down while this task waited for a token. */
    static void rejected(OffloadTask<?> task) {
        disarm(task);
        if (task.claimUnstarted()) {
            task.deliver(null, new RejectedExecutionException("The threadpool '" + task.pool.name()
                    + "' shut down before the task could start; it was not run."));
        }
    }

    /** The pool shut down after this task was granted a token but before it ran: give the token back, fail. */
    static OffloadTask<?> refuse(OffloadTask<?> task) {
        OffloadTask<?> next = release(task, true);
        rejected(task);
        return next;
    }

    /**
     * The executor would not take the task it was handed (it shut down): gives the token back, fails the task
     * and returns the waiter that now holds the token, not yet started.
     */
    static OffloadTask<?> notStarted(OffloadTask<?> task, RejectedExecutionException e) {
        OffloadTask<?> next = releaseToNext(task);
        if (task.claimUnstarted()) {
            task.deliver(null, new RejectedExecutionException("The threadpool '" + task.pool.name()
                    + "' shut down before the task could start; it was not run.", e));
        }
        return next;
    }

    /**
     * Gives the token back and returns the task that now holds it, not yet started, for the caller's loop to
     * start: refusals by a dead executor are handled one after another, never one stack frame per waiter.
     */
    static OffloadTask<?> releaseToNext(OffloadTask<?> task) {
        DefaultCapacityLimiter limiter = task.pool.limiter();
        DefaultCapacityLimiter.Waiter next = limiter == null ? null : limiter.releaseAndPoll();
        if (next instanceof OffloadTask<?> waiter) {
            return waiter;
        }
        if (next != null) {
            next.granted();
        }
        return null;
    }

    /** Gives the token back after the call ran; returns the waiter granted it when it is to run on this thread. */
    static OffloadTask<?> releaseAfterRun(OffloadTask<?> task, boolean won) {
        // When the completion runs right here (no loop to post to), its callbacks may block or wait for the
        // next waiter: hand that waiter to the executor instead of queueing it behind them on this thread.
        boolean completesHere = won && (task.loop == null || task.loop.inEventLoop());
        return release(task, !completesHere);
    }

    /** Gives the token back; returns the granted waiter when it can run on this same thread. */
    static OffloadTask<?> release(OffloadTask<?> task, boolean inline) {
        WorkerPool pool = task.pool;
        DefaultCapacityLimiter limiter = pool.limiter();
        if (limiter == null) {
            return null;
        }
        DefaultCapacityLimiter.Waiter next = limiter.releaseAndPoll();
        if (next == null) {
            return null;
        }
        // Only Starling's own threads run a waiter inline: a user's executor keeps its hooks and shutdown.
        if (inline && pool.ownsThreads() && next instanceof OffloadTask<?> waiter
                && waiter.pool.executor() == pool.executor()) {
            return waiter;
        }
        next.granted();
        return null;
    }
}
