package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.params.Header;
import java.net.http.HttpRequest;
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

    private static java.net.http.HttpResponse<String> get(Http http, String path, String token) {
        return http.send(HttpRequest.newBuilder(http.uri(path)).header("x-token", token).build());
    }

    @Test
    void aRouterPutsItsRoutesUnderItsPrefixAndNestedRoutersUnderBoth() {
        Router items = Router.create("/items").include(new ItemsApi())
                .get("/count", r -> "3")
                .getAsync("/first", r -> CompletableFuture.completedFuture("first"));
        Router api = Router.create("/api/v1").include(items).get("/health", r -> "ok");
        try (Http http = Http.serve(app -> app.include(api))) {
            assertThat(http.get("/api/v1/items/7").body()).isEqualTo("item 7");
            assertThat(http.get("/api/v1/items/count").body()).isEqualTo("3");
            assertThat(http.get("/api/v1/items/first").body()).isEqualTo("first");
            assertThat(http.get("/api/v1/health").body()).isEqualTo("ok");
            assertThat(http.get("/items/7").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aGroupDependencyRunsBeforeEveryRouteOfTheGroupOnBothPaths() {
        Security security = new Security();
        Router guarded = Router.create("/admin").dependsOn("verifyToken")
                .get("/plain", r -> "plain")
                .getAsync("/loop", r -> CompletableFuture.completedFuture("loop"));
        try (Http http = Http.serve(app -> app.providers(security).include(guarded).get("/open", r -> "open"))) {
            assertThat(get(http, "/admin/plain", "secret").body()).isEqualTo("plain");
            assertThat(get(http, "/admin/loop", "secret").body()).isEqualTo("loop");
            var refused = get(http, "/admin/plain", "wrong");
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.body()).isEqualTo("{\"detail\":\"The token is not valid.\"}");
            assertThat(http.get("/admin/loop").statusCode()).as("no token at all").isEqualTo(422);
            assertThat(http.get("/open").body()).as("outside the group").isEqualTo("open");
            assertThat(security.checked).hasSize(2);
        }
    }

    @Test
    void anAppLevelDependencyRunsBeforeEveryRouteAddedAfterIt() {
        Security security = new Security();
        try (Http http = Http.serve(app -> app.providers(security).dependsOn("verifyToken")
                .get("/a", r -> "a").include(new ItemsApi()))) {
            assertThat(get(http, "/a", "secret").body()).isEqualTo("a");
            assertThat(get(http, "/5", "secret").body()).isEqualTo("item 5");
            assertThat(get(http, "/5", "nope").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void aGroupDependencyWithoutAProviderFailsStartUpNamingTheRoute() {
        Router guarded = Router.create("/admin").dependsOn("verifyToken").get("/x", r -> "x");
        assertThatThrownBy(() -> Starling.create().include(guarded))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The route GET /admin/x depends on the provider 'verifyToken', but there is none; register "
                        + "exactly one @Provides method 'verifyToken' with Starling.providers(...) before including "
                        + "the routes.");
    }

    @Test
    void aPrefixStartsWithASlashAndDoesNotEndWithOne() {
        assertThatThrownBy(() -> Router.create("items/"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A router prefix starts with '/' and does not end with one, such as '/items'; 'items/' "
                        + "does not.");
    }
}
