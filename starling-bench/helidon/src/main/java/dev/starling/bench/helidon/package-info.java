/**
 * A Helidon SE 4 peer of Starling's bench app, serving the shared workload ({@code shared/bench/WORKLOAD.md})
 * for side-by-side load runs.
 *
 * <p>Usage: {@code mvn -B -q -pl :starling-bench-helidon -am package -DskipTests}, then
 * {@code PORT=8080 java -cp 'starling-bench/helidon/target/starling-bench-helidon.jar:starling-bench/helidon/target/lib/*'
 * dev.starling.bench.helidon.HelidonServer}.
 */
package dev.starling.bench.helidon;
