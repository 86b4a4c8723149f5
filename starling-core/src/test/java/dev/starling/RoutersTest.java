package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.params.Header;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class RoutersTest {

    static final class ItemsApi {
        @Get("/{id}")
        String read(int id) {
            return "item " + id;
        }
    }

    /** A token check run before every route of a group. */
    static final class Security {
        final List<String> checked = new CopyOnWriteArrayList<>();

        @Provides
        String verifyToken(@Header("x-token") String token) {
            if (!token.equals("secret")) {
                throw new HttpException(401, "The token is not valid.");
            }
            checked.add(token);
            return token;
        }
    }

    private static Starling app() {
        return Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
    }

    private static TestResponse get(TestClient client, String path, String token) {
        return client.request("GET", path).header("x-token", token).send();
    }

    @Test
    void aRouterPutsItsRoutesUnderItsPrefixAndNestedRoutersUnderBoth() {
        Router items = Router.create("/items").include(new ItemsApi())
                .get("/count", r -> "3")
                .getAsync("/first", r -> CompletableFuture.completedFuture("first"));
        Router api = Router.create("/api/v1").include(items).get("/health", r -> "ok");
        Starling app = app();
        app.include(api);
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.get("/api/v1/items/7").text()).isEqualTo("item 7");
            assertThat(client.get("/api/v1/items/count").text()).isEqualTo("3");
            assertThat(client.get("/api/v1/items/first").text()).isEqualTo("first");
            assertThat(client.get("/api/v1/health").text()).isEqualTo("ok");
            assertThat(client.get("/items/7").status()).isEqualTo(404);
        }
    }

    @Test
    void aRouterTakesPutDeletePatchOnTheOffloadedAndTheLoopPath() {
        Router items = Router.create("/items")
                .put("/plain", r -> "put " + Thread.currentThread().getName().startsWith("starling-worker"))
                .putAsync("/loop", r -> CompletableFuture.completedFuture("put loop"))
                .delete("/plain", r -> "delete")
                .deleteAsync("/loop", r -> CompletableFuture.completedFuture("delete loop"))
                .patch("/plain", r -> "patch")
                .patchAsync("/loop", r -> CompletableFuture.completedFuture("patch loop"));
        Starling app = app();
        app.include(items);
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.put("/items/plain").text()).isEqualTo("put true");
            assertThat(client.put("/items/loop").text()).isEqualTo("put loop");
            assertThat(client.delete("/items/plain").text()).isEqualTo("delete");
            assertThat(client.delete("/items/loop").text()).isEqualTo("delete loop");
            assertThat(client.patch("/items/plain").text()).isEqualTo("patch");
            assertThat(client.patch("/items/loop").text()).isEqualTo("patch loop");
            assertThat(client.get("/items/plain").status()).isEqualTo(405);
        }
    }

    @Test
    void aGroupDependencyRunsBeforeEveryRouteOfTheGroupOnBothPaths() {
        Security security = new Security();
        Router guarded = Router.create("/admin").dependsOn("verifyToken")
                .get("/plain", r -> "plain")
                .getAsync("/loop", r -> CompletableFuture.completedFuture("loop"));
        Starling app = app();
        app.providers(security).include(guarded).get("/open", r -> "open");
        try (TestClient client = TestClient.create(app)) {
            assertThat(get(client, "/admin/plain", "secret").text()).isEqualTo("plain");
            assertThat(get(client, "/admin/loop", "secret").text()).isEqualTo("loop");
            var refused = get(client, "/admin/plain", "wrong");
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.text()).isEqualTo("{\"detail\":\"The token is not valid.\"}");
            assertThat(client.get("/admin/loop").status()).as("no token at all").isEqualTo(422);
            assertThat(client.get("/open").text()).as("outside the group").isEqualTo("open");
            assertThat(security.checked).hasSize(2);
        }
    }

    @Test
    void anAppLevelDependencyRunsBeforeEveryRouteAddedAfterIt() {
        Security security = new Security();
        Starling app = app();
        app.providers(security).dependsOn("verifyToken").get("/a", r -> "a").include(new ItemsApi());
        try (TestClient client = TestClient.create(app)) {
            assertThat(get(client, "/a", "secret").text()).isEqualTo("a");
            assertThat(get(client, "/5", "secret").text()).isEqualTo("item 5");
            assertThat(get(client, "/5", "nope").status()).isEqualTo(401);
        }
    }

    @Test
    void aGroupDependencyWithoutAProviderFailsStartUpNamingTheRoute() {
        Router guarded = Router.create("/admin").dependsOn("verifyToken").get("/x", r -> "x");
        assertThatThrownBy(() -> Starling.create().include(guarded))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The route GET /admin/x depends on the provider 'verifyToken', but there is none; register "
                        + "exactly one @Provides method or security scheme 'verifyToken' with Starling.providers(...) "
                        + "before including the routes.");
    }

    @Test
    void aPrefixStartsWithASlashAndDoesNotEndWithOne() {
        assertThatThrownBy(() -> Router.create("items/"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A router prefix starts with '/' and does not end with one, such as '/items'; 'items/' "
                        + "does not.");
    }
}
