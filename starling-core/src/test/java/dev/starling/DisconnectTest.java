package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.concurrent.Threadpool;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DisconnectTest {

    @Test
    void aClientThatDisconnectsMidRequestFreesItsToken() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        try (Http http = Http.serve(c -> c.threadpool(Threadpool.platform(1)), app -> app
                .get("/slow", r -> {
                    started.countDown();
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        interrupted.countDown();
                        throw e;
                    }
                    return "never";
                })
                .get("/quick", r -> "quick"))) {
            try (Socket socket = new Socket("127.0.0.1", http.app.port())) {
                OutputStream out = socket.getOutputStream();
                out.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(http.app.defaultLimiter().borrowedTokens()).isEqualTo(1);
            }
            assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the handler's thread is interrupted").isTrue();
            // One token only: this request can run only if the disconnected request gave its token back.
            assertThat(http.get("/quick").body()).isEqualTo("quick");
            assertThat(http.app.defaultLimiter().borrowedTokens()).isZero();
        }
    }

    @Test
    void aClientThatDisconnectsWhileQueuedNeverRuns() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger queuedRuns = new java.util.concurrent.atomic.AtomicInteger();
        try (Http http = Http.serve(c -> c.threadpool(Threadpool.platform(1)), app -> app
                .get("/hold", r -> {
                    holding.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return "held";
                })
                .get("/queued", r -> queuedRuns.incrementAndGet()))) {
            var held = http.client.sendAsync(java.net.http.HttpRequest.newBuilder(http.uri("/hold")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            try (Socket socket = new Socket("127.0.0.1", http.app.port())) {
                socket.getOutputStream().write("GET /queued HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                Await.until("the request waits for the token", () -> http.app.defaultLimiter().waiting() == 1);
            }
            Await.until("the waiter left with its client", () -> http.app.defaultLimiter().waiting() == 0);
            release.countDown();
            assertThat(held.get(10, TimeUnit.SECONDS).body()).isEqualTo("held");
            assertThat(http.get("/queued").body()).isEqualTo("1");
            assertThat(queuedRuns).as("only the second request to /queued ran").hasValue(1);
        }
    }
}
