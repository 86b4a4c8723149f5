/**
 * Offloading blocking work from the event loop and coming back: the threadpool, capacity limiters,
 * cancellation and context.
 *
 * <pre>{@code
 * CompletionStage<Report> report = Concurrency.runInThreadpool(() -> reports.build(id));
 * CompletionStage<Row> row = Concurrency.runInExecutor("legacy-db", () -> db.load(id));   // a named executor
 * Flow.Publisher<Line> lines = Concurrency.iterateInThreadpool(file.lines().iterator());
 * Concurrency.defaultLimiter().totalTokens(80);     // resize while running
 * }</pre>
 */
package dev.starling.concurrent;
