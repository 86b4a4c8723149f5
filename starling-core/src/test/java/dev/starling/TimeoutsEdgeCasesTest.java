package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.concurrent.Concurrency;
import dev.starling.concurrent.Threadpool;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import dev.starling.params.Form;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Time limits at their edges: after-middleware on a 504, work started after it, forms routed twice; and what observers hear of refusals and middleware-changed statuses. */
class TimeoutsEdgeCasesTest {

    private static void awaitIgnoringInterrupts(CountDownLatch latch) {
        for (;;) {
            try {
                if (latch.await(20, TimeUnit.SECONDS)) {
                    return;
                }
                throw new AssertionError("the latch never opened");
            } catch (InterruptedException e) {
                // a handler that swallows the interrupt (JDBC drivers, retry loops...)
            }
        }
    }

    /**
     * timedOut() cancels the tasks tracked at that moment, but Exchange.track only cancels newcomers when
     * `cancelled` (a disconnect) is set: work offloaded after the 504 (by a handler that ignored the interrupt,
     * a dependency or a continuation) still runs for a request that has been answered.
     */
    @Test
    void workOffloadedAfterThe504IsCancelled() throws Exception {
        CountDownLatch answered = new CountDownLatch(1);
        CompletableFuture<CompletionStage<String>> late = new CompletableFuture<>();
        try (Http http = Http.serve(c -> c.requestTimeout(Duration.ofMillis(200)).threadpool(Threadpool.platform(2)),
                app -> app.get("/slow", r -> {
                    awaitIgnoringInterrupts(answered);
                    late.complete(Concurrency.runInThreadpool(() -> "ran after the 504"));
                    return "late";
                }))) {
            HttpResponse<String> response = http.get("/slow");
            assertThat(response.statusCode()).isEqualTo(504);
            answered.countDown();

            CompletableFuture<String> work = late.get(10, TimeUnit.SECONDS).toCompletableFuture();
            assertThatThrownBy(() -> work.get(10, TimeUnit.SECONDS))
                    .as("work offloaded by a request after its 504 is cancelled, as after a disconnect")
                    .isInstanceOf(CancellationException.class);
        }
    }

    @Test
    void aRefusalWrittenByTheConnectionIsReported() throws Exception {
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        CountDownLatch reported = new CountDownLatch(1);
        Observer observer = new Observer() {
            @Override
            public void requestEnded(String method, String route, int status, long nanos) {
                statuses.add(status);
                reported.countDown();
            }
        };
        try (Http http = Http.serve(c -> c.observer(observer), app -> app.get("/x", r -> "x"))) {
            String response = http.raw("GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 400");

            assertThat(reported.await(5, TimeUnit.SECONDS)).as("the 400 was reported to the observer").isTrue();
            assertThat(statuses).containsExactly(400);
        }
    }

    static final AtomicReference<Request> NOTE_REQUEST = new AtomicReference<>();

    static final class Notes {
        @Post("/note")
        String note(@Form String note, Request request) {
            NOTE_REQUEST.set(request);
            return note;
        }
    }

    /** Counts the timers of {@code request}'s loop that are due in more than six hours (the 7 h request limit). */
    private static int longTimersOnTheLoopOf(Request request) throws Exception {
        java.lang.reflect.Field ctxField = dev.starling.internal.http.RequestView.class.getDeclaredField("ctx");
        ctxField.setAccessible(true);
        io.netty.util.concurrent.EventExecutor loop =
                ((io.netty.channel.ChannelHandlerContext) ctxField.get(request)).executor();
        java.lang.reflect.Field queueField =
                io.netty.util.concurrent.AbstractScheduledEventExecutor.class.getDeclaredField("scheduledTaskQueue");
        queueField.setAccessible(true);
        return loop.submit(() -> {
            java.util.Queue<?> queue = (java.util.Queue<?>) queueField.get(loop);
            int n = 0;
            if (queue != null) {
                for (Object t : queue) {
                    java.util.concurrent.ScheduledFuture<?> f = (java.util.concurrent.ScheduledFuture<?>) t;
                    if (!f.isCancelled() && f.getDelay(TimeUnit.HOURS) >= 6) {
                        n++;
                    }
                }
            }
            return n;
        }).get(5, TimeUnit.SECONDS);
    }

    /**
     * A multipart request is routed twice (App.decodeFormOffLoop calls route() again), so Exchange.deadline()
     * schedules a second timer and overwrites the field: over() cancels only the second, and the first keeps
     * the Exchange (and its body, up to maxBodySize) alive until the limit passes.
     */
    @Test
    void aMultipartRequestLeavesNoTimeLimitTimerBehind() throws Exception {
        String boundary = "review6boundary";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--"
                + boundary + "--\r\n";
        try (Http http = Http.serve(c -> c.requestTimeout(Duration.ofHours(7)), app -> app.include(new Notes()))) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(http.uri("/note"))
                    .header("content-type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertThat(response.body()).isEqualTo("hello");
            Request request = NOTE_REQUEST.get();

            Await.until("the request's time-limit timers are cancelled", () -> {
                try {
                    return longTimersOnTheLoopOf(request) == 0;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        }
    }

    /** Control for the test above: the same measurement on a plain request (passes). */
    @Test
    void controlAPlainRequestLeavesNoTimeLimitTimerBehind() throws Exception {
        AtomicReference<Request> seen = new AtomicReference<>();
        try (Http http = Http.serve(c -> c.requestTimeout(Duration.ofHours(7)), app -> app.get("/plain", r -> {
            seen.set(r);
            return "plain";
        }))) {
            assertThat(http.get("/plain").body()).isEqualTo("plain");
            Await.until("the request's time-limit timer is cancelled", () -> {
                try {
                    return longTimersOnTheLoopOf(seen.get()) == 0;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        }
    }

    /**
     * Exchange.head() records the status before the after-middleware runs, and middleware may change it
     * (ResponseHead.status(int)): observers then report a status the client never saw.
     */
    @Test
    void theObserverHearsTheStatusTheClientGot() throws Exception {
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        CountDownLatch reported = new CountDownLatch(1);
        Observer observer = new Observer() {
            @Override
            public void requestEnded(String method, String route, int status, long nanos) {
                statuses.add(status);
                reported.countDown();
            }
        };
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

    /**
     * timedOut() writes the 504 and then cancels every task the request tracks, and the 504's own sync
     * after-middleware is one of them (submitPromised in the request's scope): it is cancelled before it runs,
     * the 504 goes out without it and "An after-middleware ... failed" is logged at ERROR for every 504.
     */
    @Test
    void theMiddlewaresAfterPhaseRunsOnA504() {
        CountDownLatch never = new CountDownLatch(1);
        try (Http http = Http.serve(c -> c.requestTimeout(Duration.ofMillis(200)).threadpool(Threadpool.platform(1)),
                app -> app
                        .middleware(new Middleware() {
                            @Override
                            public void after(Request request, ResponseHead response) {
                                response.header("x-after", "yes");
                            }
                        })
                        .get("/slow", r -> {
                            never.await();
                            return "never";
                        }))) {
            HttpResponse<String> response = http.get("/slow");

            assertThat(response.statusCode()).isEqualTo(504);
            assertThat(response.headers().firstValue("x-after")).as("the after-middleware saw the 504").hasValue("yes");
        }
    }
}
