package dev.starling.hazelcast;

import java.io.Serial;

/**
 * Thrown when a task's member left the cluster, or the local Hazelcast instance stopped, before the task's
 * outcome came back.
 *
 * <p>The task may or may not have run, in part or in whole. The cause is Hazelcast's exception, such as
 * {@code MemberLeftException} or {@code HazelcastInstanceNotActiveException}.
 */
public final class TaskLostException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    TaskLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
