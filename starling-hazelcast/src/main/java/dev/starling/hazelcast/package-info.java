/**
 * Running Starling's remote tasks on a Hazelcast cluster: {@link dev.starling.hazelcast.HazelcastExecutor}.
 *
 * <pre>{@code
 * HazelcastInstance hz = Hazelcast.newHazelcastInstance(config);
 * RemoteExecutor cluster = HazelcastExecutor.builder(hz.getExecutorService("reports"))
 *         .retries(1)                                   // only for idempotent tasks
 *         .build();
 * CompletionStage<Report> report = Concurrency.runInExecutor(cluster, () -> Reports.build(id));
 * }</pre>
 */
package dev.starling.hazelcast;
