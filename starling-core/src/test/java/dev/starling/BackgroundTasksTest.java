package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.concurrent.Threadpool;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BackgroundTasksTest {

    static final class Api {
        final List<String> done = new CopyOnWriteArrayList<>();
        final CountDownLatch mayRun = new CountDownLatch(1);

        private void addTasks(BackgroundTasks tasks) {
            tasks.add(() -> {
                // If this ran before the response was written, the client would wait here forever.
                mayRun.await(10, TimeUnit.SECONDS);
                done.add("first on " + Thread.currentThread().getName());
            });
            tasks.addAsync(() -> {
                done.add("second on " + Thread.currentThread().getName());
                return CompletableFuture.completedFuture(null);
            });
            tasks.add(() -> {
                throw new IllegalStateException("the third fails");
            });
            tasks.add(() -> done.add("fourth on " + Thread.currentThread().getName()));
        }

        @Post("/plain")
        String plain(BackgroundTasks tasks) {
            addTasks(tasks);
            return "accepted";
        }

        @Post("/loop")
        CompletionStage<String> loop(BackgroundTasks tasks) {
            addTasks(tasks);
            return CompletableFuture.completedFuture("accepted");
        }
    }

    @Test
    void tasksRunAfterTheResponseInOrderPlainOnesOnWorkersAsyncOnesOnTheLoopAndAFailureStopsNothing() {
        for (String path : List.of("/plain", "/loop")) {
            Api api = new Api();
            Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
            app.include(api);
            try (TestClient client = TestClient.create(app)) {
                TestResponse response = client.post(path);
                assertThat(response.text()).isEqualTo("accepted");
                assertThat(api.done).isEmpty();
                api.mayRun.countDown();
                Await.until("the tasks ran", () -> api.done.size() == 3);
                assertThat(api.done.get(0)).startsWith("first on starling-worker-");
                assertThat(api.done.get(1)).startsWith("second on starling-loop-");
                assertThat(api.done.get(2)).startsWith("fourth on starling-worker-");
            }
        }
    }

    static final class Late {
        final java.util.concurrent.CompletableFuture<BackgroundTasks> kept = new java.util.concurrent.CompletableFuture<>();

        @Post("/later")
        String later(BackgroundTasks tasks) {
            kept.complete(tasks);
            return "accepted";
        }
    }

    @Test
    void aTaskAddedAfterTheResponseStartsAtOnceRatherThanBeingLost() throws Exception {
        Late late = new Late();
        CountDownLatch ran = new CountDownLatch(1);
        Starling app = Starling.create(c -> c.port(0));
        app.include(late);
        try (dev.starling.testing.TestClient client = dev.starling.testing.TestClient.create(app)) {
            assertThat(client.post("/later").text()).isEqualTo("accepted");
            late.kept.get(5, TimeUnit.SECONDS).add(ran::countDown);
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    public static final class Mailer {
        final AtomicInteger sent = new AtomicInteger();

        @Get("/signup")
        public CompletionStage<String> signup(BackgroundTasks tasks) {
            tasks.add(sent::incrementAndGet);
            return CompletableFuture.completedFuture("ok");
        }
    }

    /**
     * A blocking task of a request answered 200 while the threadpool is full (one token, no waiting room) waits
     * for a token and runs: it is not dropped after its response went out.
     */
    @Test
    void aBackgroundTaskIsNotLostWhenThePoolIsBusy() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Mailer mailer = new Mailer();
        try (Http http = Http.serve(c -> c.threadpool(Threadpool.platform(1).maxWaiting(0)), app -> {
            app.get("/hold", r -> {
                holding.countDown();
                release.await();
                return "held";
            });
            app.include(mailer);
        })) {
            var held = http.client.sendAsync(HttpRequest.newBuilder(http.uri("/hold")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(http.get("/signup").statusCode()).isEqualTo(200);
            release.countDown();
            held.get(10, TimeUnit.SECONDS);
            Await.until("the accepted signup's mail is sent", () -> mailer.sent.get() == 1);
        }
    }
}
