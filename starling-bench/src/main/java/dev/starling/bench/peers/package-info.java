/**
 * Baseline servers for a side-by-side comparison with Starling on the shared workload
 * ({@code shared/bench/WORKLOAD.md}).
 *
 * <p>{@link dev.starling.bench.peers.RawNettyServer} answers the six endpoints with nothing but Netty, a
 * fixed 40-thread pool and Jackson, so it is the ceiling for any framework on Netty. It binds 127.0.0.1 on
 * {@code PORT} (default 8080) and runs in the foreground until the process is stopped:
 *
 * <pre>{@code
 * mvn -B -q -pl starling-bench -am package -DskipTests
 * PORT=8081 java --enable-native-access=ALL-UNNAMED -cp starling-bench/target/benchmarks.jar \
 *     dev.starling.bench.peers.RawNettyServer
 * }</pre>
 *
 * <p>{@code java} must be 21 or newer. It uses epoll when Netty's native transport loads (as Starling
 * does) and NIO otherwise; {@code TRANSPORT=nio} forces NIO. The FastAPI peer is
 * {@code starling-bench/peers/fastapi_app.py}.
 */
package dev.starling.bench.peers;
