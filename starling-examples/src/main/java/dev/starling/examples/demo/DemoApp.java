package dev.starling.examples.demo;

import dev.starling.ApiResponse;
import dev.starling.BackgroundTasks;
import dev.starling.Config;
import dev.starling.Depends;
import dev.starling.Get;
import dev.starling.Operation;
import dev.starling.HttpException;
import dev.starling.Post;
import dev.starling.Provides;
import dev.starling.Resource;
import dev.starling.Response;
import dev.starling.Starling;
import dev.starling.Tls;
import com.hazelcast.core.HazelcastInstance;
import dev.starling.concurrent.Concurrency;
import dev.starling.hazelcast.HazelcastExecutor;
import dev.starling.metrics.StarlingMetrics;
import dev.starling.process.ProcessPool;
import dev.starling.params.Body;
import dev.starling.params.Default;
import dev.starling.params.Header;
import dev.starling.params.Query;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * The demo app of the README: plain handlers offloaded to the threadpool, async handlers on the event
 * loop, typed parameters, JSON, errors and a stream, on http://127.0.0.1:8000.
 */
public final class DemoApp {

    private static final Logger LOG = LoggerFactory.getLogger(DemoApp.class);

    /** An item of the demo's in-memory store. */
    public record Item(int id, String name, List<String> tags) {
    }

    /** What a client sends to create an item; both are required, as the schema says. */
    public record NewItem(String name, List<String> tags) {
    }

    /** A unit of work on the store, opened per request and closed after the response (a database session). */
    public static final class Session implements AutoCloseable {
        private final String user;

        Session(String user) {
            this.user = user;
        }

        /** Returns who opened the session. */
        public String user() {
            return user;
        }

        @Override
        public void close() {
            LOG.info("Session of {} closed after the response.", user);
        }
    }

    /** The items API: where each method runs follows from its return type. */
    public static final class ItemsApi {
        private final Map<Integer, Item> items = new ConcurrentHashMap<>();
        private final AtomicInteger ids = new AtomicInteger();

        ItemsApi() {
            add("starling", List.of("bird", "loud"));
            add("swift", List.of("bird", "fast"));
        }

        private Item add(String name, List<String> tags) {
            Item item = new Item(ids.incrementAndGet(), name, tags);
            items.put(item.id(), item);
            return item;
        }

        /** A plain return type: offloaded to the default threadpool, as a database call would be. */
        @Get("/items/{id}")
        @Operation(summary = "Read an item", description = "Answers 404 when there is no item with that id.",
                tags = "items")
        @ApiResponse(status = 404, description = "No item has that id.")
        public Item read(int id) {
            Item item = items.get(id);
            if (item == null) {
                throw new HttpException(404, "Item " + id + " does not exist.");
            }
            return item;
        }

        /** Optional and repeated query parameters, still offloaded. */
        @Get("/items")
        public List<Item> search(@Query Optional<String> tag, @Query Optional<Integer> limit) {
            return items.values().stream()
                    .filter(i -> tag.map(t -> i.tags().contains(t)).orElse(true))
                    .limit(limit.orElse(100))
                    .toList();
        }

        /** A CompletionStage: runs on the event loop and offloads only the blocking part. */
        @Get("/items/{id}/slow")
        public CompletionStage<Item> slow(int id, @Query Optional<Integer> ms) {
            return Concurrency.runInThreadpool(() -> {
                Thread.sleep(ms.orElse(100));
                return read(id);
            });
        }

        /** A dependency with cleanup: a session per request, closed once the response is sent. */
        @Provides
        public Session session(@Header("x-user") Optional<String> user) {
            return new Session(user.orElse("anonymous"));
        }

        /** A JSON body, a dependency and a background task; answers 201 with the new item's location. */
        @Post("/items")
        @ApiResponse(status = 201, description = "The item, created; its address is in the location header.",
                body = Item.class)
        public Response create(@Body NewItem item, @Depends Session session, BackgroundTasks tasks) {
            Item created = add(item.name(), item.tags());
            tasks.add(() -> LOG.info("{} created item {} (logged after the response).", session.user(),
                    created.id()));
            return Response.status(201).header("location", "/items/" + created.id()).body(created);
        }

        /** A stream pulled from a blocking iterator, one line per item, at the pace of the client. */
        @Get("/count")
        public Flow.Publisher<String> count(@Query Optional<Integer> to) {
            return Concurrency.iterateInThreadpool(
                    IntStream.rangeClosed(1, to.orElse(10)).mapToObj(i -> i + "\n").iterator());
        }
    }

