package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.concurrent.Threadpool;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DispatchTest {

    @Test
    void aSyncHandlerThatSleeps200msServedTo80ClientsWith40TokensFinishesInTwoWaves() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        try (Http http = Http.serve(c -> c.threadpool(Threadpool.platform(40)), app -> app.get("/sleep", r -> {
            peak.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                Thread.sleep(200);
            } finally {
                running.decrementAndGet();
            }
            return "slept";
        }))) {
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < 80; i++) {
                responses.add(http.client.sendAsync(HttpRequest.newBuilder(http.uri("/sleep"))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(responses).allSatisfy(r -> assertThat(r.join().body()).isEqualTo("slept"));
            assertThat(peak).as("never more than the 40 tokens at once").hasValue(40);
            // 80 sleeps on 40 tokens cannot finish in one wave of 200 ms; serially they would take 16 s.
            assertThat(elapsedMs).isGreaterThanOrEqualTo(400).isLessThan(4_000);
        }
    }

    @Test
    void whileAllTokensAreBusyAnAsyncRouteStillAnswers() throws Exception {
        CountDownLatch bothBusy = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        try (Http http = Http.serve(c -> c.threadpool(Threadpool.platform(2)), app -> app
                .get("/busy", r -> {
                    bothBusy.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return "done";
                })
                .getAsync("/ping", r -> CompletableFuture.completedFuture("pong")))) {
            var busy = List.of(
                    http.client.sendAsync(HttpRequest.newBuilder(http.uri("/busy")).build(),
                            HttpResponse.BodyHandlers.ofString()),
                    http.client.sendAsync(HttpRequest.newBuilder(http.uri("/busy")).build(),
                            HttpResponse.BodyHandlers.ofString()));
            assertThat(bothBusy.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(http.app.limiter("default").orElseThrow().availableTokens()).isZero();
            assertThat(http.get("/ping").body()).isEqualTo("pong");
            release.countDown();
            for (var response : busy) {
                assertThat(response.get(10, TimeUnit.SECONDS).body()).isEqualTo("done");
            }
        }
    }

    @Test
    void anAsyncHandlerCanOffloadAndItsContinuationRunsOnTheSameLoop() {
        try (Http http = Http.serve(app -> app.getAsync("/hop", r -> {
            String loop = Thread.currentThread().getName();
            return dev.starling.concurrent.Concurrency.runInThreadpool(() -> Thread.currentThread().getName())
                    .thenApply(worker -> loop + " " + worker + " " + Thread.currentThread().getName());
        }))) {
            String[] names = http.get("/hop").body().split(" ");
            assertThat(names[0]).startsWith("starling-loop-");
            assertThat(names[1]).startsWith("starling-worker-");
            assertThat(names[2]).isEqualTo(names[0]);
        }
    }

    @Test
    void offloadedWorkInsideAHandlerUsesTheAppsThreadpool() {
        try (Http http = Http.serve(c -> c.threadpool(Threadpool.platform(3).namePrefix("app-pool-")),
                app -> app.getAsync("/where", r -> dev.starling.concurrent.Concurrency.runInThreadpool(
                        () -> Thread.currentThread().getName())))) {
            assertThat(http.get("/where").body()).startsWith("app-pool-");
        }
    }

    @Test
    void workOffloadedByAContinuationStillBelongsToTheRequestAndSeesItsContext() {
        dev.starling.concurrent.ContextKey<String> user = dev.starling.concurrent.ContextKey.create("user");
        try (Http http = Http.serve(app -> app.getAsync("/chain", r -> {
            user.set("ada");
            return dev.starling.concurrent.Concurrency.runInThreadpool(() -> "first")
                    .thenCompose(first -> dev.starling.concurrent.Concurrency.runInThreadpool(
                            () -> first + " then " + user.get().orElse("nobody")));
        }))) {
            assertThat(http.get("/chain").body()).isEqualTo("first then ada");
        }
    }

    @Test
    void tasksWaitingForATokenFailWhenThePoolShutsDown() throws Exception {
        var pool = dev.starling.internal.concurrent.WorkerPool.create("closing", Threadpool.platform(1));
        CountDownLatch holding = new CountDownLatch(1);
        pool.submit(() -> {
            holding.countDown();
            Thread.sleep(30_000);
            return null;
        });
        assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
        var waiting = pool.submit(() -> "never");
        pool.shutdownNow();
        assertThat(waiting).failsWithin(5, TimeUnit.SECONDS).withThrowableThat()
                .havingCause().isInstanceOf(java.util.concurrent.RejectedExecutionException.class)
                .withMessageContaining("shut down before the task could start");
    }

    @Test
    void whenTheWaitingRoomIsFullTheRequestGets503WithRetryAfter() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (Http http = Http.serve(c -> c.threadpool(Threadpool.platform(1).maxWaiting(0)), app -> app
                .get("/hold", r -> {
                    holding.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return "held";
                }))) {
            var held = http.client.sendAsync(HttpRequest.newBuilder(http.uri("/hold")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            HttpResponse<String> refused = http.get("/hold");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
            assertThat(refused.body()).isEqualTo("{\"detail\":\"The server is at capacity; retry shortly.\"}");
            assertThat(http.app.limiter("default").orElseThrow().rejectedCount()).isEqualTo(1);
            release.countDown();
            assertThat(held.get(10, TimeUnit.SECONDS).body()).isEqualTo("held");
        }
    }
}
