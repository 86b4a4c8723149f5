package dev.starling.process;

/**
 * Reads what workers send back, results and exceptions, under the pool's allow-list, and settles the tasks'
 * futures with them.
 */
final class Replies {

    private final PoolState state;
    private final PoolFilter filter;

    Replies(PoolState state, PoolFilter filter) {
        this.state = state;
        this.filter = filter;
    }

    /**
     * Completes {@code job}'s future from its RESULT or FAILURE frame; any failure to read the frame, an
     * {@link Error} included, fails that future with a sentence instead of reaching the reader thread.
     */
    void complete(WorkerProcess worker, Job job, Frames.Frame frame) {
        if (frame.kind() == Frames.RESULT) {
            Object value;
            AllowList.Check check = AllowList.check(filter.spec(), state.maxMessageBytes);
            try {
                value = job.fixed ? job.fixedResult : Frames.deserialize(frame.first(), check);
            } catch (Throwable e) {
                state.failed.incrementAndGet();
                job.future.completeExceptionally(AllowList.failure(check, e,
                        "the result of task " + job.taskClass + " from worker pid " + worker.pid, state.name));
                return;
            }
            state.completed.incrementAndGet();
            job.future.completeValue(value);
        } else {
            state.failed.incrementAndGet();
            Throwable error;
            try {
                error = decodeFailure(worker, frame, "the exception of task " + job.taskClass);
                error.addSuppressed(new RemoteOrigin("This exception was thrown in worker pid " + worker.pid
                        + " of process pool '" + state.name + "' while it ran task " + job.taskClass + "."));
            } catch (Throwable e) {
                error = new RemoteTaskException("unknown", "Task " + job.taskClass + " failed in worker pid "
                        + worker.pid + " of process pool '" + state.name + "', and its exception could not be read ("
                        + e + ").", new StackTraceElement[0], null);
            }
            job.future.completeExceptionally(error);
        }
    }

    /** Reads the exception of a FAILURE or INIT_FAILED frame, falling back to its {@link RemoteTaskException}. */
    Throwable decodeFailure(WorkerProcess worker, Frames.Frame frame, String what) {
        Throwable problem = null;
        if (frame.first().length > 0) {
            AllowList.Check check = AllowList.check(filter.spec(), state.maxMessageBytes);
            try {
                return (Throwable) Frames.deserialize(frame.first(), check);
            } catch (Throwable e) {
                problem = AllowList.failure(check, e, what, state.name);
            }
        }
        Throwable fallback;
        try {
            fallback = (Throwable) Frames.deserialize(frame.second(), AllowList.check("java.**;dev.starling.**",
                    state.maxMessageBytes));
        } catch (Throwable e) {
            fallback = new RemoteTaskException("unknown", "Worker pid " + worker.pid + " of process pool '"
                    + state.name + "' sent " + what + ", which could not be read (" + e + ").",
                    new StackTraceElement[0], null);
        }
        if (problem != null) {
            fallback.addSuppressed(problem);
        }
        return fallback;
    }
}
