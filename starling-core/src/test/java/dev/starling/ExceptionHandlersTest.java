package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.concurrent.Threadpool;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class ExceptionHandlersTest {

    /** A domain error with a subclass, to show that the most specific handler wins. */
    static class ShopException extends RuntimeException {
        ShopException(String message) {
            super(message);
        }
    }

    static final class OutOfStock extends ShopException {
        OutOfStock(String item) {
            super(item + " is out of stock.");
        }
    }

    /** Registers {@code path} so that it throws {@code error}, offloaded or on the loop. */
    private static void failing(Starling app, HandlerPath where, String path, RuntimeException error) {
        if (where == HandlerPath.OFFLOADED) {
            app.get(path, r -> {
                throw error;
            });
        } else {
            app.getAsync(path, r -> CompletableFuture.failedFuture(error));
        }
    }

    private static Starling app() {
        return Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void theMostSpecificHandlerAnswersOnTheThreadpoolOrTheLoopAsRegistered(HandlerPath where) {
        Starling app = app();
        app.exceptionHandler(ShopException.class, (request, e) -> Response.status(400)
                .body(Map.of("shop", e.getMessage(), "thread", Thread.currentThread().getName())));
        app.exceptionHandlerAsync(OutOfStock.class, (request, e) -> CompletableFuture.completedFuture(
                Response.status(409).body(Map.of("stock", e.getMessage(), "thread",
                        Thread.currentThread().getName()))));
        failing(app, where, "/shop", new ShopException("The shop is closed."));
        failing(app, where, "/stock", new OutOfStock("Tea"));
        try (TestClient client = TestClient.create(app)) {
            TestResponse shop = client.get("/shop");
            assertThat(shop.status()).isEqualTo(400);
            assertThat(shop.text()).contains("\"shop\":\"The shop is closed.\"").contains("starling-worker-");
            TestResponse stock = client.get("/stock");
            assertThat(stock.status()).isEqualTo(409);
            assertThat(stock.text()).contains("\"stock\":\"Tea is out of stock.\"").contains("starling-loop-");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void httpExceptionsAndValidationErrorsCanBeHandledToo(HandlerPath where) {
        Starling app = app();
        app.exceptionHandler(HttpException.class, (request, e) -> Response.status(e.status())
                .body("custom " + e.status() + ": " + e.detail()));
        app.exceptionHandler(RequestValidationException.class, (request, e) -> Response.status(400)
                .body(Map.of("problems", e.errors().size())));
        failing(app, where, "/gone", new HttpException(410, "It left."));
        app.include(new Object() {
            @Get("/number/{n}")
            public String number(int n) {
                return "n=" + n;
            }
        });
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.get("/gone").text()).isEqualTo("custom 410: It left.");
            assertThat(client.get("/nothing-here").text()).isEqualTo("custom 404: Not Found");
            TestResponse invalid = client.get("/number/abc");
            assertThat(invalid.status()).isEqualTo(400);
            assertThat(invalid.text()).isEqualTo("{\"problems\":1}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aHandlerThatFailsItselfGetsTheDefaultAnswerWithoutDetails(HandlerPath where) {
        Starling app = app();
        app.exceptionHandler(ShopException.class, (request, e) -> {
            throw new IllegalStateException("the handler broke");
        });
        failing(app, where, "/shop", new ShopException("closed"));
        // The 500 is the point of this test, so the client returns it instead of rethrowing.
        try (TestClient client = TestClient.create(app, false)) {
            TestResponse response = client.get("/shop");
            assertThat(response.status()).isEqualTo(500);
            assertThat(response.text()).isEqualTo("{\"detail\":\"Internal Server Error\"}");
        }
    }

    /**
     * An async exception handler that throws is answered 500 and runs once: its own failure is not handed back to
     * it.
     */
    @Test
    void anAsyncExceptionHandlerThatThrowsGivesA500AndRunsOnce() {
        AtomicInteger calls = new AtomicInteger();
        try (Http http = Http.serve(app -> {
            app.exceptionHandlerAsync(RuntimeException.class, (request, e) -> {
                calls.incrementAndGet();
                throw new IllegalStateException("The handler itself fails.");
            });
            app.getAsync("/boom", r -> CompletableFuture.failedFuture(new IllegalArgumentException("boom")));
        })) {
            HttpResponse<String> r = http.get("/boom");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(calls.get()).as("the handler runs once").isEqualTo(1);
        }
    }

    /**
     * A sync exception handler that gets no place on a full threadpool (one token, no waiting room) is answered
     * 503: the refusal is not handed to the exception handler again.
     */
    @Test
    void aSyncExceptionHandlerRefusedByAFullPoolGivesA503() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (Http http = Http.serve(c -> c.threadpool(Threadpool.platform(1).maxWaiting(0)), app -> {
            app.exceptionHandler(RuntimeException.class, (request, e) -> Response.status(418).body("handled"));
            app.get("/hold", r -> {
                holding.countDown();
                release.await();
                return "held";
            });
            app.getAsync("/boom", r -> CompletableFuture.failedFuture(new IllegalArgumentException("boom")));
        })) {
            var held = http.client.sendAsync(HttpRequest.newBuilder(http.uri("/hold")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            try {
                HttpResponse<String> r = http.get("/boom");
                assertThat(r.statusCode()).isEqualTo(503);
            } finally {
                release.countDown();
                held.get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void oneTypeHasOneHandler() {
        Starling app = Starling.create();
        app.exceptionHandler(ShopException.class, (request, e) -> "one");
        assertThatThrownBy(() -> app.exceptionHandler(ShopException.class, (request, e) -> "two"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("An exception handler for " + ShopException.class.getName()
                        + " is already registered; one type has one handler.");
        assertThat(List.of(app)).hasSize(1);
    }
}
