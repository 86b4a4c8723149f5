package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.testing.TestClient;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class LifespanTest {

    static final class Api {
        @Get("/pool")
        String pool(AppState state) {
            return state.get("pool", String.class).orElse("none");
        }

        @Get("/pool/async")
        CompletionStage<String> poolAsync(AppState state) {
            return CompletableFuture.completedFuture(state.get("pool", String.class).orElse("none"));
        }
    }

    @Test
    void startupHooksRunInOrderBeforeTheFirstRequestAndShutdownHooksAfterTheLast() {
        List<String> events = new CopyOnWriteArrayList<>();
        Starling app = Starling.create(c -> c.port(0));
        app.onStartup(() -> {
            events.add("startup 1 on " + Thread.currentThread().getName());
            app.state().put("pool", "db-pool");
        });
        app.onStartupAsync(() -> {
            events.add("startup 2 on " + Thread.currentThread().getName());
            return CompletableFuture.completedFuture(null);
        });
        app.onShutdown(() -> events.add("shutdown 1 on " + Thread.currentThread().getName()));
        app.onShutdownAsync(() -> {
            events.add("shutdown 2 on " + Thread.currentThread().getName());
            return CompletableFuture.completedFuture(null);
        });
        app.include(new Api());
        try (TestClient client = TestClient.create(app)) {
            assertThat(events).hasSize(2);
            assertThat(client.get("/pool").text()).isEqualTo("db-pool");
            assertThat(client.get("/pool/async").text()).isEqualTo("db-pool");
        }
        assertThat(events).hasSize(4);
        assertThat(events.get(0)).startsWith("startup 1 on starling-worker-");
        assertThat(events.get(1)).startsWith("startup 2 on starling-loop-");
        assertThat(events.get(2)).startsWith("shutdown 1 on starling-worker-");
        assertThat(events.get(3)).startsWith("shutdown 2 on starling-loop-");
    }

    @Test
    void aFailingStartupHookFailsStartAndTheAppDoesNotListen() {
        Starling app = Starling.create(c -> c.port(0));
        app.onStartup(() -> {
            throw new IllegalStateException("the database is down");
        });
        app.get("/", r -> "never");
        assertThatThrownBy(app::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("A start-up hook failed, so the app does not start "
                        + "(java.lang.IllegalStateException: the database is down).");
        assertThatThrownBy(app::port).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFailingShutdownHookIsLoggedAndTheOthersStillRun() {
        List<String> ran = new CopyOnWriteArrayList<>();
        Starling app = Starling.create(c -> c.port(0));
        app.onShutdown(() -> {
            throw new IllegalStateException("could not flush");
        });
        app.onShutdown(() -> ran.add("second"));
        app.get("/", r -> "ok");
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.get("/").text()).isEqualTo("ok");
        }
        assertThat(ran).containsExactly("second");
    }

    @Test
    void hooksCannotBeAddedOnceStarted() {
        Starling app = Starling.create(c -> c.port(0));
        app.get("/", r -> "ok");
        try (TestClient client = TestClient.create(app)) {
            assertThatThrownBy(() -> app.onStartup(() -> { }))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("Lifespan hooks cannot be added once the app has started.");
        }
    }
}
