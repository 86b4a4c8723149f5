package dev.starling.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop WebSocket echo load: each of {@code connections} sockets sends a message, waits for its echo,
 * records the round trip and sends the next; after a warm-up it prints messages per second and the round
 * trip's percentiles. The client is the JDK's {@code java.net.http.WebSocket}, so it measures the server with an
 * independent implementation.
 *
 * <pre>
 * java -cp starling-bench/target/benchmarks.jar dev.starling.bench.WebSocketLoad ws://127.0.0.1:8080/ws/echo 1000 3 10
 * </pre>
 */
public final class WebSocketLoad {

    private WebSocketLoad() {
    }

    /**
     * Arguments: URL, connections (1000), warm-up seconds (3), measured seconds (10), message bytes (32), and the
     * server's process id (optional: its CPU time per echo is then printed too, read from /proc).
     */
    public static void main(String[] args) throws Exception {
        URI target = URI.create(args.length > 0 ? args[0] : "ws://127.0.0.1:8080/ws/echo");
        int connections = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        int size = args.length > 4 ? Integer.parseInt(args[4]) : 32;
        String message = "x".repeat(size);
        long serverPid = args.length > 5 ? Long.parseLong(args[5]) : -1;
        Recorder rtt = new Recorder(3);
        AtomicLong echoes = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        List<WebSocket> sockets = new ArrayList<>(connections);
        List<Echoer> echoers = new ArrayList<>(connections);
        for (int i = 0; i < connections; i++) {
            Echoer echoer = new Echoer(message, rtt, echoes, errors);
            echoers.add(echoer);
            sockets.add(http.newWebSocketBuilder().buildAsync(target, echoer).get(10, TimeUnit.SECONDS));
        }
        for (int i = 0; i < connections; i++) {
            echoers.get(i).start(sockets.get(i));
        }
        // Warm-up: the same load, not recorded.
        Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
        rtt.getIntervalHistogram();
        long start = System.nanoTime();
        long before = echoes.get();
        long cpuBefore = cpuNanos(serverPid);
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        long done = echoes.get() - before;
        long cpu = cpuNanos(serverPid) - cpuBefore;
        double elapsed = (System.nanoTime() - start) / 1e9;
        Histogram h = rtt.getIntervalHistogram();
        for (WebSocket socket : sockets) {
            socket.abort();
        }
        System.out.printf("connections=%d messages/s=%.0f p50=%.2fms p99=%.2fms p99.9=%.2fms max=%.2fms errors=%d%s%n",
                connections, done / elapsed, h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6, errors.get(),
                serverPid < 0 ? "" : String.format(" server-cpu=%.1fus/echo", cpu / 1e3 / Math.max(done, 1)));
        System.exit(0);
    }

    /** The user and system CPU time of process {@code pid} so far, from /proc (clock ticks of 10 ms); 0 for none. */
    private static long cpuNanos(long pid) throws java.io.IOException {
        if (pid < 0) {
            return 0;
        }
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks * 10_000_000L;
    }

    /** One socket's loop: on each echo, record its round trip and send the next message. */
    private static final class Echoer implements WebSocket.Listener {
        private final String message;
        private final Recorder rtt;
        private final AtomicLong echoes;
        private final AtomicLong errors;
        private final StringBuilder partial = new StringBuilder();
        private long sentAt;

        Echoer(String message, Recorder rtt, AtomicLong echoes, AtomicLong errors) {
            this.message = message;
            this.rtt = rtt;
            this.echoes = echoes;
            this.errors = errors;
        }

        void start(WebSocket socket) {
            sentAt = System.nanoTime();
            socket.sendText(message, true);
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            socket.request(1);
            if (!last) {
                partial.append(data);
                return null;
            }
            partial.setLength(0);
            long now = System.nanoTime();
            rtt.recordValue(now - sentAt);
            echoes.incrementAndGet();
            sentAt = now;
            socket.sendText(message, true);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
            errors.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            errors.incrementAndGet();
        }
    }
}
