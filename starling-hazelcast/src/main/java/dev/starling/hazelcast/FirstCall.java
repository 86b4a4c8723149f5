package dev.starling.hazelcast;

import com.hazelcast.cluster.MemberSelector;
import com.hazelcast.core.IExecutorService;
import dev.starling.concurrent.SerializableCallable;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The one-time work of an executor's first task, done when the executor is built instead of on the event loop
 * of the first request that sends one: Java serialization's set-up, and Hazelcast's own (the first partition
 * arrangement of the cluster, the invocation classes of the path the executor's tasks take).
 */
final class FirstCall {

    private static volatile boolean serialized;

    private FirstCall() {
    }

    /**
     * Serializes a sample task in this JVM (once per JVM), then sends a no-op task the way {@code service} and
     * {@code members} will send real ones, its ignored outcome arriving through {@code completions}, without
     * waiting for it; when it cannot go (no member selected yet, the instance stopped) its future fails unseen,
     * and the first real task meets the state it would have met anyway.
     */
    static void prepare(IExecutorService service, Optional<MemberSelector> members, Executor completions) {
        if (!serialized) {
            HashMap<String, String> captured = new HashMap<>();
            captured.put("sample", "sample");
            SerializableCallable<Object> sample = () -> captured;
            try (ObjectOutputStream out = new ObjectOutputStream(OutputStream.nullOutputStream())) {
                out.writeObject(new MemberCall<>(sample));
            } catch (IOException e) {
                // Cannot happen with these classes and a null stream; the first real task would only be slower.
            }
            serialized = true;   // two executors built at once may both do it, harmlessly
        }
        // Through a Submission, as real tasks go, so that its classes and Hazelcast's future chaining load here.
        new Submission<Object>(service, members, 0, FirstCall::nothing, completions).send();
    }

    private static Object nothing() {
        return null;
    }
}
