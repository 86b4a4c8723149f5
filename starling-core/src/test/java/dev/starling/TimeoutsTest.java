package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.concurrent.Concurrency;
import dev.starling.concurrent.Threadpool;
import dev.starling.params.Form;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request time limits: 504, the request's offloaded work cancelled (also work offloaded after the 504), its
 * token back, the connection kept, and no timer left behind once the request is answered.
 */
class TimeoutsTest {

    @ParameterizedTest(name = "a handler on the {0}")
    @ValueSource(strings = {"worker", "loop"})
    void aRequestPastTheAppsLimitGets504AndItsWorkIsInterrupted(String side) throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        try (Http http = Http.serve(c -> c.requestTimeout(Duration.ofMillis(200)).threadpool(Threadpool.platform(2)),
                app -> app
                        .get("/worker", r -> {
                            try {
                                new CountDownLatch(1).await();
                            } catch (InterruptedException e) {
                                interrupted.countDown();
                            }
                            return "never";
                        })
                        .getAsync("/loop", r -> dev.starling.concurrent.Concurrency.runInThreadpool(() -> {
                            try {
                                new CountDownLatch(1).await();
                            } catch (InterruptedException e) {
                                interrupted.countDown();
                            }
                            return "never";
                        }))
                        .get("/fast", r -> "fast"))) {
            HttpResponse<String> late = http.get("/" + side);
            HttpResponse<String> next = http.get("/fast");

            assertThat(late.statusCode()).isEqualTo(504);
            assertThat(late.body()).isEqualTo("{\"detail\":\"The request was not answered within 200 ms, the time"
                    + " limit of GET /" + side + ".\"}");
            assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the worker was interrupted").isTrue();
            assertThat(next.body()).isEqualTo("fast");
            Await.until("the token is back", () -> http.app.limiter("default").orElseThrow().borrowedTokens() == 0);
        }
    }

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
     * Work that a request offloads after its 504 (by a handler that ignored the interrupt, a dependency or a
     * continuation) is cancelled at once, as after a disconnect: it does not run for a request already answered.
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
     * A multipart request is routed twice (once more after its form is decoded off the loop), and its time limit
     * is armed once: no timer is left behind to keep the request, and its body, alive until the limit passes.
     */
    @Test
    void aMultipartRequestLeavesNoTimeLimitTimerBehind() throws Exception {
        String boundary = "multipartboundary";
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

    /** The control for the test above: the same measurement on a plain request, routed once. */
    @Test
    void aPlainRequestLeavesNoTimeLimitTimerBehind() throws Exception {
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

    static final class Limited {
        @Get("/limited")
        @Timeout("150ms")
        CompletableFuture<String> limited() {
            return new CompletableFuture<>();
        }

        @Get("/unlimited")
        CompletableFuture<String> unlimited() {
            return CompletableFuture.completedFuture("done");
        }
    }

    @Test
    void timeoutOnAHandlerOverridesTheAppsNone() {
        try (Http http = Http.serve(app -> app.include(new Limited()))) {
            assertThat(http.get("/limited").statusCode()).isEqualTo(504);
            assertThat(http.get("/unlimited").body()).isEqualTo("done");
        }
    }

    static final class Vague {
        @Get("/vague")
        @Timeout("soon")
        String vague() {
            return "x";
        }
    }

    @Test
    void aTimeoutThatIsNotADurationFailsStartUpWithASentence() {
        Starling app = Starling.create(c -> c.port(0));
        assertThatThrownBy(() -> app.include(new Vague()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("GET /vague (Vague.vague) has @Timeout \"soon\", which is not a positive duration; write it"
                        + " as \"250ms\", \"5s\", \"2m\", \"1h\" or ISO-8601 such as \"PT5S\".");
        app.close();
    }

    @Test
    void aResponseThatStartedInTimeIsNotCut() {
        try (Http http = Http.serve(c -> c.requestTimeout(Duration.ofMillis(300)), app -> app
                .get("/stream", r -> java.util.stream.IntStream.range(0, 3).mapToObj(i -> {
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return i + "\n";
                }).iterator()))) {
            HttpResponse<String> response = http.get("/stream");

            // 600 ms of streaming, but the head went out at once: the limit no longer applies.
            assertThat(response.statusCode()).isEqualTo(200);
        }
    }
}
