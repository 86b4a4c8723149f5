package dev.starling.bench;

import dev.starling.Post;
import dev.starling.Request;
import dev.starling.UploadedFile;
import dev.starling.internal.params.Binder;
import dev.starling.params.Body;
import dev.starling.params.Header;
import dev.starling.params.Query;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.json.JsonMapper;

/**
 * Binding one request through the real {@link Binder}: a path int, a query string, a header and a small JSON
 * record body, as {@code POST /items/{id}?q=...} would be bound on the event loop before its handler runs.
 *
 * <p>White-box: the binder is built for a method as the app builds it, and the request is a minimal
 * {@link Request} that works like the Netty exchange (query decoded lazily per request, Netty headers), made
 * fresh for every operation so the query decoding is counted.
 *
 * <pre>{@code
 * taskset -c 0 starling-bench/jmh BindingBenchmark -f 1 -wi 3 -i 5 -w 2s -r 3s
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class BindingBenchmark {

    /** The body. */
    public record Item(String name, int qty, List<String> tags) {
    }

    /** The handler whose parameters are bound. */
    public static final class Api {
        /** Declares the four parameters. */
        @Post("/items/{id}")
        public String create(int id, @Query String q, @Header("x-trace") String trace, @Body Item item) {
            return id + q + trace + item;
        }
    }

    private static final byte[] BODY = "{\"name\":\"bird\",\"qty\":3,\"tags\":[\"a\",\"b\"]}"
            .getBytes(StandardCharsets.UTF_8);

    private Binder binder;
    private HttpHeaders headers;

    /** Builds the binder once, as route registration does. */
    @Setup
    public void setUp() throws Exception {
        Method m = Api.class.getMethod("create", int.class, String.class, String.class, Item.class);
        binder = Binder.of(new Api(), m, List.of("id"), JsonMapper.builder().build());
        headers = new DefaultHttpHeaders();
        headers.set("content-type", "application/json");
        headers.set("x-trace", "abc-123");
        headers.set("host", "localhost");
        Object[] args = binder.bind(new BenchRequest("/items/42?q=blue%20bird", headers, "42", BODY));
        if (!(args[0].equals(42) && args[1].equals("blue bird") && args[2].equals("abc-123")
                && args[3].equals(new Item("bird", 3, List.of("a", "b"))))) {
            throw new IllegalStateException("The binder bound " + java.util.Arrays.toString(args));
        }
    }

    /** Binds the four arguments of one request. */
    @Benchmark
    public Object[] bind() {
        return binder.bind(new BenchRequest("/items/42?q=blue%20bird", headers, "42", BODY));
    }

    /** A request like the Netty exchange: the query decoded on first use, headers in Netty's map. */
    static final class BenchRequest implements Request {
        private final String uri;
        private final HttpHeaders headers;
        private final String id;
        private final byte[] body;
        private QueryStringDecoder query;

        BenchRequest(String uri, HttpHeaders headers, String id, byte[] body) {
            this.uri = uri;
            this.headers = headers;
            this.id = id;
            this.body = body;
        }

        private QueryStringDecoder decoder() {
            if (query == null) {
                query = new QueryStringDecoder(uri);
            }
            return query;
        }

        @Override
        public String method() {
            return "POST";
        }

        @Override
        public String path() {
            return decoder().path();
        }

        @Override
        public String uri() {
            return uri;
        }

        @Override
        public Optional<String> pathParam(String name) {
            return name.equals("id") ? Optional.of(id) : Optional.empty();
        }

        @Override
        public Optional<String> query(String name) {
            List<String> values = decoder().parameters().get(name);
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }

        @Override
        public List<String> queryAll(String name) {
            List<String> values = decoder().parameters().get(name);
            return values == null ? List.of() : List.copyOf(values);
        }

        @Override
        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name));
        }

        @Override
        public List<String> headers(String name) {
            return headers.getAll(name);
        }

        @Override
        public byte[] body() {
            return body.clone();
        }

        @Override
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String remoteAddress() {
            return "127.0.0.1:1";
        }

        @Override
        public Optional<String> cookie(String name) {
            return Optional.empty();
        }

        @Override
        public List<String> formAll(String name) {
            return List.of();
        }

        @Override
        public List<UploadedFile> files(String name) {
            return List.of();
        }
    }
}
