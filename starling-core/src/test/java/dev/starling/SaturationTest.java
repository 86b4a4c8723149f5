package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.concurrent.Threadpool;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A full threadpool answers 503 with Retry-After, never queues without bound, and never leaves a request hanging. */
class SaturationTest {

    @Test
    void aTaskThatWaitsLongerThanTheQueueTimeoutGets503AndIsCounted() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Observer.Refusal> refusals = new CopyOnWriteArrayList<>();
        Observer observer = new Observer() {
            @Override
            public void taskRefused(String executor, Refusal reason) {
                refusals.add(reason);
            }
        };
        try (Http http = Http.serve(c -> c.observer(observer)
                        .threadpool(Threadpool.platform(1).queueTimeout(Duration.ofMillis(100))),
                app -> app.get("/hold", r -> {
                    holding.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return "held";
                }))) {
            CompletableFuture<HttpResponse<String>> first = http.client.sendAsync(
                    HttpRequest.newBuilder(http.uri("/hold")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();

            HttpResponse<String> waited = http.get("/hold");
            release.countDown();

            assertThat(waited.statusCode()).isEqualTo(503);
            assertThat(waited.headers().firstValue("retry-after")).hasValue("1");
            assertThat(waited.body()).isEqualTo("{\"detail\":\"The server is at capacity; retry shortly.\"}");
            assertThat(first.get(10, TimeUnit.SECONDS).body()).isEqualTo("held");
            assertThat(http.app.limiter("default").orElseThrow().timedOutCount()).isEqualTo(1);
            assertThat(refusals).containsExactly(Observer.Refusal.TIMED_OUT);
        }
    }

    @Test
    void theDefaultPoolWaitsThirtySecondsAtMost() {
        try (Http http = Http.serve(app -> app.get("/x", r -> "x"))) {
            assertThat(http.app.limiter("default").orElseThrow().queueTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(http.app.limiter("default").orElseThrow().maxWaiting()).isEqualTo(400);
        }
    }

    @Test
    void aFloodOfRequestsOnASmallPoolEachGetAnAnswerAndTheWaitingRoomStaysBounded() throws Exception {
        int requests = 400;
        AtomicInteger peakWaiting = new AtomicInteger();
        CountDownLatch gate = new CountDownLatch(1);
        try (Http http = Http.serve(c -> c.threadpool(Threadpool.platform(2).maxWaiting(20)
                        .queueTimeout(Duration.ofSeconds(5))),
                app -> app.get("/work", r -> {
                    gate.await(30, TimeUnit.SECONDS);
                    return "done";
                }))) {
            var limiter = http.app.limiter("default").orElseThrow();
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                responses.add(http.client.sendAsync(HttpRequest.newBuilder(http.uri("/work"))
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            // Everything beyond 2 running and 20 waiting is refused at once; then the gate opens.
            Await.until("the waiting room is full", () -> limiter.waiting() == 20);
            Await.until("the rest were refused", () -> limiter.rejectedCount() == requests - 22);
            peakWaiting.set(limiter.waiting());
            gate.countDown();
            CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            long ok = responses.stream().filter(r -> r.join().statusCode() == 200).count();
            long refused = responses.stream().filter(r -> r.join().statusCode() == 503).count();
            assertThat(ok + refused).as("every request got 200 or 503").isEqualTo(requests);
            assertThat(ok).isGreaterThanOrEqualTo(22);
            assertThat(refused).isPositive();
            assertThat(peakWaiting.get()).isLessThanOrEqualTo(20);
            assertThat(limiter.borrowedTokens()).isZero();
            assertThat(http.get("/work").body()).as("the server still serves").isEqualTo("done");
        }
    }

    @Test
    void aFloodOfLargeBodiesHoldsOnlyTheBodiesOfRequestsThatGotAPlace() throws Exception {
        int requests = 200;
        byte[] body = new byte[512 * 1024];
        CountDownLatch gate = new CountDownLatch(1);
        try (Http http = Http.serve(c -> c.threadpool(Threadpool.platform(2).maxWaiting(20)
                        .queueTimeout(Duration.ofSeconds(30))),
                app -> app.post("/upload", r -> {
                    gate.await(30, TimeUnit.SECONDS);
                    return "stored";
                }).post("/warm", r -> "warm"));
             var senders = Executors.newVirtualThreadPerTaskExecutor()) {
            var limiter = http.app.limiter("default").orElseThrow();
            for (int i = 0; i < 3; i++) {
                assertThat(post(http, "/warm", body)).isEqualTo(200);
            }
            long before = heapAfterGc();
            // Raw connections write the one shared array, so the heap grows only by what the server keeps
            // (an HttpClient would copy every body into its own buffers while the request is open).
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                statuses.add(senders.submit(() -> post(http, "/upload", body)));
            }
            Await.until("the waiting room is full", () -> limiter.waiting() == 20);
            Await.until("the rest were refused", () -> limiter.rejectedCount() == requests - 22);
            long grown = heapAfterGc() - before;
            gate.countDown();
            List<Integer> answered = new ArrayList<>();
            for (Future<Integer> status : statuses) {
                answered.add(status.get(60, TimeUnit.SECONDS));
            }

            // 200 bodies of 512 KiB are 100 MiB; the 22 requests that got a place hold 11 MiB of them.
            assertThat(grown).as("heap grown while flooded (bytes), after GC").isLessThan(40L << 20);
            assertThat(answered).filteredOn(s -> s == 200).hasSize(22);
            assertThat(answered).filteredOn(s -> s == 503).hasSize(requests - 22);
        }
    }

    private static int post(Http http, String path, byte[] body) {
        try (RawConnection connection = RawConnection.open(http.app.port())) {
            connection.send("POST " + path + " HTTP/1.1\r\nhost: test\r\ncontent-type: application/octet-stream\r\n"
                    + "content-length: " + body.length + "\r\n\r\n");
            connection.send(body);
            return connection.read().status();
        }
    }

    private static long heapAfterGc() {
        // Two collections: the first may only finish what an earlier concurrent cycle started.
        System.gc();
        System.gc();
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
