package dev.starling.bench;

import com.hazelcast.cluster.memberselector.MemberSelectors;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.starling.concurrent.Concurrency;
import dev.starling.concurrent.SerializableCallable;
import dev.starling.hazelcast.HazelcastExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The round trip of a no-op task through {@link HazelcastExecutor} to an embedded two-member cluster in this
 * JVM, on 127.0.0.1: to the other member, to the other member with futures completed on Hazelcast's response
 * thread, and to the local member.
 *
 * <p>Both members share the JVM, so the figures hold serialization, Hazelcast's operation and response threads
 * and the loopback TCP hop, not a network. The benchmark thread waits for each result.
 *
 * <pre>{@code
 * starling-bench/jmh ClusterHop
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "java.se",
    "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens", "java.base/java.lang=ALL-UNNAMED",
    "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens", "java.management/sun.management=ALL-UNNAMED",
    "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class ClusterHopBenchmark {

    private static final SerializableCallable<Object> NO_OP = () -> null;

    private HazelcastInstance caller;
    private HazelcastInstance other;
    private HazelcastExecutor toOther;
    private HazelcastExecutor toOtherInline;
    private HazelcastExecutor toLocal;
    private LoopHop loop;

    /** Starts the two members and checks that each executor reaches the member it is named after. */
    @Setup
    public void setUp() throws Exception {
        String cluster = "starling-bench-" + UUID.randomUUID();
        int basePort = freePorts(2);
        caller = member(cluster, basePort, "caller");
        other = member(cluster, basePort, "other");
        if (caller.getCluster().getMembers().size() != 2) {
            throw new IllegalStateException("The two members did not form one cluster: "
                    + caller.getCluster().getMembers());
        }
        var service = caller.getExecutorService("bench");
        toOther = HazelcastExecutor.builder(service).onMembers(MemberSelectors.NON_LOCAL_MEMBER_SELECTOR).build();
        toOtherInline = HazelcastExecutor.builder(service).onMembers(MemberSelectors.NON_LOCAL_MEMBER_SELECTOR)
                .completeOn(Runnable::run).build();
        toLocal = HazelcastExecutor.builder(service).onMembers(MemberSelectors.LOCAL_MEMBER_SELECTOR).build();
        loop = new LoopHop();
    }

    /** Stops both members. */
    @TearDown
    public void tearDown() {
        other.getLifecycleService().terminate();
        caller.getLifecycleService().terminate();
        loop.close();
    }

    /** To the other member through Starling: {@code runInExecutor} from an event loop, back on that loop. */
    @Benchmark
    public Object otherMemberViaStarling() {
        return loop.hop(() -> Concurrency.runInExecutor(toOther, NO_OP));
    }

    /** To the other member; the future completes on the common pool (the default). */
    @Benchmark
    public Object otherMember() {
        return toOther.submit(NO_OP).join();
    }

    /** To the other member; the future completes on Hazelcast's response thread ({@code completeOn(Runnable::run)}). */
    @Benchmark
    public Object otherMemberInline() {
        return toOtherInline.submit(NO_OP).join();
    }

    /** To the calling member itself: serialization and Hazelcast's threads, no TCP. */
    @Benchmark
    public Object localMember() {
        return toLocal.submit(NO_OP).join();
    }

    private static HazelcastInstance member(String cluster, int basePort, String name) {
        Config config = new Config();
        config.setClusterName(cluster);
        config.setInstanceName(name + "-" + UUID.randomUUID());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "none");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(basePort).setPortAutoIncrement(true).setPortCount(2);
        network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + basePort).addMember("127.0.0.1:" + (basePort + 1));
        return Hazelcast.newHazelcastInstance(config);
    }

    /** Returns the first of {@code count} consecutive free ports from 5901 up, clear of a test cluster's. */
    private static int freePorts(int count) {
        for (int base = 5901; base < 6901; base += count) {
            if (IntStream.range(base, base + count).allMatch(ClusterHopBenchmark::free)) {
                return base;
            }
        }
        throw new IllegalStateException("No " + count + " consecutive free ports between 5901 and 6900.");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.isBound();
        } catch (IOException e) {
            return false;
        }
    }
}
