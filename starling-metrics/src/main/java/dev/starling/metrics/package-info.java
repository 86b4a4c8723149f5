/**
 * Micrometer meters for a Starling app, with a Prometheus scrape: {@link dev.starling.metrics.StarlingMetrics}.
 *
 * <pre>{@code
 * StarlingMetrics metrics = StarlingMetrics.prometheus();             // a PrometheusMeterRegistry inside
 * Starling app = Starling.create(c -> c.observer(metrics));           // requests, tasks, refusals, loops
 * metrics.bindTo(app);                                                // gauges of every executor's limiter
 * app.get("/metrics", metrics.scrapeHandler());                       // offloaded, text/plain; version=0.0.4
 * app.run();
 * }</pre>
 */
package dev.starling.metrics;
