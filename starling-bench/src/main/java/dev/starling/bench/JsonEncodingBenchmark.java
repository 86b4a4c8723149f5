package dev.starling.bench;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpResponse;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
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
 * Encoding endpoint E's result, {@code Item(42, "abc", ["a", "b", "c"])} =
 * {@code {"id":42,"q":"abc","tags":["a","b","c"]}}, into response bytes, in nanoseconds per operation.
 *
 * <table>
 * <caption>variants</caption>
 * <tr><td>{@code starling}</td><td>the real {@code dev.starling.internal.http.Results.encode(result, json)},
 * which the exchange calls with a handler's (completed) return value: Jackson's bytes wrapped in a
 * {@code FullHttpResponse} with its {@code content-type} header. Writing it (and {@code content-length}) is
 * not counted; the response is returned unreleased, its buffer wrapping a heap array the GC collects.</td></tr>
 * <tr><td>{@code jackson}</td><td>a plain Jackson 3 {@code JsonMapper.writeValueAsBytes(item)}: the
 * baseline</td></tr>
 * </table>
 *
 * <p>Starling's overhead is the ratio {@code starling / jackson}. White-box: {@code Results} is package-private
 * in {@code starling-core}, so the benchmark calls {@code encode} through a {@code MethodHandle} held in a
 * static final field (which the JIT inlines like a direct call); the benchmark jar runs on the class path, so
 * no module rule stands in the way. Both mappers are {@code JsonMapper.builder().build()}, as {@code App}
 * makes its own, and each is checked to produce exactly the bytes above before measuring.
 *
 * <pre>{@code
 * starling-bench/jmh JsonEncoding
 * starling-bench/jmh JsonEncoding -f 1 -wi 5 -i 3 -w 2s -r 2s     # a quick look
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class JsonEncodingBenchmark {

    /** Endpoint E's body, as in {@code BenchApp}. */
    public record Item(int id, String q, List<String> tags) {
    }

    static final String EXPECTED = "{\"id\":42,\"q\":\"abc\",\"tags\":[\"a\",\"b\",\"c\"]}";

    /** {@code Results.encode(Object, JsonMapper)}. */
    private static final MethodHandle ENCODE = encodeHandle();

    private final Item item = new Item(42, "abc", List.of("a", "b", "c"));
    /** Starling's mapper, built as {@code App} builds it. */
    private final JsonMapper starlingJson = JsonMapper.builder().build();
    /** The baseline's mapper. */
    private final JsonMapper plainJson = JsonMapper.builder().build();

    private static MethodHandle encodeHandle() {
        try {
            Class<?> results = Class.forName("dev.starling.internal.http.Results");
            Method encode = results.getDeclaredMethod("encode", Object.class, JsonMapper.class);
            encode.setAccessible(true);
            return MethodHandles.lookup().unreflect(encode);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Checks that both variants produce exactly the expected bytes. */
    @Setup
    public void setUp() throws Throwable {
        byte[] expected = EXPECTED.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = starling();
        try {
            byte[] body = ByteBufUtil.getBytes(response.content());
            String type = response.headers().get("content-type");
            if (!Arrays.equals(body, expected) || response.status().code() != 200
                    || !"application/json".equals(type)) {
                throw new IllegalStateException("Starling encoded " + response.status() + " " + type + " "
                        + new String(body, StandardCharsets.UTF_8));
            }
        } finally {
            response.release();
        }
        byte[] plain = jackson();
        if (!Arrays.equals(plain, expected)) {
            throw new IllegalStateException("Jackson encoded " + new String(plain, StandardCharsets.UTF_8));
        }
    }

    /** Starling's encoding of a handler's return value into a response. */
    @Benchmark
    public FullHttpResponse starling() throws Throwable {
        return (FullHttpResponse) ENCODE.invokeExact((Object) item, starlingJson);
    }

    /** Plain Jackson 3. */
    @Benchmark
    public byte[] jackson() {
        return plainJson.writeValueAsBytes(item);
    }
}
