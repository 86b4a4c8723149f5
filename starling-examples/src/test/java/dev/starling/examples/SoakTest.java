package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import dev.starling.Starling;
import dev.starling.concurrent.CapacityLimiter;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The soak test: mixed load on a realistic app ({@link SoakApp}) for a bounded time, checking that threads,
 * file descriptors, heap after GC and direct memory stay flat, that every response has a status expected of
 * its endpoint, and that nothing hangs. Tagged {@code soak}, so {@code mvn verify} leaves it out; run it
 * with {@code scripts/soak} ({@code SOAK_SECONDS=n}, default 180, at most 300).
 *
 * <p>Everything runs in this JVM on 127.0.0.1: the server, {@value #CLIENTS_DEFAULT} client threads on one
 * {@link HttpClient}, a thread that fires bursts at the small executor so that it answers 503, and
 * {@value #DISCONNECTERS} threads with raw sockets that leave in the middle of requests. Every
 * {@code interval} seconds the main thread samples the JVM; after the run it checks the samples of the last
 * third against the warm-up (the first 20%), then that every limiter, dependency, stream and background
 * task has settled, then that stopping the app leaves none of its threads or connections behind. The
 * samples go to stdout and to {@code target/soak-report.md}.
 */
@Tag("soak")
class SoakTest {

    static final int CLIENTS_DEFAULT = 8;
    static final int DISCONNECTERS = 2;
    static final int DEFAULT_SECONDS = 180;
    static final int MAX_SECONDS = 300;
    static final int MIN_SECONDS = 10;
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    static final long MIB = 1024 * 1024;

    // Tolerances: the most the last third of the run may rise over the warm-up baseline (the highest sample
    // of the first 20%). Each is far above what the load itself moves, and far below what a leak of one
    // object, descriptor or thread per request (hundreds of thousands to millions of requests a run) or per
    // disconnect (thousands a run) adds; the report prints the smallest per-request leak each would catch.
    /**
     * Threads: the default pool's workers retire after 10 s idle and come back on demand, and the JDK's
     * common pool and virtual-thread carriers come and go, so the count wanders by a few; 10 more than the
     * warm-up's highest is a thread leaked per ~100k requests at worst, and a thread per request or per
     * disconnect would be thousands.
     */
    static final int THREAD_SLACK = 10;
    /**
     * Descriptors: both ends of every connection are in this JVM. The client holds about one keep-alive
     * connection per thread plus the bursts' six and the disconnecters' one each (some 20 connections, 40
     * descriptors), more or fewer as connections close and reopen; 64 leaves room for that churn and
     * still catches a descriptor leaked per disconnect (thousands) or per 10,000 requests.
     */
    static final int FD_SLACK = 64;
    /**
     * Heap after two full GCs: the live set is the app, the client and the requests in flight, which move
     * by well under 1 MiB between samples here; 20% plus 16 MiB is what the brief of issue 8 asked for. It
     * catches a leak of about 60 B per request in a 3-minute run of ~400k requests (the report prints the
     * figure for each run); a retained 4 KiB per order ({@code -Dsoak.leak=heap}) fails a 30 s run.
     */
    static final double HEAP_FACTOR = 1.2;
    static final long HEAP_SLACK = 16 * MIB;
    /**
     * Direct memory: in healthy runs Netty's adaptive allocator settles at about 2 MiB within seconds and
     * does not move (its chunks are reused), so 8 MiB leaves room for a few chunk steps; a retained 4 KiB
     * buffer per order (about 500 B per request, {@code -Dsoak.leak=direct}) grows past it within a 30 s run.
     */
    static final long DIRECT_SLACK = 8 * MIB;

    /** One endpoint of the mix: how to ask, how often, which statuses it may answer, what its body must be. */
    record Call(String name, int weight, Set<Integer> expected, Ask ask, Check check) {
    }

    @FunctionalInterface
    interface Ask {
        HttpRequest.Builder request(URI base, ThreadLocalRandom random);
    }

    @FunctionalInterface
    interface Check {
        /** Returns what is wrong with a response of an expected status, or null. */
        String problem(int status, HttpResponse<String> response);
    }

    /** One look at the JVM: {@code label} is "start", a time in seconds, or "settled". */
    record Sample(String label, double seconds, long requests, long threads, long starlingThreads,
                  long fds, long sockets, long heapAfterGc, long nettyDirect, long nettyCounter, long nioDirect,
                  long classes, long established, long closeWait, long defaultBorrowed, long tinyBorrowed,
                  String kinds) {
    }

    /** One flatness check: a figure of the samples and how far over its baseline it may go. */
    record Flat(String name, ToLongFunction<Sample> figure, java.util.function.LongUnaryOperator limit,
                boolean bytes) {
    }

    private final Map<String, LongAdder> tally = new ConcurrentHashMap<>();
    private final LongAdder requests = new LongAdder();
    private final LongAdder unexpected = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder ioErrors = new LongAdder();
    private final LongAdder disconnects = new LongAdder();
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private final AtomicInteger problemCount = new AtomicInteger();

    /** Set when the test ends early (a failure in the test itself): the load threads stop at once. */
    private volatile boolean halted;

    private boolean running(long deadline) {
        return !halted && System.nanoTime() < deadline;
    }

    private void problem(String text) {
        if (problemCount.incrementAndGet() <= 40) {
            problems.add(text);
        }
    }

    private void count(String key) {
        tally.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    static List<Call> mix() {
        String hello = "Hello, World!";
        return List.of(
                new Call("GET /hello/async", 10, Set.of(200), (b, r) -> get(b, "/hello/async"), body(hello)),
                new Call("GET /hello/sync", 10, Set.of(200), (b, r) -> get(b, "/hello/sync"), body(hello)),
                new Call("GET /sleep/sync", 3, Set.of(200), (b, r) -> get(b, "/sleep/sync?ms=2"), body("slept")),
                new Call("GET /sleep/offload", 3, Set.of(200), (b, r) -> get(b, "/sleep/offload?ms=2"),
                        body("slept")),
                new Call("GET /items/{id}", 10, Set.of(200),
                        (b, r) -> get(b, "/items/" + r.nextInt(1_000_000) + "?q=abc"),
                        (s, res) -> {
                            String path = res.request().uri().getPath();
                            String id = path.substring(path.lastIndexOf('/') + 1);
                            return ("{\"id\":" + id + ",\"q\":\"abc\",\"tags\":[\"a\",\"b\",\"c\"]}").equals(res.body())
                                    ? null : "the body " + shorten(res.body());
                        }),
                new Call("GET /cpu/sync", 3, Set.of(200), (b, r) -> get(b, "/cpu/sync?n=100"),
                        (s, res) -> res.body().matches("[0-9a-f]{64}") ? null : "not a SHA-256: " + res.body()),
                new Call("POST /orders", 8, Set.of(201), (b, r) -> post(b, "/orders",
                        "{\"item\":\"seed\",\"quantity\":" + (1 + r.nextInt(9)) + "}"),
                        (s, res) -> res.body().matches("\\{\"item\":\"seed\",\"ledger\":\\d+,\"quantity\":[1-9]}")
                                ? null : "not a receipt: " + res.body()),
                new Call("POST /orders (invalid)", 2, Set.of(422), (b, r) -> post(b, "/orders",
                        r.nextBoolean() ? "{\"item\":\"seed\",\"quantity\":\"many\"}" : "{\"item\":"),
                        (s, res) -> res.body().startsWith("{\"detail\":[") ? null : "not a 422 detail: " + res.body()),
                new Call("GET /items/abc (invalid)", 1, Set.of(422), (b, r) -> get(b, "/items/abc?q=x"),
                        (s, res) -> res.body().startsWith("{\"detail\":[") ? null : "not a 422 detail: " + res.body()),
                new Call("GET /stream", 3, Set.of(200), (b, r) -> get(b, "/stream?n=100"),
                        (s, res) -> res.body().lines().count() == 100 && res.body().endsWith("line 99\n")
                                ? null : "a stream of " + res.body().lines().count() + " lines, not 100"),
                new Call("GET /boom", 2, Set.of(500), (b, r) -> get(b, "/boom"),
                        body("{\"detail\":\"Internal Server Error\"}")),
                new Call("GET /nowhere (404)", 2, Set.of(404), (b, r) -> get(b, "/nowhere/" + r.nextInt(1000)),
                        (s, res) -> null));
    }

    /** The burst thread's call: the small executor, 200 while it has room, 503 with Retry-After when not. */
    static final Call TINY = new Call("GET /tiny (bursts of 6)", 0, Set.of(200, 503),
            (b, r) -> get(b, "/tiny?ms=20"),
            (s, res) -> s == 200 ? ("tiny".equals(res.body()) ? null : "not tiny: " + res.body())
                    : res.headers().firstValue("retry-after").filter("1"::equals).isPresent() ? null
                    : "a 503 without retry-after: 1");

    static HttpRequest.Builder get(URI base, String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT).GET();
    }

    static HttpRequest.Builder post(URI base, String path, String json) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    }

    static Check body(String expected) {
        return (s, res) -> expected.equals(res.body()) ? null : "the body " + shorten(res.body());
    }

    static String shorten(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }

    private void record(Call call, HttpResponse<String> response) {
        requests.increment();
        int status = response.statusCode();
        count(call.name() + " -> " + status);
        if (!call.expected().contains(status)) {
            unexpected.increment();
            problem(call.name() + " answered " + status + ", expected " + call.expected() + ": "
                    + shorten(response.body()));
            return;
        }
        String wrong = call.check().problem(status, response);
        if (wrong != null) {
            unexpected.increment();
            problem(call.name() + " answered " + status + " with " + wrong);
        }
    }

    private void failed(Call call, Throwable error) {
        requests.increment();
        if (error instanceof HttpTimeoutException || error instanceof TimeoutException) {
            timeouts.increment();
            count(call.name() + " -> timed out");
        } else {
            ioErrors.increment();
            count(call.name() + " -> " + error.getClass().getSimpleName());
        }
        problem(call.name() + " failed: " + error);
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES) // the cap (5 min) and the bounded waits after it
    void mixedLoadLeavesThreadsDescriptorsHeapAndDirectMemoryFlat() throws Exception {
        int seconds = Math.clamp(Integer.getInteger("soak.seconds", DEFAULT_SECONDS), MIN_SECONDS, MAX_SECONDS);
        int clients = Math.clamp(Integer.getInteger("soak.clients", CLIENTS_DEFAULT), 1, 64);
        Path report = Path.of(System.getProperty("soak.report", "target/soak-report.md"));
        long intervalMillis = Math.clamp(seconds * 1000L / 15, 2_000, 10_000);
        double warmUp = seconds * 0.2;
        double lastThird = seconds * 2.0 / 3;

        LogCounter logs = LogCounter.install();
        Set<String> appThreadsBefore = appThreads();
        SoakApp.Counters counters = new SoakApp.Counters();
        Starling app = SoakApp.create(counters).start();
        int port = app.port();
        URI base = URI.create("http://127.0.0.1:" + port + "/");
        ExecutorService httpThreads = Executors.newFixedThreadPool(4,
                Thread.ofPlatform().name("soak-http-", 0).daemon().factory());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(httpThreads)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try {
            List<Sample> samples = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            Instant began = Instant.now();
            long start = System.nanoTime();
            samples.add(sample("start", 0, app, port));
            long deadline = start + TimeUnit.SECONDS.toNanos(seconds);

            List<Call> mix = mix();
            int totalWeight = mix.stream().mapToInt(Call::weight).sum();
            List<Thread> load = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                load.add(Thread.ofPlatform().name("soak-client-" + i).daemon().start(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (running(deadline)) {
                        Call call = pick(mix, totalWeight, random);
                        try {
                            record(call, client.send(call.ask().request(base, random).build(),
                                    HttpResponse.BodyHandlers.ofString()));
                        } catch (IOException e) {
                            failed(call, e);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            load.add(Thread.ofPlatform().name("soak-bursts").daemon().start(() -> bursts(client, base, deadline)));
            for (int i = 0; i < DISCONNECTERS; i++) {
                int first = i * 3;
                load.add(Thread.ofPlatform().name("soak-disconnect-" + i).daemon()
                        .start(() -> disconnects(port, deadline, first)));
            }

            for (int k = 1; ; k++) {
                long due = start + TimeUnit.MILLISECONDS.toNanos(k * intervalMillis);
                if (due > deadline) {
                    break;
                }
                TimeUnit.NANOSECONDS.sleep(due - System.nanoTime());
                double at = (System.nanoTime() - start) / 1e9;
                samples.add(sample(String.format(Locale.ROOT, "%.0f s", at), at, app, port));
            }
            for (Thread t : load) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))
                        + REQUEST_TIMEOUT.toMillis() + 5_000);
                if (t.isAlive()) {
                    failures.add(t.getName() + " was still in a request " + (REQUEST_TIMEOUT.toSeconds() + 5)
                            + " s after the end: a request hung past its timeout.");
                    t.interrupt();
                }
            }
            double ran = (System.nanoTime() - start) / 1e9;

            // Settled: once the load has stopped, every token is back, every dependency and stream closed,
            // every background task run (cleanup is asynchronous, so allow a few seconds).
            long settleBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!settled(app, counters) && System.nanoTime() < settleBy) {
                Thread.sleep(100);
            }
            Sample settled = sample("settled", (System.nanoTime() - start) / 1e9, app, port);
            if (!settled(app, counters)) {
                failures.add("15 s after the load stopped, the app had not settled: " + settledState(app, counters));
            }

            // Flatness: the last third against the warm-up.
            List<Sample> during = samples.stream().filter(s -> s.seconds() > 0).toList();
            List<Sample> warm = during.stream().filter(s -> s.seconds() <= warmUp + 0.5).toList();
            if (warm.isEmpty()) {
                warm = during.subList(0, 1);
            }
            Sample warmEnd = warm.getLast();
            List<Sample> late = during.stream().filter(s -> s.seconds() >= lastThird - 0.5).toList();
            List<Flat> flats = List.of(
                    new Flat("threads", Sample::threads, b -> b + THREAD_SLACK, false),
                    new Flat("starling-* threads", Sample::starlingThreads, b -> b + THREAD_SLACK, false),
                    new Flat("open file descriptors", Sample::fds, b -> b + FD_SLACK, false),
                    new Flat("heap after GC", Sample::heapAfterGc, b -> (long) (b * HEAP_FACTOR) + HEAP_SLACK, true),
                    new Flat("Netty direct memory (allocator)", Sample::nettyDirect, b -> b + DIRECT_SLACK, true),
                    new Flat("Netty direct memory (PlatformDependent)", Sample::nettyCounter, b -> b + DIRECT_SLACK, true),
                    new Flat("NIO direct buffers", Sample::nioDirect, b -> b + DIRECT_SLACK, true));
            List<String> verdicts = new ArrayList<>();
            long requestsAfterWarmUp = Math.max(1, late.getLast().requests() - warmEnd.requests());
            for (Flat flat : flats) {
                long baseline = warm.stream().mapToLong(flat.figure()).max().orElse(-1);
                long highest = late.stream().mapToLong(flat.figure()).max().orElse(-1);
                if (baseline < 0) {
                    verdicts.add("| " + flat.name() + " | n/a | n/a | n/a | not available in this JVM |");
                    continue;
                }
                long limit = flat.limit().applyAsLong(baseline);
                boolean ok = highest <= limit;
                String smallest = flat.bytes()
                        ? String.format(Locale.ROOT, "%.0f B per request", (double) (limit - baseline) / requestsAfterWarmUp)
                        : String.format(Locale.ROOT, "1 per %,d requests", requestsAfterWarmUp / Math.max(1, limit - baseline));
                verdicts.add("| " + flat.name() + " | " + show(baseline, flat.bytes()) + " | " + show(highest, flat.bytes())
                        + " | " + show(limit, flat.bytes()) + " | " + (ok ? "flat" : "**ROSE**") + "; catches a leak of "
                        + smallest + " |");
                if (!ok) {
                    failures.add(flat.name() + " rose from " + show(baseline, flat.bytes()) + " in the warm-up to "
                            + show(highest, flat.bytes()) + " in the last third, past the limit of "
                            + show(limit, flat.bytes()) + ".");
                }
            }

            // Statuses and hangs.
            if (unexpected.sum() > 0) {
                failures.add(unexpected.sum() + " responses had a status or body not expected of their endpoint.");
            }
            if (timeouts.sum() > 0) {
                failures.add(timeouts.sum() + " requests got no answer within " + REQUEST_TIMEOUT.toSeconds() + " s.");
            }
            if (ioErrors.sum() > 0) {
                failures.add(ioErrors.sum() + " requests failed with an I/O error.");
            }
            for (Call call : Stream.concat(mix().stream(), Stream.of(TINY)).toList()) {
                for (int status : call.expected()) {
                    if (!tally.containsKey(call.name() + " -> " + status)) {
                        failures.add(call.name() + " never answered " + status + ": the mix did not exercise it.");
                    }
                }
            }
            long deliberate = counters.unhandled.getOrDefault("Deliberate", new LongAdder()).sum();
            counters.unhandled.forEach((what, n) -> {
                if (!"Deliberate".equals(what)) {
                    failures.add(n.sum() + " requests ended in 500 with an unexpected exception: " + what);
                }
            });
            long boom = tally.getOrDefault("GET /boom -> 500", new LongAdder()).sum();
            if (deliberate < boom) {
                failures.add("The client got " + boom + " 500s from /boom but the app reported " + deliberate + ".");
            }
            if (logs.leaks() > 0) {
                failures.add("Netty reported " + logs.leaks() + " buffer leaks (LEAK: on its ResourceLeakDetector).");
            }
            if (logs.unexpectedErrors() > 0) {
                failures.add(logs.unexpectedErrors() + " errors on dev.starling.errors were not /boom's: "
                        + logs.firstUnexpected());
            }

            // Stop: the app leaves none of its threads or connections behind.
            client.close();
            httpThreads.shutdown();
            httpThreads.awaitTermination(10, TimeUnit.SECONDS);
            app.close();
            long goneBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Set<String> left;
            long[] connections;
            while (true) {
                left = appThreads();
                left.removeAll(appThreadsBefore);
                connections = connections(port);
                if ((left.isEmpty() && connections[0] + connections[1] == 0) || System.nanoTime() > goneBy) {
                    break;
                }
                Thread.sleep(100);
            }
            logs.uninstall();
            Sample stopped = sample("stopped", (System.nanoTime() - start) / 1e9, null, port);
            if (!left.isEmpty()) {
                failures.add("10 s after stop, the app's threads were still alive: " + left);
            }
            if (connections[0] + connections[1] > 0) {
                failures.add("10 s after stop, " + connections[0] + " connections to the app's port were open and "
                        + connections[1] + " in CLOSE_WAIT.");
            }
            if (stopped.fds() > samples.getFirst().fds() + 16) {
                failures.add("After stop " + stopped.fds() + " descriptors were open, " + samples.getFirst().fds()
                        + " before the app started.");
            }

            String text = report(began, seconds, ran, clients, intervalMillis, samples, settled, stopped, verdicts,
                    counters, logs, failures);
            System.out.println(text);
            Files.createDirectories(report.toAbsolutePath().getParent());
            Files.writeString(report, text);
            assertThat(failures).as("the soak's failures (see %s)", report).isEmpty();
        } finally {
            halted = true;
            client.close();
            httpThreads.shutdownNow();
            app.close();
            logs.uninstall();
        }
    }

    private static Call pick(List<Call> mix, int totalWeight, ThreadLocalRandom random) {
        int r = random.nextInt(totalWeight);
        for (Call call : mix) {
            r -= call.weight();
            if (r < 0) {
                return call;
            }
        }
        throw new AssertionError("weights");
    }

    /** Six requests at once at the small executor (2 tokens, 2 waiters), again and again: some get 503. */
    private void bursts(HttpClient client, URI base, long deadline) {
        while (running(deadline)) {
            List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                burst.add(client.sendAsync(TINY.ask().request(base, ThreadLocalRandom.current()).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> f : burst) {
                try {
                    record(TINY, f.get(REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    failed(TINY, e.getCause());
                } catch (TimeoutException e) {
                    failed(TINY, e);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /**
     * Clients that leave in the middle: each pattern on a fresh connection, then a 20 ms pause (so that
     * the client side's TIME_WAIT sockets stay well below the ephemeral port range).
     */
    private void disconnects(int port, long deadline, int first) {
        String[] names = {"GET /sleep/sync, close before the answer", "GET /sleep/offload, reset before the answer",
            "GET /stream?n=100000, close after 4 KiB", "half a request head, then close",
            "POST /orders with 11 of 64 body bytes, then close", "GET /tiny, close at once"};
        for (int i = first; running(deadline); i++) {
            int pattern = i % names.length;
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                socket.setSoTimeout((int) REQUEST_TIMEOUT.toMillis());
                OutputStream out = socket.getOutputStream();
                switch (pattern) {
                    case 0 -> {
                        out.write(head("GET /sleep/sync?ms=50"));
                        Thread.sleep(5);
                    }
                    case 1 -> {
                        out.write(head("GET /sleep/offload?ms=50"));
                        Thread.sleep(5);
                        socket.setSoLinger(true, 0);
                    }
                    case 2 -> {
                        out.write(head("GET /stream?n=100000"));
                        InputStream in = socket.getInputStream();
                        byte[] buffer = new byte[4096];
                        int got = 0;
                        while (got < 4096) {
                            int n = in.read(buffer);
                            if (n < 0) {
                                unexpected.increment();
                                problem("The stream ended after " + got + " bytes, before 4 KiB.");
                                break;
                            }
                            got += n;
                        }
                    }
                    case 3 -> {
                        out.write("GET /hello/sync HTTP/1.1\r\nhost: 127.0.0.1\r\nx-half: ".getBytes(StandardCharsets.US_ASCII));
                        Thread.sleep(5);
                    }
                    case 4 -> {
                        out.write(("POST /orders HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
                                + "content-length: 64\r\n\r\n{\"item\":\"se").getBytes(StandardCharsets.US_ASCII));
                        Thread.sleep(5);
                    }
                    default -> out.write(head("GET /tiny?ms=20"));
                }
                disconnects.increment();
                count("disconnect: " + names[pattern]);
            } catch (IOException e) {
                count("disconnect: " + names[pattern] + " -> " + e.getClass().getSimpleName());
                problem("Disconnect pattern '" + names[pattern] + "' failed: " + e);
                ioErrors.increment();
            } catch (InterruptedException e) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static byte[] head(String requestLine) {
        return (requestLine + " HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean settled(Starling app, SoakApp.Counters c) {
        for (CapacityLimiter limiter : app.limiters().values()) {
            if (limiter.borrowedTokens() != 0 || limiter.waiting() != 0) {
                return false;
            }
        }
        return c.ledgersOpened.sum() == c.ledgersClosed.sum() && c.streamsOpened.sum() == c.streamsClosed.sum()
                && c.tasksScheduled.sum() == c.tasksRan.sum();
    }

    private static String settledState(Starling app, SoakApp.Counters c) {
        StringBuilder s = new StringBuilder();
        app.limiters().forEach((name, l) -> s.append(name).append(": ").append(l.borrowedTokens())
                .append(" tokens borrowed, ").append(l.waiting()).append(" waiting; "));
        return s + "ledgers " + c.ledgersOpened.sum() + " opened / " + c.ledgersClosed.sum() + " closed; streams "
                + c.streamsOpened.sum() + " / " + c.streamsClosed.sum() + "; background tasks "
                + c.tasksScheduled.sum() + " scheduled / " + c.tasksRan.sum() + " ran";
    }

    // ---- sampling ----

    /** The threads that belong to one app (the cleanup threads and the timer are shared by all apps). */
    private static Set<String> appThreads() {
        Set<String> names = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (n.startsWith("starling-loop-") || n.startsWith("starling-worker-") || n.startsWith("starling-tiny-")
                    || n.startsWith("starling-virtual-") || n.equals("starling-watchdog")) {
                names.add(n);
            }
        }
        return names;
    }

    private Sample sample(String label, double at, Starling app, int port) {
        System.gc();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long threads = ManagementFactory.getThreadMXBean().getThreadCount();
        Map<String, Integer> byKind = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("starling-")) {
                byKind.merge(t.getName().substring("starling-".length()).replaceAll("-?\\d+$", ""), 1, Integer::sum);
            }
        }
        long starling = byKind.values().stream().mapToInt(Integer::intValue).sum();
        long fds = -1;
        long sockets = 0;
        try (Stream<Path> list = Files.list(Path.of("/proc/self/fd"))) {
            List<Path> all = list.toList();
            fds = all.size();
            for (Path fd : all) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                        sockets++;
                    }
                } catch (IOException e) {
                    // closed between the listing and the look
                }
            }
        } catch (IOException | UncheckedIOException e) {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
                fds = os.getOpenFileDescriptorCount();
            }
        }
        long netty = ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p
                ? p.metric().usedDirectMemory() : -1;
        long nio = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).findFirst()
                .orElse(-1);
        long[] connections = connections(port);
        long defaultBorrowed = app == null ? 0 : app.limiter("default").orElseThrow().borrowedTokens();
        long tinyBorrowed = app == null ? 0 : app.limiter("tiny").map(CapacityLimiter::borrowedTokens).orElse(0);
        return new Sample(label, at, requests.sum() + disconnects.sum(), threads, starling, fds, sockets, heap, netty,
                PlatformDependent.usedDirectMemory(), nio,
                ManagementFactory.getClassLoadingMXBean().getLoadedClassCount(), connections[0], connections[1],
                defaultBorrowed, tinyBorrowed, byKind.toString());
    }

    /** The server side's TCP connections on {@code port}: {established, close-wait}, from /proc/net/tcp. */
    static long[] connections(int port) {
        long[] counts = new long[2];
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try (Stream<String> lines = Files.lines(Path.of(table))) {
                lines.skip(1).forEach(line -> {
                    String[] f = line.trim().split("\\s+");
                    String local = f[1];
                    int localPort = Integer.parseInt(local.substring(local.indexOf(':') + 1), 16);
                    if (localPort == port) {
                        if (f[3].equals("01")) {
                            counts[0]++;
                        } else if (f[3].equals("08")) {
                            counts[1]++;
                        }
                    }
                });
            } catch (IOException | UncheckedIOException e) {
                // not Linux, or no IPv6: nothing to count
            }
        }
        return counts;
    }

    // ---- the report ----

    static String show(long value, boolean bytes) {
        if (value < 0) {
            return "n/a";
        }
        return bytes ? String.format(Locale.ROOT, "%.1f MiB", value / (double) MIB) : String.format(Locale.ROOT, "%,d", value);
    }

    private String report(Instant began, int seconds, double ran, int clients, long intervalMillis, List<Sample> samples,
                          Sample settled, Sample stopped, List<String> verdicts, SoakApp.Counters counters,
                          LogCounter logs, List<String> failures) {
        StringBuilder r = new StringBuilder();
        r.append("# Soak test report\n\n");
        r.append(String.format(Locale.ROOT, "%s, %d s asked, %.1f s of load; %d client threads, 1 burst thread, %d"
                        + " disconnect threads; a sample every %.0f s; JDK %s, %d CPUs, allocator %s.%n%n",
                began, seconds, ran, clients, DISCONNECTERS, intervalMillis / 1000.0, Runtime.version(),
                Runtime.getRuntime().availableProcessors(), ByteBufAllocator.DEFAULT.getClass().getSimpleName()));
        if (!counters.leak.isEmpty()) {
            r.append("A leak was planted on purpose (soak.leak=").append(counters.leak)
                    .append("): this run checks the checker and must fail.\n\n");
        }
        long total = requests.sum();
        r.append(String.format(Locale.ROOT, "**%s**: %,d requests (%,.0f/s) and %,d mid-request disconnects; %,d"
                        + " unexpected responses, %,d timeouts, %,d I/O errors.%n%n",
                failures.isEmpty() ? "PASSED" : "FAILED", total, total / ran, disconnects.sum(), unexpected.sum(),
                timeouts.sum(), ioErrors.sum()));
        r.append("## Samples\n\n");
        r.append("`requests` counts requests and disconnects so far; heap is measured after two `System.gc()`;"
                + " `conns` are the server's established / CLOSE_WAIT connections; `borrowed` the tokens out of the"
                + " default pool / the tiny one.\n\n");
        r.append("| at | requests | threads | starling-* | FDs | sockets | heap after GC | Netty direct | Netty counter"
                + " | NIO direct | classes | conns | borrowed |\n");
        r.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<Sample> all = new ArrayList<>(samples);
        all.add(settled);
        all.add(stopped);
        for (Sample s : all) {
            r.append(String.format(Locale.ROOT, "| %s | %,d | %d | %d | %d | %d | %s | %s | %s | %s | %,d | %d / %d | %d / %d |%n",
                    s.label(), s.requests(), s.threads(), s.starlingThreads(), s.fds(), s.sockets(),
                    show(s.heapAfterGc(), true), show(s.nettyDirect(), true), show(s.nettyCounter(), true),
                    show(s.nioDirect(), true), s.classes(), s.established(), s.closeWait(), s.defaultBorrowed(),
                    s.tinyBorrowed()));
        }
        Sample lastDuring = samples.getLast();
        r.append("\nstarling-* threads by kind: at ").append(samples.get(1).label()).append(' ')
                .append(samples.get(1).kinds()).append("; at ").append(lastDuring.label()).append(' ')
                .append(lastDuring.kinds()).append("; stopped ").append(stopped.kinds()).append(".\n");
        r.append("\n## Flatness: the last third against the warm-up (first 20%)\n\n");
        r.append("| figure | warm-up max | last third max | limit | verdict |\n|---|---:|---:|---:|---|\n");
        verdicts.forEach(v -> r.append(v).append('\n'));
        r.append(String.format(Locale.ROOT, "%nLimits: threads +%d, descriptors +%d, heap x%.1f + %d MiB, direct memory"
                + " + %d MiB over the warm-up's highest sample (see the constants in SoakTest for why).%n",
                THREAD_SLACK, FD_SLACK, HEAP_FACTOR, HEAP_SLACK / MIB, DIRECT_SLACK / MIB));
        r.append("\n## Responses by endpoint and status (client side)\n\n| endpoint -> status | count |\n|---|---:|\n");
        new TreeMap<>(tally).forEach((k, v) -> r.append("| ").append(k).append(" | ").append(String.format(Locale.ROOT, "%,d", v.sum())).append(" |\n"));
        r.append("\n## Server side\n\n| what | count |\n|---|---:|\n");
        new TreeMap<>(counters.responses).forEach((k, v) -> r.append("| response ").append(k).append(" | ")
                .append(String.format(Locale.ROOT, "%,d", v.sum())).append(" |\n"));
        counters.unhandled.forEach((k, v) -> r.append("| 500 from ").append(k).append(" | ")
                .append(String.format(Locale.ROOT, "%,d", v.sum())).append(" |\n"));
        r.append(String.format(Locale.ROOT, "| refused offloads (503) | %,d |%n| ledgers opened / closed | %,d / %,d |%n"
                        + "| streams opened / closed | %,d / %,d |%n| background tasks scheduled / ran | %,d / %,d |%n",
                counters.refusals.sum(), counters.ledgersOpened.sum(), counters.ledgersClosed.sum(),
                counters.streamsOpened.sum(), counters.streamsClosed.sum(), counters.tasksScheduled.sum(),
                counters.tasksRan.sum()));
        r.append("\n## Log events at WARN and above\n\n");
        if (logs.counts().isEmpty()) {
            r.append("None.\n");
        } else {
            r.append("| logger, level | count | first message |\n|---|---:|---|\n");
            new TreeMap<>(logs.counts()).forEach((k, v) -> r.append("| ").append(k).append(" | ")
                    .append(String.format(Locale.ROOT, "%,d", v.sum())).append(" | ")
                    .append(logs.first().getOrDefault(k, "").replace('|', '/').replace('\n', ' ')).append(" |\n"));
        }
        if (!problems.isEmpty()) {
            r.append("\n## Problems (the first 40 of ").append(problemCount.get()).append(")\n\n");
            problems.forEach(p -> r.append("- ").append(p.replace('\n', ' ')).append('\n'));
        }
        r.append("\n## Verdict\n\n");
        if (failures.isEmpty()) {
            r.append("Passed: statuses as expected, no hangs, every figure flat, everything settled and cleaned up.\n");
        } else {
            failures.forEach(f -> r.append("- ").append(f).append('\n'));
        }
        return r.toString();
    }

    // ---- logs ----

    /**
     * Counts log events at WARN and above while the soak runs. The 500s of {@code /boom} are logged with their
     * stack trace on {@code dev.starling.errors}, tens of thousands of them: that logger goes to this counter
     * only (not the console) during the run, and any event on it that is not {@code /boom}'s is a failure.
     */
    static final class LogCounter extends AppenderBase<ILoggingEvent> {
        private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        private final Map<String, String> first = new ConcurrentHashMap<>();
        private final LongAdder leaks = new LongAdder();
        private final LongAdder unexpectedErrors = new LongAdder();
        private volatile String firstUnexpected = "";
        private ch.qos.logback.classic.Logger root;
        private ch.qos.logback.classic.Logger errors;
        private boolean errorsAdditive;

        static LogCounter install() {
            LogCounter counter = new LogCounter();
            if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
                counter.setContext(context);
                counter.start();
                counter.root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
                counter.root.addAppender(counter);
                counter.errors = context.getLogger("dev.starling.errors");
                counter.errorsAdditive = counter.errors.isAdditive();
                counter.errors.setAdditive(false);
                counter.errors.addAppender(counter);
            }
            return counter;
        }

        void uninstall() {
            if (root != null) {
                errors.setAdditive(errorsAdditive);
                errors.detachAppender(this);
                root.detachAppender(this);
                root = null;
                stop();
            }
        }

        @Override
        protected void append(ILoggingEvent event) {
            if (!event.getLevel().isGreaterOrEqual(Level.WARN)) {
                return;
            }
            String key = event.getLoggerName() + ", " + event.getLevel();
            String message = String.valueOf(event.getFormattedMessage());
            counts.computeIfAbsent(key, k -> new LongAdder()).increment();
            first.computeIfAbsent(key, k -> shorten(message + thrown(event.getThrowableProxy())));
            if (event.getLoggerName().startsWith("io.netty.util.ResourceLeakDetector")
                    || message.startsWith("LEAK:")) {
                leaks.increment();
            }
            if (event.getLoggerName().equals("dev.starling.errors") && event.getLevel() == Level.ERROR
                    && !deliberate(event.getThrowableProxy())) {
                unexpectedErrors.increment();
                if (firstUnexpected.isEmpty()) {
                    firstUnexpected = message + thrown(event.getThrowableProxy());
                }
            }
        }

        private static boolean deliberate(IThrowableProxy t) {
            for (; t != null; t = t.getCause()) {
                if (t.getClassName().equals(SoakApp.Deliberate.class.getName())) {
                    return true;
                }
            }
            return false;
        }

        private static String thrown(IThrowableProxy t) {
            return t == null ? "" : " (" + t.getClassName() + ": " + t.getMessage() + ")";
        }

        Map<String, LongAdder> counts() {
            return counts;
        }

        Map<String, String> first() {
            return first;
        }

        long leaks() {
            return leaks.sum();
        }

        long unexpectedErrors() {
            return unexpectedErrors.sum();
        }

        String firstUnexpected() {
            return firstUnexpected;
        }
    }
}
