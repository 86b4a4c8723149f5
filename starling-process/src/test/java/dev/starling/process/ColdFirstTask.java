package dev.starling.process;

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
 * A fresh JVM for the test that a route's first task does no one-time set-up on the event loop: builds a pool
 * and an app whose route sends a task to it, makes the first request while recording class loading, and prints
 * the answer ({@code answer 200 42}) and then every class loaded on an event loop ({@code loop <name>}).
 */
final class ColdFirstTask {

    private ColdFirstTask() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Files.createTempFile("cold-first-task", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ClassLoad").withoutStackTrace();
            recording.start();
            try (ProcessPool pool = ProcessPool.builder().name("cold").maxWorkers(1).build()) {
                Starling app = Starling.create(c -> c.port(0));
                app.getAsync("/first", request -> Concurrency.runInExecutor(pool, () -> 42));
                try (TestClient client = TestClient.create(app)) {
                    var response = client.get("/first");
                    System.out.println("answer " + response.status() + " " + response.text());
                }
                app.close();
            }
            recording.stop();
            recording.dump(file);
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
