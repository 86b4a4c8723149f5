package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.starling.concurrent.Threadpool;
import dev.starling.params.Header;
import dev.starling.params.Query;
import dev.starling.testing.TestClient;
import dev.starling.testing.TestResponse;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DependenciesTest {

    /** A user record made by a sub-dependency. */
    record User(String name) {
    }

    /** A settings object made once per request. */
    record Settings(int calls) {
    }

    static final class Api {
        final AtomicInteger settingsCalls = new AtomicInteger();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Provides
        Settings settings() {
            threads.add("settings on " + Thread.currentThread().getName());
            return new Settings(settingsCalls.incrementAndGet());
        }

        @Provides
        CompletionStage<User> user(@Header("x-user") String name, @Depends Settings settings) {
            threads.add("user on " + Thread.currentThread().getName());
            return CompletableFuture.completedFuture(new User(name + "#" + settings.calls()));
        }

        @Get("/me")
        String me(@Depends User user, @Depends Settings settings) {
            return user.name() + " settings=" + settings.calls();
        }

        @Get("/me/async")
        CompletionStage<String> meAsync(@Depends User user, @Depends Settings settings) {
            return CompletableFuture.completedFuture(user.name() + " settings=" + settings.calls());
        }
    }

    private static Starling app() {
        return Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5)));
    }

    private static TestResponse get(TestClient client, String path, String user) {
        return client.request("GET", path).header("x-user", user).send();
    }

    @Test
    void aDependencyIsResolvedOnceARequestAndItsSubDependenciesBindTheirOwnParameters() {
        Api api = new Api();
        Starling app = app();
        app.include(api);
        try (TestClient client = TestClient.create(app)) {
            assertThat(get(client, "/me", "ada").text()).isEqualTo("ada#1 settings=1");
            assertThat(get(client, "/me/async", "bob").text()).isEqualTo("bob#2 settings=2");
            assertThat(api.settingsCalls).as("once per request, though two parameters need it").hasValue(2);
        }
    }

    @Test
    void plainProvidersRunOnTheThreadpoolAndAsyncOnesOnTheLoop() {
        Api api = new Api();
        Starling app = app();
        app.include(api);
        try (TestClient client = TestClient.create(app)) {
            get(client, "/me", "ada");
            assertThat(api.threads).hasSize(2);
            assertThat(api.threads.get(0)).startsWith("settings on starling-worker-");
            assertThat(api.threads.get(1)).startsWith("user on starling-loop-");
        }
    }

    @Test
    void aMissingRequiredValueOfAProviderIs422() {
        Starling app = app();
        app.include(new Api());
        try (TestClient client = TestClient.create(app)) {
            TestResponse response = client.get("/me");
            assertThat(response.status()).isEqualTo(422);
            assertThat(response.text()).isEqualTo("{\"detail\":[{\"type\":\"missing\",\"loc\":[\"header\",\"x-user\"],"
                    + "\"msg\":\"Field required\",\"input\":null}]}");
        }
    }

    /** Resources that record when they are closed; the first close waits until the test lets it. */
    static final class Resources {
        final List<String> closed = new CopyOnWriteArrayList<>();
        final CountDownLatch mayClose = new CountDownLatch(1);

        record Outer(String name) {
        }

        record Inner(String name) {
        }

        @Provides
        Resource<Outer> outer() {
            return Resource.of(new Outer("outer"), () -> closed.add("outer"));
        }

        @Provides
        Resource<Inner> inner(@Depends Outer outer) {
            return Resource.of(new Inner("inner of " + outer.name()), () -> {
                // If cleanup ran before the response was sent, the client would wait here forever.
                mayClose.await(10, TimeUnit.SECONDS);
                closed.add("inner");
            });
        }

        @Get("/plain")
        String plain(@Depends Inner inner) {
            return inner.name();
        }

        @Get("/loop")
        CompletionStage<String> loop(@Depends Inner inner) {
            return CompletableFuture.completedFuture(inner.name());
        }
    }

    @Test
    void resourcesAreClosedAfterTheResponseInReverseOrderOnBothPaths() {
        for (String path : List.of("/plain", "/loop")) {
            Resources resources = new Resources();
            Starling app = app();
            app.include(resources);
            try (TestClient client = TestClient.create(app)) {
                assertThat(client.get(path).text()).isEqualTo("inner of outer");
                assertThat(resources.closed).isEmpty();
                resources.mayClose.countDown();
                Await.until("both resources closed", () -> resources.closed.size() == 2);
                assertThat(resources.closed).containsExactly("inner", "outer");
            }
        }
    }

    /** A provider that ignores interrupts, as a driver's connect may: it returns its resource when released. */
    static final class UninterruptibleProvider {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();

        @Provides
        Resource<String> conn() {
            started.countDown();
            // A provider that does not answer interrupts (a driver's connect, say).
            while (true) {
                try {
                    if (release.await(30, TimeUnit.SECONDS)) {
                        break;
                    }
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                }
            }
            opened.incrementAndGet();
            return Resource.of("c", closed::incrementAndGet);
        }

        @Get("/leak")
        public String leak(@Depends String conn) {
            return conn;
        }
    }

    /**
     * A resource that its provider returns only after the client has left (the disconnect's interrupt was
     * ignored) is still closed, though no handler will ever use it.
     */
    @Test
    void aResourceMadeAfterTheClientLeftIsStillClosed() throws Exception {
        UninterruptibleProvider leaky = new UninterruptibleProvider();
        try (Http http = Http.serve(app -> app.include(leaky))) {
            try (Socket socket = new Socket("127.0.0.1", http.app.port())) {
                OutputStream out = socket.getOutputStream();
                out.write("GET /leak HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(leaky.started.await(10, TimeUnit.SECONDS)).isTrue();
            }
            Await.until("the disconnect cancelled the provider", () -> leaky.interrupted.get() > 0);
            leaky.release.countDown();  // the provider returns its resource anyway
            Await.until("the resource made after the client left is closed", () -> leaky.closed.get() == 1);
            assertThat(leaky.opened).hasValue(1);
        }
    }

    /** A database stand-in with as many connections as the pool has tokens. */
    static final class Database {
        final Semaphore connections = new Semaphore(40);
        final AtomicInteger waiting = new AtomicInteger();
        final CompletableFuture<Void> fortyWaiting = new CompletableFuture<>();
    }

    static final class Queries {
        final Database db;

        Queries(Database db) {
            this.db = db;
        }

        record Connection(int id) {
        }

        @Provides
        Resource<Connection> connection() throws InterruptedException {
            if (!db.connections.tryAcquire()) {
                if (db.waiting.incrementAndGet() == 40) {
                    db.fortyWaiting.complete(null);
                }
                // Blocks, holding a threadpool token, until a connection comes back.
                db.connections.acquire();
            }
            return Resource.of(new Connection(1), db.connections::release);
        }

        /** Answers only once 40 other requests wait for a connection, each holding one of the 40 tokens. */
        @Get("/query")
        CompletionStage<String> query(@Depends Connection connection) {
            return db.fortyWaiting.thenApply(v -> "row").orTimeout(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void cleanupNeverWaitsForAThreadpoolTokenSoAnExhaustedPoolCannotDeadlock() throws Exception {
        // FastAPI #3205: 40 requests hold the 40 connections; 40 more hold the 40 tokens while they wait for a
        // connection. Only the first 40 requests' cleanup gives connections back: if it needed a token, nothing
        // could ever move again.
        Database db = new Database();
        Starling app = Starling.create(c -> c.port(0).shutdownGrace(Duration.ofSeconds(5))
                .threadpool(Threadpool.platform(40)));
        app.include(new Queries(db));
        // TestClient has no asynchronous API, so the 80 concurrent requests go through the JDK's HttpClient.
        try (TestClient client = TestClient.create(app);
             HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                     .connectTimeout(Duration.ofSeconds(5)).build()) {
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 80; i++) {
                responses.add(http.sendAsync(HttpRequest.newBuilder(client.baseUri().resolve("/query"))
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertThat(responses).allSatisfy(r -> assertThat(r.join().body()).isEqualTo("row"));
            assertThat(db.waiting).as("40 requests did wait with the pool exhausted").hasValue(40);
            Await.until("every connection is back", () -> db.connections.availablePermits() == 40);
        }
    }

    static final class Missing {
        record Thing(int n) {
        }

        @Get("/x")
        String x(@Depends Thing thing) {
            return "x";
        }
    }

    static final class Cycle {
        record A(int n) {
        }

        record B(int n) {
        }

        @Provides
        A a(@Depends B b) {
            return new A(1);
        }

        @Provides
        B b(@Depends A a) {
            return new B(1);
        }

        @Get("/x")
        String x(@Depends A a) {
            return "x";
        }
    }

    static final class Twice {
        @Provides
        String first() {
            return "1";
        }

        @Provides
        String second() {
            return "2";
        }

        @Get("/x")
        String x(@Depends String value) {
            return value;
        }

        @Get("/y")
        String y(@Depends("second") String value) {
            return value;
        }
    }

    @Test
    void aDependencyWithoutAProviderFailsStartUpNamingClassMethodAndParameter() {
        assertThatThrownBy(() -> Starling.create().include(new Missing()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Parameter 'thing' of dev.starling.DependenciesTest$Missing.x(...) depends on a provider of "
                        + "Thing, but there is none; add a @Provides method to the API object or to an object given to "
                        + "Starling.providers(...) before including the routes.");
    }

    @Test
    void dependenciesThatGoRoundInACircleFailStartUp() {
        assertThatThrownBy(() -> Starling.create().include(new Cycle()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("go round in a circle")
                .hasMessageContaining("Cycle.a -> Cycle.b -> Cycle.a");
    }

    @Test
    void twoProvidersOfOneTypeNeedANameAndANameSettlesIt() {
        assertThatThrownBy(() -> Starling.create().include(new Twice()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("several providers make (Twice.first, Twice.second)")
                .hasMessageContaining("@Depends(\"method\")");
    }

    static final class SharedProviders {
        @Provides
        User user(@Query String name) {
            return new User(name);
        }
    }

    static final class UsesShared {
        @Get("/hello")
        String hello(@Depends User user) {
            return "hello " + user.name();
        }
    }

    @Test
    void providersRegisteredOnTheAppServeEveryIncludedApi() {
        Starling app = app();
        app.providers(new SharedProviders()).include(new UsesShared());
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.get("/hello?name=ada").text()).isEqualTo("hello ada");
        }
    }

    // ---- cleanup told the outcome, cleanup before the response, values of their own ----

    /** A pretend transaction: committed or rolled back by its finisher. */
    static final class Tx {
        final List<String> log;

        Tx(List<String> log) {
            this.log = log;
        }
    }

    static final class Transactions {
        final List<String> log = new CopyOnWriteArrayList<>();
        final CountDownLatch finished = new CountDownLatch(1);
        final boolean failCommit;

        Transactions(boolean failCommit) {
            this.failCommit = failCommit;
        }

        @Provides(scope = Provides.Scope.HANDLER)
        Resource<Tx> tx() {
            Tx tx = new Tx(log);
            return Resource.finishing(tx, failure -> {
                try {
                    if (failure.isPresent()) {
                        log.add("rollback: " + failure.get().getMessage());
                    } else if (failCommit) {
                        throw new IllegalStateException("commit failed");
                    } else {
                        log.add("commit");
                    }
                } finally {
                    finished.countDown();
                }
            });
        }

        @Get("/ok")
        String ok(@Depends Tx tx) {
            return "log " + log;
        }

        @Get("/ok-async")
        CompletionStage<String> okAsync(@Depends Tx tx) {
            return CompletableFuture.completedFuture("log " + log);
        }

        @Get("/fails")
        String fails(@Depends Tx tx) {
            throw new HttpException(409, "conflict");
        }

        @Get("/fails-async")
        CompletionStage<String> failsAsync(@Depends Tx tx) {
            return CompletableFuture.failedFuture(new HttpException(409, "conflict"));
        }
    }

    @Test
    void aHandlerScopedDependencyCommitsBeforeTheResponseOnBothPaths() {
        for (String path : new String[] {"/ok", "/ok-async"}) {
            Transactions api = new Transactions(false);
            try (TestClient client = TestClient.create(app().include(api))) {
                TestResponse response = client.get(path);
                assertThat(response.status()).isEqualTo(200);
                // The commit happened after the handler made its body and before the client got it.
                assertThat(response.text()).isEqualTo("log []");
                assertThat(api.log).containsExactly("commit");
            }
        }
    }

    @Test
    void aHandlerScopedDependencyIsToldTheHandlersFailureAndRollsBack() {
        for (String path : new String[] {"/fails", "/fails-async"}) {
            Transactions api = new Transactions(false);
            try (TestClient client = TestClient.create(app().include(api), false)) {
                assertThat(client.get(path).status()).isEqualTo(409);
                assertThat(api.log).containsExactly("rollback: HTTP 409: conflict");
            }
        }
    }

    @Test
    void aCommitThatFailsIsAnsweredAsAFailureNotAsSuccess() {
        for (String path : new String[] {"/ok", "/ok-async"}) {
            Transactions api = new Transactions(true);
            try (TestClient client = TestClient.create(app().include(api), false)) {
                assertThat(client.get(path).status()).isEqualTo(500);
            }
        }
    }

    static final class RequestScoped {
        final List<Optional<String>> outcomes = new CopyOnWriteArrayList<>();
        final CountDownLatch closed = new CountDownLatch(2);

        @Provides
        Resource<String> session() {
            return Resource.finishing("session", failure -> {
                outcomes.add(failure.map(Throwable::getMessage));
                closed.countDown();
            });
        }

        @Get("/fine")
        String fine(@Depends String session) {
            return session;
        }

        @Get("/broken")
        CompletionStage<String> broken(@Depends String session) {
            return CompletableFuture.failedFuture(new IllegalStateException("broken"));
        }
    }

    @Test
    void aRequestScopedFinisherIsToldTheOutcomeAfterTheResponse() throws Exception {
        RequestScoped api = new RequestScoped();
        try (TestClient client = TestClient.create(app().include(api), false)) {
            assertThat(client.get("/fine").text()).isEqualTo("session");
            assertThat(client.get("/broken").status()).isEqualTo(500);
            assertThat(api.closed.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(api.outcomes).containsExactlyInAnyOrder(Optional.empty(), Optional.of("broken"));
        }
    }

    static final class Counters {
        final AtomicInteger made = new AtomicInteger();

        @Provides
        Integer counter() {
            return made.incrementAndGet();
        }

        @Get("/cached")
        String cached(@Depends Integer a, @Depends Integer b) {
            return a + "," + b;
        }

        @Get("/own")
        CompletionStage<String> own(@Depends Integer a, @Depends(useCache = false) Integer b) {
            return CompletableFuture.completedFuture(a + "," + b);
        }
    }

    @Test
    void aParameterThatOptsOutOfTheCacheGetsAValueOfItsOwn() {
        Counters api = new Counters();
        try (TestClient client = TestClient.create(app().include(api))) {
            assertThat(client.get("/cached").text()).isEqualTo("1,1");
            assertThat(client.get("/own").text()).isEqualTo("2,3");
            assertThat(api.made).hasValue(3);
        }
    }

    // ---- overrides for tests ----

    static final class Me {
        @Provides
        User currentUser(@Header("x-user") String name) {
            return new User(name);
        }

        @Get("/me")
        String me(@Depends User user) {
            return user.name();
        }

        @Get("/me-async")
        CompletionStage<String> meAsync(@Depends User user) {
            return CompletableFuture.completedFuture(user.name());
        }
    }

    @Test
    void anOverriddenDependencyIsResolvedInsteadOfItsProviderUntilOverridesAreCleared() {
        Starling app = app().include(new Me());
        try (TestClient client = TestClient.create(app)) {
            assertThat(get(client, "/me", "ada").text()).isEqualTo("ada");
            app.overrideDependency("currentUser", () -> new User("test user"));
            for (String path : new String[] {"/me", "/me-async"}) {
                assertThat(client.get(path).text()).isEqualTo("test user");   // no header needed now
            }
            app.clearDependencyOverrides();
            assertThat(client.get("/me").status()).isEqualTo(422);
            assertThatThrownBy(() -> app.overrideDependency("curentUser", () -> null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("No route depends on a provider named 'curentUser', so overriding it would change "
                            + "nothing; the routes use [currentUser].");
        }
    }
}
