package dev.starling.bench;

import dev.starling.concurrent.Concurrency;
import dev.starling.concurrent.SerializableCallable;
import dev.starling.process.ProcessPool;
import java.util.concurrent.TimeUnit;
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

/**
 * One round trip of a no-op task through a one-worker {@link ProcessPool}: serialize in the caller, a pipe
 * write, deserialize and run in the worker, and the same way back; {@code pool.submit(task).join()}.
 *
 * <p>Compare with {@link OffloadHopBenchmark}: this is the price of crossing a process boundary, paid on top
 * of the task's own work.
 *
 * <pre>{@code
 * starling-bench/jmh ProcessHop
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class ProcessHopBenchmark {

    private static final SerializableCallable<Object> NO_OP = () -> null;

    private ProcessPool pool;
    private LoopHop loop;

    /** Starts the pool and waits until its worker has run one task. */
    @Setup
    public void setUp() {
        pool = ProcessPool.builder().name("bench").maxWorkers(1).build();
        pool.submit(NO_OP).join();
        loop = new LoopHop();
    }

    /** Stops the worker. */
    @TearDown
    public void tearDown() {
        pool.close();
        loop.close();
    }

    /** A no-op task to the worker and its null result back. */
    @Benchmark
    public Object roundTrip() {
        return pool.submit(NO_OP).join();
    }

    /** The same through Starling: {@code runInExecutor} from an event loop, the result back on that loop. */
    @Benchmark
    public Object starling() {
        return loop.hop(() -> Concurrency.runInExecutor(pool, NO_OP));
    }
}
