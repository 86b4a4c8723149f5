package dev.starling.bench;

import dev.starling.concurrent.CapacityLimiter;
import dev.starling.concurrent.Concurrency;
import io.netty.channel.EventLoop;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * One offload hop of a no-op task, event loop to threadpool and back, as Starling does it and as bare JDK
 * and Netty primitives do it, so Starling's overhead reads as the ratio {@code starling / bare}.
 *
 * <p>Each operation starts on the benchmark thread, is handed to a Netty event loop, offloads from there,
 * and ends when a callback on the loop sees the result; every variant pays the same two loop wake-ups and
 * the same benchmark-thread round trip. The loop is a plain Netty loop, so Starling uses its process-wide
 * default pool (40 tokens) and has no watchdog probe to update, unlike inside an app. On a small VM, run
 * it pinned to one CPU ({@code taskset -c 0}): otherwise cross-CPU wake-ups dominate and the figures are
 * bimodal (see the module's README).
 *
 * <pre>{@code
 * starling-bench/jmh OffloadHop
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class OffloadHopBenchmark {

    private static final String CALL_SITE_PROPERTY = "starling.offload.callSite";
    private static final Callable<Object> NO_OP = () -> null;

    private LoopHop hops;
    private EventLoop loop;
    private ThreadPoolExecutor pool;
    private ExecutorService virtual;
    private CapacityLimiter virtualLimiter;

    /** Starts the loop and the baseline's pool, and checks that each variant measures what its name says. */
    @Setup
    public void setUp(BenchmarkParams params) throws Exception {
        boolean noCallSite = params.getBenchmark().endsWith(".starlingNoCallSite");
        // A -jvmArgsAppend on the command line replaces the annotation's, which would silently mislabel results.
        if (noCallSite != "false".equalsIgnoreCase(System.getProperty(CALL_SITE_PROPERTY))) {
            throw new IllegalStateException(params.getBenchmark() + " must run with " + CALL_SITE_PROPERTY + "="
                    + (noCallSite ? "false" : "true (or unset)") + ", but it is "
                    + System.getProperty(CALL_SITE_PROPERTY) + ". A -jvmArgsAppend on the command line replaces the"
                    + " benchmark's own, and -f 0 runs every variant in one JVM.");
        }
        hops = new LoopHop();
        loop = hops.loop();
        // Like Starling's pool: plain daemon threads handed work through a SynchronousQueue, started up front
        // so thread creation never lands in a measurement.
        pool = new ThreadPoolExecutor(40, 40, 10, TimeUnit.SECONDS, new SynchronousQueue<>(),
                Thread.ofPlatform().name("bare-worker-", 1).daemon().factory());
        pool.prestartAllCoreThreads();
        virtual = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("bare-virtual-", 1).factory());
        virtualLimiter = CapacityLimiter.create(40);
        String name = params.getBenchmark();
        Supplier<CompletionStage<Object>> offload = name.endsWith(".bare") ? () -> bareOffload(pool)
                : name.endsWith(".bareVirtual") ? () -> bareOffload(virtual)
                : name.endsWith(".starlingVirtual") ? () -> Concurrency.runInExecutor(virtual, virtualLimiter, NO_OP)
                : () -> Concurrency.runInThreadpool(NO_OP);
        // thenApply runs where the stage completes, which must be the loop.
        if (hop(() -> offload.get().thenApply(v -> ThreadExecutorMap.currentExecutor())) != loop) {
            throw new IllegalStateException(params.getBenchmark() + ": the offload did not complete on the loop.");
        }
    }

    /** Stops the loop and the pool. */
    @TearDown
    public void tearDown() {
        hops.close();
        pool.shutdownNow();
        virtual.shutdownNow();
    }

    /** Starling: {@code runInThreadpool} from the loop; its stage completes back on the loop. */
    @Benchmark
    public Object starling() {
        return hop(() -> Concurrency.runInThreadpool(NO_OP));
    }

    /** Starling without capturing the offloading call site for error messages. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-D" + CALL_SITE_PROPERTY + "=false")
    public Object starlingNoCallSite() {
        return hop(() -> Concurrency.runInThreadpool(NO_OP));
    }

    /** The baseline: a plain {@link ThreadPoolExecutor} and {@code loop.execute} to come back. */
    @Benchmark
    public Object bare() {
        return hop(() -> bareOffload(pool));
    }

    /**
     * Starling on virtual threads: a virtual thread per task under a 40-token limiter, as
     * {@code Threadpool.virtual(40)} runs it.
     */
    @Benchmark
    public Object starlingVirtual() {
        return hop(() -> Concurrency.runInExecutor(virtual, virtualLimiter, NO_OP));
    }

    /** The virtual-thread baseline: a new virtual thread per task and {@code loop.execute} to come back. */
    @Benchmark
    public Object bareVirtual() {
        return hop(() -> bareOffload(virtual));
    }

    private Object hop(Supplier<? extends CompletionStage<?>> offload) {
        return hops.hop(offload);
    }

    /** What a hand-written offload from a Netty handler looks like; runs on the loop. */
    private CompletableFuture<Object> bareOffload(java.util.concurrent.Executor threads) {
        EventLoop home = loop;
        CompletableFuture<Object> result = new CompletableFuture<>();
        threads.execute(() -> {
            try {
                Object value = NO_OP.call();
                home.execute(() -> result.complete(value));
            } catch (Throwable t) {
                home.execute(() -> result.completeExceptionally(t));
            }
        });
        return result;
    }
}
