package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class HelloTest {

    @Test
    void plainAndAsyncHandlersAnswer() {
        try (Http http = Http.serve(app -> app
                .get("/sync", r -> "sync on " + Thread.currentThread().getName())
                .getAsync("/async", r -> CompletableFuture.completedFuture("async on " + Thread.currentThread().getName())))) {
            var sync = http.get("/sync");
            assertThat(sync.statusCode()).isEqualTo(200);
            assertThat(sync.body()).startsWith("sync on starling-worker-");
            assertThat(sync.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
            var async = http.get("/async");
            assertThat(async.body()).startsWith("async on starling-loop-");
        }
    }
}
