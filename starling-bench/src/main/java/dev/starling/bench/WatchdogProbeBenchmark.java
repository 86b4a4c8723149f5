package dev.starling.bench;

import dev.starling.internal.concurrent.LoopProbe;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the blocked-loop watchdog costs a request on its loop: one probe {@code enter} and {@code exit} around
 * the user code, against the same work without them.
 *
 * <p>A request to an async handler makes one enter/exit pair; each continuation delivered back on the loop
 * makes one more. The watchdog thread itself wakes every {@code threshold / 4} (25 ms by default) and reads
 * one field per loop, which JMH cannot see and the load test ({@code WATCHDOG=on|off starling-bench/load})
 * measures with the rest.
 *
 * <pre>{@code
 * starling-bench/jmh WatchdogProbe
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class WatchdogProbeBenchmark {

    private static final String ROUTE = "GET /hello/async";

    private LoopProbe probe;
    private String route;

    @Setup
    public void setUp() {
        probe = new LoopProbe(Thread.currentThread());
        route = ROUTE;
    }

    /** The work a handler call stands for, without the probe. */
    @Benchmark
    public void without(Blackhole hole) {
        hole.consume(route);
    }

    /** The same work between the probe's enter and exit, as App and the offload delivery do it. */
    @Benchmark
    public void withProbe(Blackhole hole) {
        probe.enter(route);
        try {
            hole.consume(route);
        } finally {
            probe.exit();
        }
    }
}
