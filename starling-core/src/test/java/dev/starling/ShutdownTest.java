package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class ShutdownTest {

    private static boolean refusesConnections(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Returns true when {@code thread} is parked inside a {@code stop()} call. */
    private static boolean waitingInStop(Thread thread) {
        Thread.State state = thread.getState();
        return (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)
                && Arrays.stream(thread.getStackTrace()).anyMatch(frame -> frame.getMethodName().equals("stop"));
    }

    @Test
    void shutdownWaitsForInFlightRequests() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Http http = Http.serve(app -> app.get("/work", r -> {
            started.countDown();
            release.await(30, TimeUnit.SECONDS);
            return "finished";
        }));
        int port = http.app.port();
        var response = http.client.sendAsync(HttpRequest.newBuilder(http.uri("/work")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> http.app.stop(Duration.ofSeconds(20)));
        // New connections are refused once shutdown has begun.
        Await.until("new connections are refused", () -> refusesConnections(port));
        assertThat(stopping).as("stop waits for the request in flight").isNotDone();
        release.countDown();
        HttpResponse<String> answer = response.get(10, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("finished");
        assertThat(answer.headers().firstValue("connection")).hasValue("close");
        stopping.get(10, TimeUnit.SECONDS);
    }

    @Test
    void afterTheGracePeriodRemainingWorkIsInterrupted() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        Http http = Http.serve(app -> app.get("/stuck", r -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return "never";
        }));
        var response = http.client.sendAsync(HttpRequest.newBuilder(http.uri("/stuck")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        http.app.stop(Duration.ofMillis(200));
        assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> response.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
    }

    @Test
    void stopIsIdempotentAndAnUnstartedAppStopsCleanly() {
        Starling never = Starling.create(c -> c.port(0));
        never.stop();
        never.stop();
        Http http = Http.serve(app -> app.get("/", r -> "x"));
        http.app.stop();
        http.app.stop();
    }

    @Test
    void aStopCalledWhileAnotherIsDrainingReturnsOnlyOnceTheAppHasStopped() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch handlerReturned = new CountDownLatch(1);
        Http http = Http.serve(app -> app.get("/work", r -> {
            started.countDown();
            release.await(30, TimeUnit.SECONDS);
            handlerReturned.countDown();
            return "finished";
        }));
        int port = http.app.port();
        var response = http.client.sendAsync(HttpRequest.newBuilder(http.uri("/work")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> http.app.stop(Duration.ofSeconds(20)));
        Await.until("the first stop is draining: new connections are refused", () -> refusesConnections(port));

        // The request is let go only once this thread waits in the second stop(), as it should until the end.
        Thread caller = Thread.currentThread();
        Thread releaser = new Thread(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (release.getCount() > 0 && System.nanoTime() < deadline) {
                if (waitingInStop(caller)) {
                    release.countDown();
                } else {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
        }, "release-once-stopping");
        releaser.start();
        try {
            http.app.stop(Duration.ofSeconds(20));

            assertThat(handlerReturned.getCount()).as("requests in flight when the second stop() returned").isZero();
        } finally {
            release.countDown();
            releaser.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertThat(response.get(10, TimeUnit.SECONDS).body()).isEqualTo("finished");
        first.get(10, TimeUnit.SECONDS);
    }

    @Test
    void idleKeepAliveConnectionsAreClosedAsSoonAsShutdownBegins() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Http http = Http.serve(app -> app
                .get("/quick", r -> "quick")
                .get("/work", r -> {
                    started.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return "finished";
                }));
        try (RawConnection idle = RawConnection.open(http.app.port())) {
            assertThat(idle.send("GET /quick HTTP/1.1\r\nHost: x\r\n\r\n").read().body()).isEqualTo("quick");
            var busy = http.client.sendAsync(HttpRequest.newBuilder(http.uri("/work")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> http.app.stop(Duration.ofSeconds(20)));
            // The idle connection is closed while the busy one still drains.
            idle.assertClosedByServer();
            assertThat(stopping).isNotDone();
            release.countDown();
            assertThat(busy.get(10, TimeUnit.SECONDS).body()).isEqualTo("finished");
            stopping.get(10, TimeUnit.SECONDS);
        }
    }
}
