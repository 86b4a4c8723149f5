package dev.starling.hazelcast;

import com.hazelcast.cluster.MemberSelector;
import com.hazelcast.core.IExecutorService;
import dev.starling.concurrent.RemoteExecutor;
import dev.starling.concurrent.SerializableCallable;
import java.io.Serializable;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;

/**
 * A {@link RemoteExecutor} that runs tasks on the members of a Hazelcast cluster through an
 * {@link IExecutorService}.
 *
 * <p>Each task is serialized by Hazelcast (plain Java serialization for a {@link SerializableCallable}) when it
 * is submitted, runs on one member, and its result or exception comes back through Hazelcast's callback, so no
 * thread waits for it. Without {@link Builder#onMembers(MemberSelector)} Hazelcast chooses the member: the owner
 * of a random partition, which spreads tasks over all members (the local one included) in proportion to the
 * partitions they own. A member that leaves while it runs a task fails that task with a
 * {@link TaskLostException}, unless {@link Builder#retries(int)} allows running it again elsewhere.
 *
 * <pre>{@code
 * HazelcastInstance hz = Hazelcast.newHazelcastInstance(config);
 * RemoteExecutor cluster = HazelcastExecutor.create(hz.getExecutorService("reports"));
 * CompletionStage<Report> report = Concurrency.runInExecutor(cluster, () -> Reports.build(id));
 * }</pre>
 */
public final class HazelcastExecutor implements RemoteExecutor {

    private final IExecutorService service;
    private final Optional<MemberSelector> members;
    private final int retries;
    private final String name;
    private final Executor completions;

    private HazelcastExecutor(Builder builder) {
        this.service = builder.service;
        this.members = builder.members;
        this.retries = builder.retries;
        this.name = builder.name.orElseGet(() -> "hazelcast:" + builder.service.getName());
        this.completions = builder.completions;
    }

    /**
     * Returns an executor over {@code service} with the defaults: any member, no retries.
     *
     * @param service the Hazelcast executor service that runs the tasks
     * @return the executor
     */
    public static HazelcastExecutor create(IExecutorService service) {
        return builder(service).build();
    }

    /**
     * Returns a builder of an executor over {@code service}.
     *
     * @param service the Hazelcast executor service that runs the tasks
     * @return a builder with the defaults: any member, no retries
     */
    public static Builder builder(IExecutorService service) {
        return new Builder(service);
    }

    /**
     * Sends {@code task} to a member of the cluster and returns a future of its result.
     *
     * <p>The future completes on the {@link ForkJoinPool#commonPool() common pool}, or on the executor given to
     * {@link Builder#completeOn(Executor)}; {@code Concurrency.runInExecutor} then brings the result back to
     * the caller's event loop. A task that cannot be serialized fails the future with an
     * {@link IllegalArgumentException} naming the class that could not be serialized; nothing is thrown at the
     * caller. Cancelling the future, or completing it in any other way before the task's outcome arrives (as
     * {@code orTimeout} does), cancels the task on its member, interrupting it unless the future was cancelled
     * with {@code mayInterruptIfRunning} false; that cancel runs on a virtual thread, as Hazelcast's waits for
     * the member's answer.
     */
    @Override
    public <T> CompletableFuture<T> submit(SerializableCallable<T> task) {
        Objects.requireNonNull(task, "HazelcastExecutor.submit needs a task, not null.");
        Submission<T> submission = new Submission<>(service, members, retries, task, completions);
        submission.send();
        return submission;
    }

    /**
     * Returns a stage that completes when the task behind {@code submitted} no longer runs as far as Hazelcast
     * can tell: with its outcome, or after a cancel once its member has answered the cancel and interrupted the
     * task. A task that ignores the interrupt may run on; Hazelcast does not report when it stops.
     */
    @Override
    public java.util.concurrent.CompletionStage<?> whenEnded(CompletableFuture<?> submitted) {
        return submitted instanceof Submission<?> submission ? submission.ended() : submitted;
    }

