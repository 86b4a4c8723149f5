package dev.starling.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.Observer;
import dev.starling.Starling;
import dev.starling.concurrent.CapacityLimiter;
import dev.starling.concurrent.Threadpool;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class StarlingMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final StarlingMetrics metrics = StarlingMetrics.builder(registry).jvmMetrics(false).build();

    @Test
    void requestEndedRecordsTheRequestTimerWithMethodRouteStatusAndOutcome() {
        metrics.requestEnded("GET", "/items/{id}", 200, 3_000_000);
        metrics.requestEnded("GET", "/items/{id}", 200, 5_000_000);
        metrics.requestEnded("POST", "unmatched", 404, 1_000);
        metrics.requestEnded("DELETE", "/items/{id}", 500, 1_000);
        metrics.requestEnded("GET", "/moved", 301, 1_000);

        Timer ok = registry.get("http.server.requests")
                .tags("method", "GET", "uri", "/items/{id}", "status", "200", "outcome", "SUCCESS").timer();
        assertThat(ok.count()).isEqualTo(2);
        assertThat(ok.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(8_000_000);
        assertThat(registry.get("http.server.requests")
                .tags("method", "POST", "uri", "unmatched", "status", "404", "outcome", "CLIENT_ERROR").timer().count())
                .isEqualTo(1);
        assertThat(registry.get("http.server.requests")
                .tags("method", "DELETE", "status", "500", "outcome", "SERVER_ERROR").timer().count()).isEqualTo(1);
        assertThat(registry.get("http.server.requests")
                .tags("uri", "/moved", "status", "301", "outcome", "REDIRECTION").timer().count()).isEqualTo(1);
        assertThat(registry.get("http.server.requests").timers()).hasSize(4);
    }

    @Test
    void unknownMethodsAreCountedAsOther() {
        metrics.requestEnded("BREW", "/coffee", 418, 1_000);
        metrics.requestEnded("get", "/coffee", 200, 1_000);

        assertThat(tagValues("http.server.requests", "method")).containsExactlyInAnyOrder("other", "GET");
    }

    @Test
    void taskEndedRecordsWaitRunAndOutcome() {
        metrics.taskEnded("default", 2_000_000, 7_000_000, Observer.Outcome.COMPLETED);
        metrics.taskEnded("default", 0, 1_000_000, Observer.Outcome.FAILED);
        metrics.taskEnded("reports", 9_000_000, 0, Observer.Outcome.CANCELLED);

        Timer wait = registry.get("starling.executor.queue.wait").tag("executor", "default").timer();
        assertThat(wait.count()).isEqualTo(2);
        assertThat(wait.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(2_000_000);
        Timer run = registry.get("starling.executor.run").tag("executor", "default").timer();
        assertThat(run.count()).isEqualTo(2);
        assertThat(run.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(8_000_000);
        assertThat(registry.get("starling.executor.queue.wait").tag("executor", "reports").timer()
                .totalTime(TimeUnit.NANOSECONDS)).isEqualTo(9_000_000);
        // a task cancelled before it started has no run
        assertThat(registry.find("starling.executor.run").tag("executor", "reports").timer()).isNull();
        assertThat(count("starling.executor.tasks", "executor", "default", "outcome", "completed")).isEqualTo(1);
        assertThat(count("starling.executor.tasks", "executor", "default", "outcome", "failed")).isEqualTo(1);
        assertThat(count("starling.executor.tasks", "executor", "reports", "outcome", "cancelled")).isEqualTo(1);
    }

    @Test
    void taskRefusedCountsByExecutorAndReason() {
        metrics.taskRefused("default", Observer.Refusal.FULL);
        metrics.taskRefused("default", Observer.Refusal.FULL);
        metrics.taskRefused("reports", Observer.Refusal.TIMED_OUT);

        assertThat(count("starling.executor.refused", "executor", "default", "reason", "full")).isEqualTo(2);
        assertThat(count("starling.executor.refused", "executor", "reports", "reason", "timed_out")).isEqualTo(1);
        assertThat(registry.get("starling.executor.refused").counters()).hasSize(2);
    }

    @Test
    void loopEventsRecordBlockedRoutesAndLag() {
        metrics.loopBlocked("/slow/{id}", 250_000_000);
        metrics.loopBlocked("/slow/{id}", 300_000_000);
        metrics.loopLag("starling-loop-1", 4_000_000);
        metrics.loopLag("starling-loop-2", 1_000_000);

        assertThat(count("starling.loop.blocked", "route", "/slow/{id}")).isEqualTo(2);
        Timer lag = registry.get("starling.loop.lag").tag("loop", "starling-loop-1").timer();
        assertThat(lag.count()).isEqualTo(1);
        assertThat(lag.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(4_000_000);
        assertThat(tagValues("starling.loop.lag", "loop")).containsExactlyInAnyOrder("starling-loop-1", "starling-loop-2");
    }

    @Test
    void routeTagsStopAtTheCapAndLaterRoutesBecomeOther() {
        StarlingMetrics capped = StarlingMetrics.builder(registry).jvmMetrics(false).maxTagValues(3).build();
        for (int i = 0; i < 10; i++) {
            capped.requestEnded("GET", "/r" + i, 200, 1_000);
        }
        capped.requestEnded("GET", "/r1", 200, 1_000);   // a known route still passes after the cap
        capped.loopBlocked("/r9", 1_000);

        assertThat(tagValues("http.server.requests", "uri")).containsExactlyInAnyOrder("/r0", "/r1", "/r2", "other");
        assertThat(registry.get("http.server.requests").tag("uri", "other").timer().count()).isEqualTo(7);
        assertThat(registry.get("http.server.requests").tag("uri", "/r1").timer().count()).isEqualTo(2);
        assertThat(count("starling.loop.blocked", "route", "other")).isEqualTo(1);
    }

    @Test
    void theDefaultCapIsAThousandRoutes() {
        for (int i = 0; i < 1_500; i++) {
            metrics.requestEnded("GET", "/users/" + i, 200, 1_000);   // the bug the cap guards against: raw paths
        }

        Set<String> uris = tagValues("http.server.requests", "uri");
        assertThat(uris).hasSize(1_001).contains("/users/0", "/users/999", "other").doesNotContain("/users/1000");
    }

    @Test
    void gaugesFollowARealAppsLimiterWhileATaskHoldsAToken() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Starling app = Starling.create(c -> c.observer(metrics).threadpool(Threadpool.platform(5)));
        app.get("/hold", request -> {
            entered.countDown();
            release.await(10, TimeUnit.SECONDS);
            return "done";
        });
        metrics.bindTo(app);
        try (TestClient client = TestClient.create(app)) {
            CapacityLimiter limiter = app.limiter("default").orElseThrow();
            assertThat(gauge("starling.executor.tokens", "default")).isEqualTo(5);
            assertThat(gauge("starling.executor.tokens.borrowed", "default")).isZero();
            assertThat(gauge("starling.executor.waiting.max", "default")).isEqualTo(limiter.maxWaiting());
            assertThat(gauge("starling.executor.tokens", "virtual")).isEqualTo(app.limiters().get("virtual").totalTokens());
            double acquiredBefore = acquired("default");

            CompletableFuture<TestResponse> held = CompletableFuture.supplyAsync(() -> client.get("/hold"));
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(gauge("starling.executor.tokens.borrowed", "default")).isEqualTo(1);
            assertThat(limiter.borrowedTokens()).isEqualTo(1);
            assertThat(acquired("default")).isEqualTo(acquiredBefore + 1);

            limiter.totalTokens(7);
            assertThat(gauge("starling.executor.tokens", "default")).isEqualTo(7);

            release.countDown();
            assertThat(held.get(10, TimeUnit.SECONDS).text()).isEqualTo("done");
            eventually(() -> gauge("starling.executor.tokens.borrowed", "default") == 0);
        } finally {
            release.countDown();
        }
    }

    @Test
    void bindToRegistersEveryNamedExecutorAndStartsItsCountersAtZero() {
        Starling app = Starling.create(c -> c.executor("reports", Threadpool.platform(3)));
        try {
            metrics.bindTo(app);
            metrics.bindTo(app);   // again: nothing changes

            assertThat(tagValues("starling.executor.tokens", "executor"))
                    .containsExactlyInAnyOrder("default", "virtual", "reports");
            assertThat(gauge("starling.executor.tokens", "reports")).isEqualTo(3);
            assertThat(count("starling.executor.tasks", "executor", "reports", "outcome", "completed")).isZero();
            assertThat(count("starling.executor.refused", "executor", "reports", "reason", "timed_out")).isZero();
        } finally {
            app.close();
        }
    }

    @Test
    void bindingASecondAppIsRefused() {
        Starling first = Starling.create();
        Starling second = Starling.create();
        try {
            metrics.bindTo(first);
            assertThatThrownBy(() -> metrics.bindTo(second)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("another app");
        } finally {
            first.close();
            second.close();
        }
    }

    @Test
    void closeRemovesTheBoundMeters() {
        Starling app = Starling.create();
        try {
            metrics.bindTo(app);
            assertThat(registry.find("starling.executor.tokens").gauges()).isNotEmpty();

            metrics.close();

            assertThat(registry.find("starling.executor.tokens").gauges()).isEmpty();
            assertThat(registry.find("starling.executor.acquired").functionCounters()).isEmpty();
        } finally {
            app.close();
        }
    }

    @Test
    void jvmMetricsAreBoundByDefaultAndCanBeLeftOut() {
        SimpleMeterRegistry withJvm = new SimpleMeterRegistry();
        try (StarlingMetrics bound = StarlingMetrics.create(withJvm)) {
            assertThat(withJvm.find("jvm.memory.used").gauges()).isNotEmpty();
            assertThat(withJvm.find("jvm.threads.live").gauge()).isNotNull();
            assertThat(withJvm.find("system.cpu.count").gauge()).isNotNull();
            assertThat(withJvm.find("jvm.gc.memory.allocated").meters()).isNotEmpty();
        }
        assertThat(registry.find("jvm.memory.used").meters()).isEmpty();
    }

    @Test
    void scrapeHandlerNeedsAPrometheusRegistry() {
        assertThatThrownBy(metrics::scrapeHandler).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PrometheusMeterRegistry");
    }

    @Test
    void aRealAppServesThePrometheusScrape() {
        StarlingMetrics prometheus = StarlingMetrics.prometheus();
        Starling app = Starling.create(c -> c.observer(prometheus));
        app.get("/metrics", prometheus.scrapeHandler());
        prometheus.bindTo(app);
        prometheus.requestEnded("GET", "/orders/{id}", 200, 30_000_000);
        prometheus.taskRefused("default", Observer.Refusal.FULL);
        try (TestClient client = TestClient.create(app)) {
            TestResponse scrape = client.get("/metrics");

            assertThat(scrape.status()).isEqualTo(200);
            assertThat(scrape.header("content-type")).contains("text/plain; version=0.0.4; charset=utf-8");
            assertThat(scrape.text())
                    .contains("starling_executor_tokens{executor=\"default\"} 40.0")
                    .contains("starling_executor_tokens_borrowed{executor=\"default\"} 1.0")   // the scrape's own
                    .contains("starling_executor_waiting{executor=\"default\"} 0.0")
                    .contains("starling_executor_waiting_max{executor=\"default\"} ")
                    .contains("starling_executor_acquired_total{executor=\"default\"} ")
                    .contains("starling_executor_refused_total{executor=\"default\",reason=\"full\"} 1.0")
                    .contains("starling_executor_tasks_total{executor=\"virtual\",outcome=\"failed\"} ")
                    .contains("http_server_requests_seconds_count{method=\"GET\",outcome=\"SUCCESS\",status=\"200\","
                            + "uri=\"/orders/{id}\"} 1")
                    .contains("http_server_requests_seconds_bucket{method=\"GET\",outcome=\"SUCCESS\",status=\"200\","
                            + "uri=\"/orders/{id}\",le=\"0.025\"} 0")
                    .contains("http_server_requests_seconds_bucket{method=\"GET\",outcome=\"SUCCESS\",status=\"200\","
                            + "uri=\"/orders/{id}\",le=\"0.05\"} 1")
                    .contains("jvm_memory_used_bytes");
        } finally {
            prometheus.close();
        }
    }

    private double count(String name, String... tags) {
        Meter meter = registry.get(name).tags(tags).meter();
        if (meter instanceof Counter counter) {
            return counter.count();
        }
        return ((FunctionCounter) meter).count();
    }

    private double gauge(String name, String executor) {
        Gauge gauge = registry.get(name).tag("executor", executor).gauge();
        return gauge.value();
    }

    private double acquired(String executor) {
        return registry.get("starling.executor.acquired").tag("executor", executor).functionCounter().count();
    }

    private Set<String> tagValues(String name, String key) {
        return registry.get(name).meters().stream().map(m -> m.getId().getTag(key)).collect(Collectors.toSet());
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("the condition never held").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void aRealAppFeedsTheMetersThroughItsObserver() {
        Starling app = Starling.create(c -> c.port(0).observer(metrics));
        app.get("/items/{id}", r -> "item")
                .get("/boom", r -> {
                    throw new IllegalStateException("boom");
                });
        metrics.bindTo(app);
        try (TestClient client = TestClient.create(app, false)) {
            client.get("/items/1");
            client.get("/items/2");
            client.get("/boom");
            client.get("/nowhere");

            awaitTrue(() -> registry.find("http.server.requests").timers().stream().mapToLong(Timer::count).sum() == 4);
            assertThat(registry.get("http.server.requests").tags("method", "GET", "uri", "/items/{id}", "status", "200")
                    .timer().count()).isEqualTo(2);
            assertThat(registry.get("http.server.requests").tags("uri", "/boom", "status", "500").timer().count())
                    .isEqualTo(1);
            assertThat(registry.get("http.server.requests").tags("uri", "unmatched", "status", "404").timer().count())
                    .isEqualTo(1);
            awaitTrue(() -> registry.get("starling.executor.tasks").tags("executor", "default", "outcome", "completed")
                    .counter().count() == 2);
            assertThat(registry.get("starling.executor.tasks").tags("executor", "default", "outcome", "failed")
                    .counter().count()).isEqualTo(1);
            assertThat(registry.get("starling.executor.run").tags("executor", "default").timer().count())
                    .isEqualTo(3);
            awaitTrue(() -> !registry.find("starling.loop.lag").timers().isEmpty());
        } finally {
            app.close();
            metrics.close();
        }
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        assertThat(condition.getAsBoolean()).isTrue();
    }
}
