package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.concurrent.Threadpool;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Request time limits: 504, the request's offloaded work cancelled, its token back, the connection kept. */
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
            Await.until("the token is back", () -> http.app.defaultLimiter().borrowedTokens() == 0);
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