    /** Where a report may run: the same task, sent to each kind of executor. */
    public enum Where {
        /** The default threadpool of this JVM. */
        threadpool,
        /** A worker JVM of the demo's process pool. */
        processes,
        /** A member of the Hazelcast cluster (this JVM is one; {@code starling-examples/run member} adds more). */
        cluster
    }

    /** The reports API: one CPU-heavy task, offloaded to the executor the client names. */
    public static final class ReportsApi {
        /** Counts the primes below {@code below} on the threadpool, a worker JVM or the cluster, and says where it ran. */
        @Get("/reports/primes")
        @Operation(summary = "Count primes where you choose", tags = "reports",
                description = "The same CPU-heavy task sent to the threadpool, a worker JVM of the process pool, or"
                        + " the Hazelcast cluster.")
        public CompletionStage<Reports.PrimeReport> primes(@Query @Default("1000000") int below,
                                                           @Query @Default("cluster") Where on) {
            if (below < 2 || below > 100_000_000) {
                throw new HttpException(422, "below must be between 2 and 100000000, not " + below + ".");
            }
            String executor = switch (on) {
                case threadpool -> "default";
                case processes -> "processes";
                case cluster -> "cluster";
            };
            return Concurrency.runInExecutor(executor, () -> Reports.primes(below));
        }
    }

    private DemoApp() {
    }

    /** Returns the demo app, not yet started; it joins (or forms) the demo cluster on 127.0.0.1 first. */
    public static Starling create(int port) {
        return create(port, DemoCluster.NAME);
    }

    /** Returns the demo app as a member of the cluster called {@code cluster}: tests keep to their own. */
    public static Starling create(int port, String cluster) {
        return create(port, cluster, Optional.empty());
    }

    /** Returns the demo app, serving HTTPS with {@code tls} when it is given. */
    public static Starling create(int port, String cluster, Optional<Tls> tls) {
        return create(port, cluster, tls, settings -> { });
    }

    /**
     * Returns the demo app, its settings adjusted last by {@code deployment}: {@link #main} reads them from the
     * environment there ({@code STARLING_PORT=9000 ./demo}), while tests leave them as the code sets them.
     */
    public static Starling create(int port, String cluster, Optional<Tls> tls, Consumer<Config.Builder> deployment) {
        HazelcastInstance member = DemoCluster.join(cluster, "starling-demo-app-" + ProcessHandle.current().pid()
                + "-" + java.util.UUID.randomUUID());
        // Two worker JVMs; a report that runs longer than 30 s has its worker killed and answers 500.
        ProcessPool processes = ProcessPool.builder().name("demo-reports").maxWorkers(2)
                .taskTimeout(Duration.ofSeconds(30)).build();
        StarlingMetrics metrics = StarlingMetrics.prometheus();
        Starling app = Starling.create(c -> {
            c.port(port)
                    .observer(metrics)
                    .executor("processes", processes)
                    .executor("cluster", HazelcastExecutor.create(member.getExecutorService(DemoCluster.EXECUTOR)));
            tls.ifPresent(c::tls);
            deployment.accept(c);
        });
        metrics.bindTo(app);
        app.get("/metrics", metrics.scrapeHandler());
        app.onShutdown(() -> {
            metrics.close();
            processes.close();
            member.getLifecycleService().shutdown();
        });
        app.include(new ItemsApi());
        app.include(new ReportsApi());
        app.get("/", request -> "Starling demo: try /items, /items/1, /items/1/slow, /count?to=5, /hello?name=you,"
                + " /reports/primes?below=5000000&on=cluster (or threadpool, processes), /metrics,"
                + " and POST /items with {\"name\":\"robin\",\"tags\":[\"bird\"]}\n");
        app.get("/hello", request -> Map.of("message", "Hello, " + request.query("name").orElse("World") + "!"));
        return app;
    }

    /**
     * Serves the demo on http://127.0.0.1:8000 until the process is stopped; with {@code --tls}, on
     * https://127.0.0.1:8000 with a self-signed certificate made at start (clients must be told to accept it).
     * Settings come from the environment over the code's ({@code STARLING_PORT}, {@code STARLING_HOST}, ...; see
     * docs/settings.md).
     */
    public static void main(String[] args) {
        boolean tls = false;
        for (String arg : args) {
            if (arg.equals("--tls")) {
                tls = true;
            } else {
                System.err.println("The demo takes one option, --tls (serve HTTPS with a self-signed certificate),"
                        + " not '" + arg + "'.");
                System.exit(2);
            }
        }
        create(8000, DemoCluster.NAME, tls ? Optional.of(Tls.selfSigned()) : Optional.empty(),
                Config.Builder::fromEnvironment).run();
    }
}
