package dev.starling.metrics;

import java.time.Duration;

/** The names of Starling's meters and the bucket boundaries of their histograms. */
final class Meters {

    static final String TOKENS = "starling.executor.tokens";
    static final String BORROWED = "starling.executor.tokens.borrowed";
    static final String WAITING = "starling.executor.waiting";
    static final String WAITING_MAX = "starling.executor.waiting.max";
    static final String ACQUIRED = "starling.executor.acquired";
    static final String QUEUE_WAIT = "starling.executor.queue.wait";
    static final String RUN = "starling.executor.run";
    static final String TASKS = "starling.executor.tasks";
    static final String REFUSED = "starling.executor.refused";
    static final String LOOP_LAG = "starling.loop.lag";
    static final String LOOP_BLOCKED = "starling.loop.blocked";
    static final String HTTP = "http.server.requests";

    /** Buckets of request and task durations: 12 boundaries from 1 ms to 10 s. */
    static final Duration[] DURATION_BUCKETS = millis(1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000);

    /** Buckets of event-loop lag: 8 boundaries from 1 ms to 1 s. */
    static final Duration[] LAG_BUCKETS = millis(1, 5, 10, 25, 50, 100, 250, 1_000);

    private Meters() {
    }

    private static Duration[] millis(long... values) {
        Duration[] durations = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            durations[i] = Duration.ofMillis(values[i]);
        }
        return durations;
    }
}
