package dev.starling.examples.demo;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

/**
 * The demo's Hazelcast cluster: members on 127.0.0.1 only, found over TCP (no multicast), ports 5701 to
 * 5710. The demo app is one member; {@code starling-examples/run member} starts more, which share its reports.
 */
public final class DemoCluster {

    /** The name of the demo's cluster; members of other clusters on the same ports are not let in. */
    public static final String NAME = "starling-demo";

    /** The name of the executor service that runs the demo's reports on the members. */
    public static final String EXECUTOR = "reports";

    private DemoCluster() {
    }

    /** Starts a member of the cluster called {@code cluster} in this JVM and returns it once it has joined. */
    public static HazelcastInstance join(String cluster, String name) {
        Config config = new Config();
        config.setInstanceName(name);
        config.setClusterName(cluster);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        // Hazelcast's own hook would terminate the member at once on Ctrl-C, beside the app's graceful stop;
        // the demo's onShutdown hook (or main's hook below) shuts it down gracefully instead.
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        // Alone, a member waits this long for others before it forms a cluster of one.
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.getNetworkConfig().setPort(5701).setPortAutoIncrement(true).setPortCount(10);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = config.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
        config.getExecutorConfig(EXECUTOR).setPoolSize(Runtime.getRuntime().availableProcessors());
        config.getJetConfig().setEnabled(false);
        return Hazelcast.newHazelcastInstance(config);
    }

    /** Starts one more member of the demo cluster and keeps it running until the process is stopped. */
    public static void main(String[] args) {
        HazelcastInstance member = join(NAME, "starling-demo-member-" + ProcessHandle.current().pid());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> member.getLifecycleService().shutdown(),
                "starling-demo-member-shutdown"));
    }
}
