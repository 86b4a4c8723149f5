package dev.starling.metrics;

import dev.starling.Handler;
import dev.starling.Observer;
import dev.starling.Response;
import dev.starling.Starling;
import dev.starling.concurrent.CapacityLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * Turns a Starling app's events and executor limiters into Micrometer meters, and serves them to Prometheus.
 *
 * <p>Register it as the app's {@link Observer} when the app is configured, then call {@link #bindTo(Starling)}
 * once the app is built so the limiter gauges appear. The {@code uri} tag of {@code http.server.requests} and
 * the {@code route} tag of {@code starling.loop.blocked} are route templates, and each tag (routes, executors,
 * loops) takes at most {@link Builder#maxTagValues(int)} distinct values; later values are counted as
 * {@code "other"}. HTTP methods outside the standard nine are counted as {@code "other"} too.
 *
 * <pre>{@code
 * StarlingMetrics metrics = StarlingMetrics.prometheus();
 * Starling app = Starling.create(c -> c.observer(metrics));
 * metrics.bindTo(app);
 * app.get("/metrics", metrics.scrapeHandler());
 * }</pre>
 *
 * <p>An instance is safe to use from every thread; its observer methods neither block nor take locks.
 */
public final class StarlingMetrics implements Observer, AutoCloseable {

    /** The content type of Prometheus' text exposition format, version 0.0.4. */
    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Set<String> METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");

    private final MeterRegistry registry;
    private final BoundedTags routes;
    private final BoundedTags executors;
    private final BoundedTags loops;
    private final Meter.MeterProvider<Timer> requests;
    private final Meter.MeterProvider<Timer> queueWait;
    private final Meter.MeterProvider<Timer> run;
    private final Meter.MeterProvider<Counter> tasks;
    private final Meter.MeterProvider<Counter> refused;
    private final Meter.MeterProvider<Timer> loopLag;
    private final Meter.MeterProvider<Counter> loopBlocked;
    private final Optional<JvmGcMetrics> gc;
    private final AtomicReference<Starling> app = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Meter> bound = new ConcurrentLinkedQueue<>();

    private StarlingMetrics(Builder builder) {
        this.registry = builder.registry;
        this.routes = new BoundedTags(builder.maxTagValues);
        this.executors = new BoundedTags(builder.maxTagValues);
        this.loops = new BoundedTags(builder.maxTagValues);
        this.requests = Timer.builder(Meters.HTTP)
                .description("HTTP requests answered, by method, route template, status and outcome")
                .serviceLevelObjectives(Meters.DURATION_BUCKETS)
                .withRegistry(registry);
        this.queueWait = Timer.builder(Meters.QUEUE_WAIT)
                .description("Time offloaded tasks waited for a token of the executor's limiter")
                .serviceLevelObjectives(Meters.DURATION_BUCKETS)
                .withRegistry(registry);
        this.run = Timer.builder(Meters.RUN)
                .description("Time offloaded tasks ran on the executor")
                .serviceLevelObjectives(Meters.DURATION_BUCKETS)
                .withRegistry(registry);
        this.tasks = Counter.builder(Meters.TASKS)
                .description("Offloaded tasks ended, by outcome")
                .withRegistry(registry);
        this.refused = Counter.builder(Meters.REFUSED)
                .description("Offloads refused, by reason")
                .withRegistry(registry);
        this.loopLag = Timer.builder(Meters.LOOP_LAG)
                .description("How late tasks scheduled on an event loop ran")
                .serviceLevelObjectives(Meters.LAG_BUCKETS)
                .withRegistry(registry);
        this.loopBlocked = Counter.builder(Meters.LOOP_BLOCKED)
                .description("Times the watchdog saw user code block an event loop, by route template")
                .withRegistry(registry);
        if (builder.jvmMetrics) {
            new JvmMemoryMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            JvmGcMetrics gcMetrics = new JvmGcMetrics();
            gcMetrics.bindTo(registry);
            this.gc = Optional.of(gcMetrics);
        } else {
            this.gc = Optional.empty();
        }
    }

    /**
     * Returns metrics recorded in {@code registry}, with the JVM meters and the default cap of 1,000 values
     * per tag.
     */
    public static StarlingMetrics create(MeterRegistry registry) {
        return builder(registry).build();
    }

    /** Returns metrics recorded in a new {@link PrometheusMeterRegistry}, ready for {@link #scrapeHandler()}. */
    public static StarlingMetrics prometheus() {
        return create(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /** Returns a builder of metrics recorded in {@code registry}, for settings beyond {@link #create}. */
    public static Builder builder(MeterRegistry registry) {
        return new Builder(registry);
    }

    /** Returns the registry the meters are recorded in. */
    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Registers, for every limiter of {@code app}, the gauges of its tokens and waiters and the counter of
     * tokens granted, and registers the task and refusal counters of each executor at zero; returns this.
     *
     * <p>Call it after the app is built (its named executors are known then) and before or after it starts.
     * The gauges hold the limiters strongly, as the app does, until {@link #close()} removes them. Binding the
     * same app again does nothing.
     *
     * @throws IllegalStateException when these metrics are already bound to another app
     */
    public StarlingMetrics bindTo(Starling app) {
        Objects.requireNonNull(app, "The app must not be null.");
        if (!this.app.compareAndSet(null, app)) {
            if (this.app.get() == app) {
                return this;
            }
            throw new IllegalStateException("These metrics are already bound to another app; a StarlingMetrics "
                    + "serves one app, so create one per app (limiter names would clash).");
        }
        for (Map.Entry<String, CapacityLimiter> entry : app.limiters().entrySet()) {
            String executor = executors.tag(entry.getKey());
            CapacityLimiter limiter = entry.getValue();
            gauge(Meters.TOKENS, "Tokens of the executor's limiter: at most this many tasks run at once",
                    executor, limiter, CapacityLimiter::totalTokens);
            gauge(Meters.BORROWED, "Tokens held by running tasks", executor, limiter, CapacityLimiter::borrowedTokens);
            gauge(Meters.WAITING, "Tasks waiting for a token", executor, limiter, CapacityLimiter::waiting);
            gauge(Meters.WAITING_MAX, "Most tasks that may wait for a token", executor, limiter,
                    CapacityLimiter::maxWaiting);
            bound.add(FunctionCounter.builder(Meters.ACQUIRED, limiter, CapacityLimiter::acquiredCount)
                    .description("Tokens granted by the executor's limiter")
                    .tag("executor", executor)
                    .register(registry));   // holds the limiter weakly; the gauges above hold it strongly
            for (Observer.Outcome outcome : Observer.Outcome.values()) {
                bound.add(tasks.withTags("executor", executor, "outcome", lower(outcome)));
            }
            for (Refusal reason : Refusal.values()) {
                bound.add(refused.withTags("executor", executor, "reason", lower(reason)));
            }
        }
        return this;
    }

    private void gauge(String name, String description, String executor, CapacityLimiter limiter,
                       ToDoubleFunction<CapacityLimiter> value) {
        bound.add(Gauge.builder(name, limiter, value)
                .description(description)
                .tag("executor", executor)
                .strongReference(true)
                .register(registry));
    }

    /**
     * Returns a blocking handler that answers the Prometheus scrape in the text format, with content type
     * {@value #PROMETHEUS_CONTENT_TYPE}.
     *
     * <p>Add it with {@code app.get("/metrics", metrics.scrapeHandler())}: a blocking handler is offloaded to
     * the default threadpool, so rendering the registry never holds an event loop. The scrape takes a token of
     * that pool like any request, so when the pool is saturated it waits (or is refused) too.
     *
     * @throws IllegalStateException when the registry is neither a {@link PrometheusMeterRegistry} nor a
     *                               composite that holds one
     */
    public Handler scrapeHandler() {
        PrometheusMeterRegistry prometheus = prometheusRegistry(registry).orElseThrow(() -> new IllegalStateException(
                "The scrape needs a PrometheusMeterRegistry, and these metrics record in a "
                        + registry.getClass().getName() + "; create them with StarlingMetrics.prometheus()."));
        return request -> Response.ok(prometheus.scrape(PROMETHEUS_CONTENT_TYPE))
                .header("content-type", PROMETHEUS_CONTENT_TYPE);
    }

    private static Optional<PrometheusMeterRegistry> prometheusRegistry(MeterRegistry registry) {
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            return Optional.of(prometheus);
        }
        if (registry instanceof CompositeMeterRegistry composite) {
            return composite.getRegistries().stream()
                    .map(StarlingMetrics::prometheusRegistry)
                    .flatMap(Optional::stream)
                    .findFirst();
        }
        return Optional.empty();
    }

    /** Records a request in {@code http.server.requests}, tagged with its method, route template, status and outcome. */
    @Override
    public void requestEnded(String method, String route, int status, long nanos) {
        String upper = method == null ? BoundedTags.OTHER : method.toUpperCase(Locale.ROOT);
        requests.withTags(
                        "method", METHODS.contains(upper) ? upper : BoundedTags.OTHER,
                        "uri", routes.tag(route == null ? "unmatched" : route),
                        "status", Integer.toString(status),
                        "outcome", io.micrometer.core.instrument.binder.http.Outcome.forStatus(status).name())
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Records a task's wait in {@code starling.executor.queue.wait}, its run in {@code starling.executor.run}
     * (unless it never ran) and its outcome in {@code starling.executor.tasks}.
     */
    @Override
    public void taskEnded(String executor, long waitNanos, long runNanos, Observer.Outcome outcome) {
        String tag = executors.tag(executor);
        queueWait.withTags("executor", tag).record(waitNanos, TimeUnit.NANOSECONDS);
        if (runNanos > 0) {
            run.withTags("executor", tag).record(runNanos, TimeUnit.NANOSECONDS);
        }
        tasks.withTags("executor", tag, "outcome", lower(outcome)).increment();
    }

    /** Counts a refused offload in {@code starling.executor.refused}, tagged with the executor and the reason. */
    @Override
    public void taskRefused(String executor, Refusal reason) {
        refused.withTags("executor", executors.tag(executor), "reason", lower(reason)).increment();
    }

    /** Counts a blocked event loop in {@code starling.loop.blocked}, tagged with the route template it served. */
    @Override
    public void loopBlocked(String route, long nanos) {
        loopBlocked.withTags("route", routes.tag(route == null ? "unmatched" : route)).increment();
    }

    /** Records an event loop's lag in {@code starling.loop.lag}, tagged with the loop. */
    @Override
    public void loopLag(String loop, long nanos) {
        loopLag.withTags("loop", loops.tag(loop)).record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Removes the gauges and counters {@link #bindTo(Starling)} registered and stops listening to garbage
     * collections; the registry and the meters the events created stay.
     */
    @Override
    public void close() {
        for (Meter meter; (meter = bound.poll()) != null; ) {
            registry.remove(meter);
        }
        gc.ifPresent(JvmGcMetrics::close);
    }

    private static String lower(Enum<?> value) {
        return value == null ? "unknown" : value.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "StarlingMetrics[" + registry.getClass().getSimpleName() + ", routes=" + routes.size() + "]";
    }

    /**
     * Settings of a {@link StarlingMetrics}: whether to bind the JVM meters and how many values each tag may take.
     *
     * <pre>{@code
     * StarlingMetrics metrics = StarlingMetrics.builder(registry).jvmMetrics(false).maxTagValues(200).build();
     * }</pre>
     */
    public static final class Builder {

        private final MeterRegistry registry;
        private boolean jvmMetrics = true;
        private int maxTagValues = 1_000;

        private Builder(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "The registry must not be null.");
        }

        /**
         * Sets whether to bind Micrometer's JVM memory, garbage collection, thread and processor meters; on by
         * default.
         */
        public Builder jvmMetrics(boolean bind) {
            this.jvmMetrics = bind;
            return this;
        }

        /**
         * Sets how many distinct values each tag (route, executor, loop) may take before later ones are counted
         * as {@code "other"}; 1,000 by default.
         *
         * @throws IllegalArgumentException when {@code max} is below 1
         */
        public Builder maxTagValues(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("A tag needs room for at least one value, not " + max + ".");
            }
            this.maxTagValues = max;
            return this;
        }

        /** Returns the metrics, binding the JVM meters to the registry when asked. */
        public StarlingMetrics build() {
            return new StarlingMetrics(this);
        }
    }
}
