package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.concurrent.Concurrency;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What an observer hears: requests by route template and status, offloaded tasks, blocked loops, loop lag. */
class ObserverTest {

    static final class Recorder implements Observer {
        final List<String> requests = new CopyOnWriteArrayList<>();
        final List<String> tasks = new CopyOnWriteArrayList<>();
        final List<String> blocked = new CopyOnWriteArrayList<>();
        final CountDownLatch lag = new CountDownLatch(2);
        final CountDownLatch requestSeen = new CountDownLatch(1);

        @Override
        public void requestEnded(String method, String route, int status, long nanos) {
            requests.add(method + " " + route + " " + status + (nanos > 0 ? "" : " no time"));
            requestSeen.countDown();
        }

        @Override
        public void taskEnded(String executor, long waitNanos, long runNanos, Outcome outcome) {
            tasks.add(executor + " " + outcome + (runNanos > 0 ? "" : " did not run"));
        }

        @Override
        public void loopBlocked(String route, long nanos) {
            blocked.add(route);
        }

        @Override
        public void loopLag(String loop, long nanos) {
            if (loop.startsWith("starling-loop-") && nanos >= 0) {
                lag.countDown();
            }
        }
    }

    @Test
    void requestsAreReportedByRouteTemplateMethodAndStatus() throws Exception {
        Recorder recorder = new Recorder();
        try (Http http = Http.serve(c -> c.observer(recorder), app -> app
                .get("/items/{id}", r -> "item " + r.pathParam("id").orElseThrow()))) {
            http.get("/items/7");
            http.get("/nowhere");

            Await.until("both requests were reported", () -> recorder.requests.size() == 2);
            assertThat(recorder.requests).containsExactlyInAnyOrder("GET /items/{id} 200", "GET unmatched 404");
        }
    }

    @Test
    void aClientThatLeavesMidRequestIsNotReportedAsAnAnswer() throws Exception {
        Recorder recorder = new Recorder();
        // One loop: the first connection's close is read before the second connection's request.
        try (Http http = Http.serve(c -> c.observer(recorder).eventLoops(1), app -> app.post("/items", r -> "ok"))) {
            for (String half : new String[] {"POST /items HTTP/1.1\r\nhost: test\r\ncontent-len",
                    "POST /items HTTP/1.1\r\nhost: test\r\ncontent-length: 10\r\n\r\nabc"}) {
                try (RawConnection leaving = RawConnection.open(http.app.port())) {
                    leaving.send(half);
                }
            }
            try (RawConnection staying = RawConnection.open(http.app.port())) {
                assertThat(staying.send("POST /items HTTP/1.1\r\nhost: test\r\ncontent-length: 0\r\n\r\n").read()
                        .status()).isEqualTo(200);
            }

            Await.until("the answered request was reported", () -> !recorder.requests.isEmpty());
            assertThat(recorder.requests).as("nobody received a 400").containsExactly("POST /items 200");
        }
    }

    /**
     * A request that the connection refuses before any route (here its content-length is no number) is
     * reported with the status the client got.
     */
    @Test
    void aRefusalWrittenByTheConnectionIsReported() throws Exception {
        Statuses observer = new Statuses();
        List<Integer> statuses = observer.statuses;
        CountDownLatch reported = observer.reported;
        try (Http http = Http.serve(c -> c.observer(observer), app -> app.get("/x", r -> "x"))) {
            String response = http.raw("GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 400");

            assertThat(reported.await(5, TimeUnit.SECONDS)).as("the 400 was reported to the observer").isTrue();
            assertThat(statuses).containsExactly(400);
        }
    }

    /**
     * An after-middleware may change the status; the observer hears the status the client got, not the one the
     * handler made.
     */
    @Test
    void theObserverHearsTheStatusTheClientGotAfterMiddlewareChangedIt() throws Exception {
        Statuses observer = new Statuses();
        List<Integer> statuses = observer.statuses;
        CountDownLatch reported = observer.reported;
        try (Http http = Http.serve(c -> c.observer(observer), app -> app
                .middleware(new Middleware() {
                    @Override
                    public void after(Request request, ResponseHead response) {
                        response.status(418);
                    }
                })
                .get("/tea", r -> "tea"))) {
            assertThat(http.get("/tea").statusCode()).isEqualTo(418);

            assertThat(reported.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(statuses).containsExactly(418);
        }
    }

    @Test
    void offloadedTasksAreReportedWithTheirExecutorAndOutcome() throws Exception {
        Recorder recorder = new Recorder();
        try (Http http = Http.serve(c -> c.observer(recorder), app -> app
                .get("/ok", r -> "ok")
                .get("/boom", r -> {
                    throw new IllegalStateException("boom");
                })
                .getAsync("/virtual", r -> Concurrency.runInExecutor("virtual", () -> "v")))) {
            http.get("/ok");
            http.get("/boom");
            http.get("/virtual");

            Await.until("three tasks were reported", () -> recorder.tasks.size() == 3);
            assertThat(recorder.tasks).containsExactlyInAnyOrder("default COMPLETED", "default FAILED",
                    "virtual COMPLETED");
        }
    }

    @Test
    void aBlockedLoopIsReportedWithItsRouteAndLoopLagIsSampled() throws Exception {
        Recorder recorder = new Recorder();
        CountDownLatch blockedSeen = new CountDownLatch(1);
        Observer both = new Observer() {
            @Override
            public void loopBlocked(String route, long nanos) {
                recorder.loopBlocked(route, nanos);
                blockedSeen.countDown();
            }

            @Override
            public void loopLag(String loop, long nanos) {
                recorder.loopLag(loop, nanos);
            }
        };
        try (Http http = Http.serve(c -> c.observer(both).blockedLoopThreshold(Duration.ofMillis(20)), app -> app
                .getAsync("/block", r -> {
                    // Blocks the loop until the watchdog has seen it: no timing guess.
                    blockedSeen.await(10, TimeUnit.SECONDS);
                    return CompletableFuture.completedFuture("unblocked");
                }))) {
            assertThat(http.get("/block").body()).isEqualTo("unblocked");

            assertThat(recorder.blocked).hasSize(1).first().asString().startsWith("GET /block");
            assertThat(recorder.lag.await(10, TimeUnit.SECONDS)).as("loop lag was sampled").isTrue();
        }
    }

    @Test
    void anObserverThatThrowsIsIgnored() {
        Observer broken = new Observer() {
            @Override
            public void requestEnded(String method, String route, int status, long nanos) {
                throw new IllegalStateException("broken observer");
            }

            @Override
            public void taskEnded(String executor, long waitNanos, long runNanos, Outcome outcome) {
                throw new IllegalStateException("broken observer");
            }
        };
        try (Http http = Http.serve(c -> c.observer(broken), app -> app.get("/ok", r -> "ok"))) {
            assertThat(http.get("/ok").body()).isEqualTo("ok");
            assertThat(http.get("/ok").body()).isEqualTo("ok");
        }
    }

    /** Records the status of each request that ended, and counts down on the first. */
    private static final class Statuses implements Observer {
        final List<Integer> statuses = new CopyOnWriteArrayList<>();
        final CountDownLatch reported = new CountDownLatch(1);

        @Override
        public void requestEnded(String method, String route, int status, long nanos) {
            statuses.add(status);
            reported.countDown();
        }
    }
}
