package dev.starling.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import dev.starling.concurrent.SerializableCallable;
import java.io.Serial;

/**
 * A task on the member that runs it: makes the member's instance available to the task, through
 * {@link HazelcastExecutor#member()} and, for a task that is {@link HazelcastInstanceAware} itself, as
 * Hazelcast would have done had the task not been wrapped.
 */
final class MemberCall<T> implements SerializableCallable<T>, HazelcastInstanceAware {

    @Serial
    private static final long serialVersionUID = 1L;

    static final ThreadLocal<HazelcastInstance> MEMBER = new ThreadLocal<>();

    private final SerializableCallable<T> task;
    private transient HazelcastInstance member;

    MemberCall(SerializableCallable<T> task) {
        this.task = task;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.member = instance;
        if (task instanceof HazelcastInstanceAware aware) {
            aware.setHazelcastInstance(instance);
        }
    }

    @Override
    public T call() throws Exception {
        HazelcastInstance previous = MEMBER.get();
        MEMBER.set(member);
        try {
            return task.call();
        } finally {
            if (previous == null) {
                MEMBER.remove();
            } else {
                MEMBER.set(previous);
            }
        }
    }

    @Override
    public String describe() {
        return task.describe();
    }
}
