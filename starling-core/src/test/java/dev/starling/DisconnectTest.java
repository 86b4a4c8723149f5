package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.concurrent.Concurrency;
import dev.starling.concurrent.Threadpool;
import dev.starling.internal.concurrent.Loops;
import io.netty.util.concurrent.EventExecutor;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
                assertThat(http.app.limiter("default").orElseThrow().borrowedTokens()).isEqualTo(1);
            }
            assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the handler's thread is interrupted").isTrue();
            // One token only: this request can run only if the disconnected request gave its token back.
            assertThat(http.get("/quick").body()).isEqualTo("quick");
            assertThat(http.app.limiter("default").orElseThrow().borrowedTokens()).isZero();
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
                Await.until("the request waits for the token", () -> http.app.limiter("default").orElseThrow().waiting() == 1);
            }
            Await.until("the waiter left with its client", () -> http.app.limiter("default").orElseThrow().waiting() == 0);
            release.countDown();
            assertThat(held.get(10, TimeUnit.SECONDS).body()).isEqualTo("held");
            assertThat(http.get("/queued").body()).isEqualTo("1");
            assertThat(queuedRuns).as("only the second request to /queued ran").hasValue(1);
        }
    }

    /**
     * Endless items, whose second {@code next()} ignores interrupts until released, like a blocking read that
     * does not react to them; it records whether {@code close()} came while a {@code next()} was running.
     */
    static final class Stubborn implements Iterator<String>, AutoCloseable {
        final CountDownLatch inSecondNext = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        final AtomicBoolean closedDuringNext = new AtomicBoolean();
        private final AtomicBoolean inNext = new AtomicBoolean();
        private final AtomicInteger calls = new AtomicInteger();

        @Override
        public boolean hasNext() {
            return true;
        }

        @Override
        public String next() {
            inNext.set(true);
            try {
                if (calls.incrementAndGet() == 2) {
                    inSecondNext.countDown();
                    awaitReleaseIgnoringInterrupts();
                }
                return "item\n";
            } finally {
                inNext.set(false);
            }
        }

        private void awaitReleaseIgnoringInterrupts() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                try {
                    if (release.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
            }
        }

        @Override
        public void close() {
            if (inNext.get()) {
                closedDuringNext.set(true);
            }
            closed.countDown();
        }
    }

    @Test
    void onDisconnectAStreamedIteratorIsClosedOnlyOnceItsRunningNextReturns() throws Exception {
        Stubborn items = new Stubborn();
        AtomicReference<EventExecutor> loop = new AtomicReference<>();
        try (Http http = Http.serve(app -> app.getAsync("/stream", r -> {
            loop.set(Loops.current());
            return CompletableFuture.completedFuture(Concurrency.iterateInThreadpool(items));
        }))) {
            try (Socket socket = new Socket("127.0.0.1", http.app.port())) {
                socket.getOutputStream().write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                assertThat(items.inSecondNext.await(10, TimeUnit.SECONDS)).as("the second next() runs").isTrue();
            }
            assertThat(items.interrupted.await(10, TimeUnit.SECONDS)).as("the disconnect interrupted next()").isTrue();
            // The loop is done with the disconnect; a close it handed to a worker would come within moments.
            loop.get().submit(() -> { }).get(10, TimeUnit.SECONDS);
            assertThat(items.closed.await(200, TimeUnit.MILLISECONDS)).as("closed while next() still runs").isFalse();

            items.release.countDown();

            assertThat(items.closed.await(10, TimeUnit.SECONDS)).as("closed once next() returned").isTrue();
            assertThat(items.closedDuringNext).as("close() ran while next() was still running").isFalse();
        }
    }
}
