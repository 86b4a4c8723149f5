/**
 * A Vert.x 5 peer of Starling's bench app, serving the shared workload ({@code shared/bench/WORKLOAD.md}) for
 * side-by-side load runs.
 *
 * <p>Usage: {@code mvn -B -q -pl :starling-bench-vertx -am package -DskipTests}, then
 * {@code PORT=8080 java --enable-native-access=ALL-UNNAMED
 * -cp 'starling-bench/vertx/target/starling-bench-vertx.jar:starling-bench/vertx/target/lib/*'
 * dev.starling.bench.vertx.VertxServer} (the flag only silences the JDK's warning when Netty loads epoll).
 */
package dev.starling.bench.vertx;
