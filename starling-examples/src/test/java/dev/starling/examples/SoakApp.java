package dev.starling.examples;

import dev.starling.BackgroundTasks;
import dev.starling.Depends;
import dev.starling.ExecuteOn;
import dev.starling.Get;
import dev.starling.Observer;
import dev.starling.Post;
import dev.starling.Provides;
import dev.starling.Resource;
import dev.starling.Response;
import dev.starling.Starling;
import dev.starling.concurrent.Threadpool;
import dev.starling.examples.bench.BenchApp;
import dev.starling.params.Body;
import dev.starling.params.Query;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The app the soak test runs: the bench app's six workload endpoints ({@link BenchApp.Endpoints}, unchanged)
 * plus the rest of what a real service does, each with a counter the test can check after the run.
 *
 * <ul>
 *   <li>{@code POST /orders}: a JSON body, a dependency with cleanup ({@link Ledger}) and a background task;
 *       a body that is not an order answers 422.</li>
 *   <li>{@code GET /stream?n=}: a chunked stream of {@code n} lines whose {@code onClose} is counted.</li>
 *   <li>{@code GET /tiny?ms=}: a small named executor (2 tokens, 2 waiters) that answers 503 when full.</li>
 *   <li>{@code GET /boom}: a handler that throws (500), after opening the dependency, whose cleanup must
 *       still run.</li>
 * </ul>
 */
public final class SoakApp {

    /** The exception {@code /boom} throws; any other unhandled exception is a failure of the soak. */
    public static final class Deliberate extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Deliberate() {
            super("soak: a deliberate failure of GET /boom");
        }
    }

    /** The body of {@code POST /orders}. */
    public record Order(String item, int quantity) {
    }

    /** The answer of {@code POST /orders}. */
    public record Receipt(String item, long ledger, int quantity) {
    }

    /** A per-request resource, as a database session would be: opened by its provider, closed after the response. */
    public record Ledger(long id) {
    }

    /** What the app did, counted on the server side. */
    public static final class Counters {
        final LongAdder ledgersOpened = new LongAdder();
        final LongAdder ledgersClosed = new LongAdder();
        final LongAdder streamsOpened = new LongAdder();
        final LongAdder streamsClosed = new LongAdder();
        final LongAdder tasksScheduled = new LongAdder();
        final LongAdder tasksRan = new LongAdder();
        final LongAdder refusals = new LongAdder();
        /** Responses by {@code "METHOD route status"}, as the app's observer heard them. */
        final Map<String, LongAdder> responses = new ConcurrentHashMap<>();
        /** Exceptions that ended a request with 500, by class name. */
        final Map<String, LongAdder> unhandled = new ConcurrentHashMap<>();
        /**
         * A leak planted on purpose, to check the checker: {@code -Dsoak.leak=heap} keeps 4 KiB per order,
         * {@code direct} a 4 KiB Netty direct buffer per order, {@code fd} a descriptor per order,
         * {@code thread} a parked thread per 100 orders. Off by default.
         */
        final String leak = System.getProperty("soak.leak", "");
        final List<Object> leaked = java.util.Collections.synchronizedList(new ArrayList<>());
    }

    /** The endpoints added to the bench app's six. */
    public static final class Api {
        private final Counters counters;
        private final AtomicLong ids = new AtomicLong();

        Api(Counters counters) {
            this.counters = counters;
        }

        /** A dependency with cleanup: counted when opened, counted again when Starling closes it. */
        @Provides
        public Resource<Ledger> ledger() {
            Ledger ledger = new Ledger(ids.incrementAndGet());
            counters.ledgersOpened.increment();
            return Resource.of(ledger, counters.ledgersClosed::increment);
        }

        /** A JSON body, a dependency and a background task; 201 with the receipt. */
        @Post("/orders")
        public Response order(@Body Order order, @Depends Ledger ledger, BackgroundTasks tasks) {
            plantLeak();
            counters.tasksScheduled.increment();
            tasks.add(counters.tasksRan::increment);
            return Response.status(201).body(new Receipt(order.item(), ledger.id(), order.quantity()));
        }

        private void plantLeak() {
            try {
                switch (counters.leak) {
                    case "heap" -> counters.leaked.add(new byte[4096]);
                    case "direct" -> counters.leaked.add(io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(4096)
                            .writeZero(4096));
                    case "fd" -> counters.leaked.add(java.nio.channels.FileChannel.open(java.nio.file.Path.of("/dev/null")));
                    case "thread" -> {
                        if (counters.leaked.size() % 100 == 0) {
                            Thread.ofPlatform().daemon().name("starling-leaked").start(() -> {
                                java.util.concurrent.locks.LockSupport.park();
                            });
                        }
                        counters.leaked.add(Boolean.TRUE);
                    }
                    default -> {
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** A chunked stream of {@code n} lines (at most 200,000), pulled through the threadpool. */
        @Get("/stream")
        public Stream<String> stream(@Query int n) {
            counters.streamsOpened.increment();
            return IntStream.range(0, Math.clamp(n, 0, 200_000)).mapToObj(i -> "line " + i + "\n")
                    .onClose(counters.streamsClosed::increment);
        }

        /** Sleeps on the small named executor; past its 2 tokens and 2 waiters the request gets 503. */
        @Get("/tiny")
        @ExecuteOn("tiny")
        public String tiny(@Query int ms) throws InterruptedException {
            Thread.sleep(ms);
            return "tiny";
        }

        /** Opens the dependency, then throws: 500, and the ledger must still be closed. */
        @Get("/boom")
        public String boom(@Depends Ledger ledger) {
            throw new Deliberate();
        }
    }

    private SoakApp() {
    }

    /** {@code "Deliberate"} when {@code error} is (or wraps) /boom's exception, else its class and message. */
    static String describe(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof Deliberate) {
                return "Deliberate";
            }
        }
        return error.getClass().getName() + ": " + error.getMessage();
    }

    /** Returns the soak app on 127.0.0.1 and a free port, not yet started, counting into {@code counters}. */
    public static Starling create(Counters counters) {
        Observer observer = new Observer() {
            @Override
            public void requestEnded(String method, String route, int status, long nanos) {
                counters.responses.computeIfAbsent(method + " " + route + " " + status, k -> new LongAdder())
                        .increment();
            }

            @Override
            public void taskRefused(String executor, Refusal reason) {
                counters.refusals.increment();
            }
        };
        Starling app = Starling.create(c -> c.host("127.0.0.1").port(0)
                .observer(observer)
                .executor("tiny", Threadpool.platform(2).maxWaiting(2)));
        app.include(new BenchApp.Endpoints());
        app.include(new Api(counters));
        // The app's hook for exceptions answered 500 (the test client uses it too): every one must be /boom's.
        ((dev.starling.internal.app.App) app).onUnhandled((request, error) -> counters.unhandled
                .computeIfAbsent(describe(error), k -> new LongAdder()).increment());
        return app;
    }
}
