package dev.starling.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.starling.Starling;
import dev.starling.concurrent.Concurrency;
import dev.starling.testing.TestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * A fresh JVM for the test that a route's first task does no one-time set-up on the event loop: starts a
 * one-member cluster on 127.0.0.1 at port {@code args[0]} (cluster name {@code args[1]}), builds an executor
 * and an app whose route sends a task to it, makes the first request while recording class loading, and
 * prints the answer ({@code answer 200 42}) and then every class loaded on an event loop ({@code loop <name>}).
 */
final class ColdFirstTask {

    private ColdFirstTask() {
    }

    public static void main(String[] args) throws Exception {
        Config config = new Config();
        config.setClusterName(args[1]);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "none");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.getJetConfig().setEnabled(false);
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(Integer.parseInt(args[0])).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + args[0]);
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        Path file = Files.createTempFile("cold-first-task", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ClassLoad").withoutStackTrace();
            recording.start();
            HazelcastExecutor cluster = HazelcastExecutor.create(member.getExecutorService("cold"));
            Starling app = Starling.create(c -> c.port(0));
            app.getAsync("/first", request -> Concurrency.runInExecutor(cluster, () -> 42));
            try (TestClient client = TestClient.create(app)) {
                var response = client.get("/first");
                System.out.println("answer " + response.status() + " " + response.text());
            }
            app.close();
            recording.stop();
            recording.dump(file);
        } finally {
            member.getLifecycleService().terminate();
        }
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            RecordedThread thread = event.getThread();
            if (thread != null && thread.getJavaName() != null && thread.getJavaName().startsWith("starling-loop-")) {
                System.out.println("loop " + event.getClass("loadedClass").getName());
            }
        }
        Files.delete(file);
    }
}
