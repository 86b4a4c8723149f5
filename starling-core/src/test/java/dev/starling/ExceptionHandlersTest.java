package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void theMostSpecificHandlerAnswersOnTheThreadpoolOrTheLoopAsRegistered(HandlerPath where) {
        try (Http http = Http.serve(app -> {
            app.exceptionHandler(ShopException.class, (request, e) -> Response.status(400)
                    .body(Map.of("shop", e.getMessage(), "thread", Thread.currentThread().getName())));
            app.exceptionHandlerAsync(OutOfStock.class, (request, e) -> CompletableFuture.completedFuture(
                    Response.status(409).body(Map.of("stock", e.getMessage(), "thread",
                            Thread.currentThread().getName()))));
            failing(app, where, "/shop", new ShopException("The shop is closed."));
            failing(app, where, "/stock", new OutOfStock("Tea"));
        })) {
            HttpResponse<String> shop = http.get("/shop");
            assertThat(shop.statusCode()).isEqualTo(400);
            assertThat(shop.body()).contains("\"shop\":\"The shop is closed.\"").contains("starling-worker-");
            HttpResponse<String> stock = http.get("/stock");
            assertThat(stock.statusCode()).isEqualTo(409);
            assertThat(stock.body()).contains("\"stock\":\"Tea is out of stock.\"").contains("starling-loop-");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void httpExceptionsAndValidationErrorsCanBeHandledToo(HandlerPath where) {
        try (Http http = Http.serve(app -> {
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
        })) {
            assertThat(http.get("/gone").body()).isEqualTo("custom 410: It left.");
            assertThat(http.get("/nothing-here").body()).isEqualTo("custom 404: Not Found");
            HttpResponse<String> invalid = http.get("/number/abc");
            assertThat(invalid.statusCode()).isEqualTo(400);
            assertThat(invalid.body()).isEqualTo("{\"problems\":1}");
        }
    }

    @ParameterizedTest
    @EnumSource(HandlerPath.class)
    void aHandlerThatFailsItselfGetsTheDefaultAnswerWithoutDetails(HandlerPath where) {
        try (Http http = Http.serve(c -> { }, app -> {
            app.exceptionHandler(ShopException.class, (request, e) -> {
                throw new IllegalStateException("the handler broke");
            });
            failing(app, where, "/shop", new ShopException("closed"));
        })) {
            HttpResponse<String> response = http.get("/shop");
            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(response.body()).isEqualTo("{\"detail\":\"Internal Server Error\"}");
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
