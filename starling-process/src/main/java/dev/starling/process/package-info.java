/**
 * A pool of worker JVMs for CPU-bound or crash-prone work, like Python's {@code ProcessPoolExecutor}.
 *
 * <pre>{@code
 * try (ProcessPool pool = ProcessPool.builder().maxWorkers(4).taskTimeout(Duration.ofMinutes(1)).build()) {
 *     CompletableFuture<Long> primes = pool.submit(() -> Primes.count(10_000_000));
 *     CompletionStage<Long> onLoop = Concurrency.runInExecutor(pool, () -> Primes.count(1_000));
 *     System.out.println(primes.join());
 * }
 * }</pre>
 */
package dev.starling.process;
