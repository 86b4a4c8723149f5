package dev.starling.examples.demo;

import dev.starling.hazelcast.HazelcastExecutor;
import java.io.Serializable;
import java.util.BitSet;

/** The demo's CPU-heavy report: counting primes with a sieve, wherever it is sent to run. */
public final class Reports {

    private Reports() {
    }

    /**
     * What a report found and where it ran; serializable, because it may come back from another JVM.
     *
     * @param below  the bound of the count
     * @param primes how many primes are below it
     * @param ranOn  the process, thread or cluster member that computed it
     * @param millis how long the computation took there
     */
    public record PrimeReport(int below, int primes, String ranOn, long millis) implements Serializable {
    }

    /** Counts the primes below {@code below} and says where the count ran. */
    public static PrimeReport primes(int below) {
        long start = System.nanoTime();
        BitSet composite = new BitSet(Math.max(below, 2));
        int count = 0;
        for (int i = 2; i < below; i++) {
            if (!composite.get(i)) {
                count++;
                for (long j = (long) i * i; j < below; j += i) {
                    composite.set((int) j);
                }
            }
        }
        String ranOn = HazelcastExecutor.member().map(m -> "cluster member " + m.getName())
                .orElseGet(() -> "pid " + ProcessHandle.current().pid() + ", thread " + Thread.currentThread().getName());
        return new PrimeReport(below, count, ranOn, (System.nanoTime() - start) / 1_000_000);
    }
}