    /**
     * Runs {@code command} on a member of the cluster, which requires it to be {@link Serializable}.
     *
     * <p>Nothing reports the outcome back: Hazelcast logs an exception the command throws on its member. Prefer
     * {@link #submit(SerializableCallable)}, which returns the outcome.
     *
     * @throws RejectedExecutionException if {@code command} is not {@link Serializable} or Hazelcast rejects it
     */
    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "HazelcastExecutor.execute needs a runnable, not null.");
        if (!(command instanceof Serializable)) {
            throw new RejectedExecutionException("The runnable " + command.getClass().getName() + " cannot run on "
                    + name + " because it is not Serializable; implement Serializable or submit a"
                    + " SerializableCallable instead.");
        }
        try {
            if (members.isPresent()) {
                service.execute(command, members.get());
            } else {
                service.execute(command);
            }
        } catch (RejectedExecutionException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RejectedExecutionException("The runnable " + command.getClass().getName()
                    + " could not be sent to " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns the Hazelcast member that runs the current task, when called from a task sent by a
     * {@code HazelcastExecutor}: the way to reach the member's maps and services from a task that
     * {@code Concurrency.runInExecutor} wrapped (a wrapped task's own {@code HazelcastInstanceAware} is not
     * called; this is).
     */
    public static Optional<com.hazelcast.core.HazelcastInstance> member() {
        return Optional.ofNullable(MemberCall.MEMBER.get());
    }

    /** Returns the name given to the builder, or {@code hazelcast:} and the executor service's name. */
    @Override
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "HazelcastExecutor[" + name + "]";
    }

    /**
     * Configures a {@link HazelcastExecutor}; not thread-safe.
     */
    public static final class Builder {

        private final IExecutorService service;
        private Optional<MemberSelector> members = Optional.empty();
        private int retries;
        private Optional<String> name = Optional.empty();
        private Executor completions = ForkJoinPool.commonPool();

        private Builder(IExecutorService service) {
            this.service = Objects.requireNonNull(service,
                    "A HazelcastExecutor needs an IExecutorService, not null.");
        }

        /**
         * Runs tasks only on members that {@code selector} selects, a random one of them each time.
         *
         * <p>A task submitted when no member is selected fails with Hazelcast's
         * {@link RejectedExecutionException}. Use {@code MemberSelectors.LOCAL_MEMBER_SELECTOR} or
         * {@code NON_LOCAL_MEMBER_SELECTOR} to keep work on or off the calling member.
         *
         * @param selector which members may run the tasks
         * @return this builder
         */
        public Builder onMembers(MemberSelector selector) {
            this.members = Optional.of(Objects.requireNonNull(selector, "The member selector must not be null."));
            return this;
        }

        /**
         * Runs a task again, up to {@code retries} more times, when the member that runs it leaves the cluster;
         * only for executors whose tasks are idempotent.
         *
         * <p>When a member leaves, a task it ran may have had any part of its effects, so the default, 0, fails
         * the task with a {@link TaskLostException} instead. A task that throws is never run again.
         *
         * @param retries how many times a task may run again, 0 or more
         * @return this builder
         */
        public Builder retries(int retries) {
            if (retries < 0) {
                throw new IllegalArgumentException("retries must be 0 or more, but it is " + retries + ".");
            }
            this.retries = retries;
            return this;
        }

        /**
         * Sets the name used in log lines and error messages.
         *
         * @param name the executor's name; by default {@code hazelcast:} and the executor service's name
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Optional.of(Objects.requireNonNull(name, "The executor name must not be null."));
            return this;
        }

        /**
         * Completes the futures that {@link #submit(SerializableCallable)} returns on {@code executor}, so that
         * their dependent stages run there.
         *
         * <p>By default they complete on the {@link ForkJoinPool#commonPool() common pool}. {@code Runnable::run}
         * completes them on the Hazelcast thread that receives the outcome, which saves a thread hop when
         * dependents only hand the result on (as {@code Concurrency.runInExecutor} does); dependents there must
         * neither block, which holds up Hazelcast's other responses, nor call Hazelcast, which such threads
         * refuse with an {@code IllegalThreadStateException}.
         *
         * @param executor where returned futures complete
         * @return this builder
         */
        public Builder completeOn(Executor executor) {
            this.completions = Objects.requireNonNull(executor,
                    "The executor that completes the futures must not be null.");
            return this;
        }

        /**
         * Returns the executor, after doing the one-time work of a first task here rather than on the event loop
         * of the first request that sends one: it serializes a sample task in this JVM and sends one no-op task
         * the way tasks will go (to the selected members, or to the owner of a random partition, which makes
         * Hazelcast arrange the partitions if no one did yet), without waiting for it.
         *
         * @return a new executor over the builder's executor service
         */
        public HazelcastExecutor build() {
            HazelcastExecutor executor = new HazelcastExecutor(this);
            FirstCall.prepare(service, members, completions);
            return executor;
        }
    }
}
