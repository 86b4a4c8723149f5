package dev.starling.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.starling.Config;
import dev.starling.ExecuteOn;
import dev.starling.Get;
import dev.starling.Post;
import dev.starling.ResponseHead;
import dev.starling.Starling;
import dev.starling.internal.app.App;
import dev.starling.params.Body;
import dev.starling.params.Query;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Property-based fuzzing of the request path: random bytes, mutated valid requests and valid requests split at
 * random points go through the real pipeline that {@link HttpInitializer} builds (codec, body limit, connection
 * handler, routing, binding, handlers on the loop and offloaded), driven by an {@link EmbeddedChannel} on the
 * test thread. Every case must end without a 5xx, without an exception escaping the pipeline or being logged as
 * unexpected, with every response well formed and every error a JSON {@code detail} without a stack trace, with
 * as many requests finished as started, and with every buffer released (the inbound ones are checked here, the
 * rest by Netty's paranoid leak detector through {@code NettyLeakDetection}, which fails the class).
 *
 * <p>Cases come from a seeded generator (JUnit's {@code @ParameterizedTest}, one invocation per case, named by
 * its seed). Each run picks a new master seed unless {@code -Dstarling.fuzz.seed=N} is given;
 * {@code -Dstarling.fuzz.case=0x...} reruns one case, {@code -Dstarling.fuzz.tries=N} sets the cases per property
 * (1,000 by default). A failure names its case and seed and shows the input shrunk to the fewest bytes that still
 * fail.
 *
 * <p>Offloaded handlers run on an executor named "inline" whose tasks this test runs on its own thread: an
 * {@code EmbeddedEventLoop} says every thread is its own, so handlers on real worker threads would write to the
 * channel concurrently. The offload machinery (limiter, task, completion back on the loop) is the real one.
 * Static files are left out: they open files on the default threadpool.
 */
class RequestFuzzTest {

    private static final long MASTER_SEED = seedProperty("starling.fuzz.seed",
            ThreadLocalRandom.current().nextLong());
    private static final Long ONE_CASE = seedPropertyOrNull("starling.fuzz.case");
    private static final int TRIES = Integer.getInteger("starling.fuzz.tries", 1000);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final ConcurrentLinkedQueue<Runnable> INLINE = new ConcurrentLinkedQueue<>();
    private static Config config;
    private static App app;
    private static ListAppender<ILoggingEvent> logs;

    record Item(String name, int qty, List<String> tags) {
    }

    /** The routes: on the loop and offloaded, path parameters, queries and JSON bodies. */
    static final class Api {
        @Get("/items/{id}")
        CompletionStage<Item> item(int id, @Query Optional<String> q) {
            return CompletableFuture.completedFuture(new Item(q.orElse("none"), id, List.of()));
        }

        @Post("/items")
        CompletionStage<Item> create(@Body Item item) {
            return CompletableFuture.completedFuture(item);
        }

        @Get("/off/items/{id}")
        @ExecuteOn("inline")
        Item offItem(int id, @Query Optional<String> q) {
            return new Item(q.orElse("none"), id, List.of());
        }

        @Post("/off/items")
        @ExecuteOn("inline")
        Item offCreate(@Body Item item) {
            return item;
        }

        @Post("/off/text")
        @ExecuteOn("inline")
        String offText(@Body String text) {
            return "[" + text + "]";
        }
    }

    /** A case's seed, shown in hex in the test's name. */
    record Seed(long value) {
        @Override
        public String toString() {
            return String.format("0x%016x", value);
        }
    }

    @BeforeAll
    static void createApp() {
        // Limits low enough that 4 KiB of input reaches each refusal: 413, 414 and 431.
        config = Config.builder()
                .maxRequestLineLength(1024)
                .maxHeaderSize(2048)
                .maxBodySize(2048)
                .executor("inline", INLINE::add)
                .build();
        app = (App) Starling.create(config);
        app.include(new Api());
        app.getAsync("/hello", r -> CompletableFuture.completedFuture(
                "Hello, " + r.query("name").orElse("World") + "!"));
        app.postAsync("/echo", r -> CompletableFuture.completedFuture(r.bodyText()));
        logs = new ListAppender<>();
        logs.setName("request-fuzz");
        logs.start();
        root().addAppender(logs);
        System.out.println("RequestFuzzTest: master seed " + MASTER_SEED + ", " + TRIES
                + " cases per property (rerun with -Dstarling.fuzz.seed=" + MASTER_SEED + ")");
    }

    @AfterAll
    static void closeApp() {
        root().detachAppender(logs);
        logs.stop();
        app.close();
    }

    static Stream<Seed> cases() {
        if (ONE_CASE != null) {
            return Stream.of(new Seed(ONE_CASE));
        }
        SplittableRandom master = new SplittableRandom(MASTER_SEED);
        return Stream.generate(() -> new Seed(master.nextLong())).limit(TRIES);
    }

    // ---- properties ----

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("cases")
    void randomBytesNeverGetA5xxOrLeak(Seed seed) {
        SplittableRandom random = new SplittableRandom(seed.value());
        byte[] input = random.nextBoolean() ? randomBytes(random) : httpSoup(random);
        check(seed, input, cuts(random, input.length));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("cases")
    void mutatedRequestsNeverGetA5xxOrLeak(Seed seed) {
        SplittableRandom random = new SplittableRandom(seed.value());
        String request = validRequests(random).text;
        int mutations = random.nextInt(1, 5);
        for (int i = 0; i < mutations; i++) {
            request = mutate(random, request);
        }
        byte[] input = request.getBytes(StandardCharsets.ISO_8859_1);
        check(seed, input, cuts(random, input.length));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("cases")
    void validRequestsSplitAnywhereGetTheSame200s(Seed seed) {
        SplittableRandom random = new SplittableRandom(seed.value());
        Sample sample = validRequests(random);
        byte[] input = sample.text.getBytes(StandardCharsets.ISO_8859_1);
        int[] cuts = cuts(random, input.length);
        Outcome whole = run(input, new int[0]);
        Outcome split = run(input, cuts);
        String where = describe(seed, input, cuts);
        assertThat(whole.problems).as(where).isEmpty();
        assertThat(split.problems).as(where).isEmpty();
        assertThat(whole.statuses).as(where).hasSize(sample.requests).containsOnly(200);
        assertThat(undated(split.wire)).as(where).isEqualTo(undated(whole.wire));
        assertThat(split.open).as(where + "\nthe connection is kept alive").isTrue();
    }

    /** Returns the responses as text, each Date header's value left out: the two runs may straddle a second. */
    private static String undated(byte[] wire) {
        return new String(wire, StandardCharsets.ISO_8859_1)
                .replaceAll("(?i)\\r\\ndate: [^\\r\\n]*", "\r\ndate: (now)");
    }

    // ---- one case ----

    /** The result of driving one input through a fresh connection. */
    static final class Outcome {
        final List<String> problems = new ArrayList<>();
        final List<Integer> statuses = new ArrayList<>();
        byte[] wire = new byte[0];
        boolean open;

        /** The kind of the first problem, to keep shrinking on the same failure. */
        String kind() {
            if (problems.isEmpty()) {
                return null;
            }
            String first = problems.get(0);
            int colon = first.indexOf(':');
            return colon < 0 ? first : first.substring(0, colon);
        }
    }

    /** Fails with the problems of {@code input}, shrunk to the fewest bytes that still show the first kind. */
    private static void check(Seed seed, byte[] input, int[] cuts) {
        Outcome outcome = run(input, cuts);
        if (outcome.problems.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder(describe(seed, input, cuts)).append("\nproblems:");
        outcome.problems.forEach(p -> message.append("\n  ").append(p));
        Outcome unsplit = run(input, new int[0]);
        if (outcome.kind().equals(unsplit.kind())) {
            byte[] shrunk = shrink(input, outcome.kind());
            Outcome small = run(shrunk, new int[0]);
            message.append("\nshrunk to ").append(shrunk.length).append(" bytes, in one piece: ")
                    .append(escape(shrunk));
            small.problems.forEach(p -> message.append("\n  ").append(p));
        } else {
            message.append("\n(not shrunk: in one piece the input gives ").append(unsplit.problems).append(")");
        }
        throw new AssertionError(message.toString());
    }

    /** Drives {@code input}, cut at {@code cuts}, through a new connection and reports what went wrong. */
    static Outcome run(byte[] input, int[] cuts) {
        Outcome out = new Outcome();
        synchronized (logs) {
            logs.list.clear();
        }
        Shared real = app.shared();
        CountingPort server = new CountingPort(real.port());
        InFlight inFlight = new InFlight();
        HttpInitializer initializer = new HttpInitializer(new Shared(server, inFlight, real.json(), real.observer(),
                real.config()), new DefaultChannelGroup(GlobalEventExecutor.INSTANCE));
        EmbeddedChannel channel = new EmbeddedChannel(initializer);
        Spy spy = new Spy();
        List<ByteBuf> inbound = new ArrayList<>();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        try {
            if (channel.pipeline().get("codec") == null) {
                out.problems.add("pipeline: the initializer did not build the pipeline: " + channel.pipeline().names());
                return out;
            }
            channel.pipeline().addAfter("codec", "spy", spy);
            int from = 0;
            for (int i = 0; i <= cuts.length; i++) {
                int to = i < cuts.length ? cuts[i] : input.length;
                ByteBuf piece = PooledByteBufAllocator.DEFAULT.buffer(Math.max(1, to - from));
                piece.writeBytes(input, from, to - from);
                inbound.add(piece);
                from = to;
                if (channel.isOpen()) {
                    channel.writeInbound(piece);
                } else {
                    piece.release();    // a closed socket reads nothing more
                }
                drain(channel, out);
                readOut(channel, wire, out);
            }
            out.open = channel.isOpen();
            channel.finish();
            drain(channel, out);
            readOut(channel, wire, out);
        } catch (Throwable t) {
            out.problems.add("escaped: an exception escaped the pipeline: " + t);
        } finally {
            try {
                channel.finishAndReleaseAll();
            } catch (Throwable t) {
                out.problems.add("escaped: an exception escaped the pipeline at close: " + t);
            }
            INLINE.clear();
            Thread.interrupted();   // a cancelled inline task may have interrupted this thread
        }
        out.wire = wire.toByteArray();
        out.statuses.addAll(spy.statuses);
        if (spy.unobserved) {
            out.problems.add("spy: a response was written with a void promise, so its status was not checked");
        }
        for (ByteBuf buf : inbound) {
            if (buf.refCnt() != 0) {
                out.problems.add("leak: an inbound buffer was not released (refCnt " + buf.refCnt() + ")");
                ReferenceCountUtil.safeRelease(buf, buf.refCnt());
            }
        }
        for (int i = 0; i < spy.statuses.size(); i++) {
            int status = spy.statuses.get(i);
            // 505 is the documented answer to an HTTP version other than 1.0 and 1.1, 501 to a transfer coding
            // other than chunked (docs/server.md, RFC 9112 section 6.1): refusals of the request, not failures.
            if (status >= 500 && status != 505 && status != 501) {
                out.problems.add("5xx: the server answered " + status + " " + spy.bodies.get(i));
            }
            String body = spy.bodies.get(i);
            if (status >= 400 && body != null && body.isEmpty() && !hasHead(input)) {
                out.problems.add("detail: a " + status + " has an empty body, no sentence saying why");
            }
            if (status >= 400 && body != null && !body.isEmpty()) {
                if (body.contains("\tat ") || body.contains("Exception")) {
                    out.problems.add("trace: an error body shows internals: " + body);
                }
                try {
                    JsonNode detail = JSON.readTree(body).get("detail");
                    if (detail == null) {
                        out.problems.add("detail: an error body has no detail: " + body);
                    }
                } catch (RuntimeException e) {
                    out.problems.add("detail: an error body is not JSON: " + body);
                }
            }
        }
        if (inFlight.count() != 0) {
            out.problems.add("accounting: " + inFlight.count() + " requests started but not done after the"
                    + " connection closed");
        }
        dev.starling.concurrent.CapacityLimiter inline = app.limiter("inline").orElseThrow();
        if (inline.borrowedTokens() != 0 || inline.waiting() != 0) {
            out.problems.add("accounting: the offload limiter still lends " + inline.borrowedTokens()
                    + " tokens and has " + inline.waiting() + " waiters after the connection closed");
        }
        for (Throwable t : server.unhandled) {
            out.problems.add("unhandled: a request failed with " + t);
        }
        synchronized (logs) {
            for (ILoggingEvent event : logs.list) {
                if (event.getLevel().isGreaterOrEqual(Level.WARN)
                        && (event.getLoggerName().startsWith("dev.starling")
                        || event.getLoggerName().startsWith("io.netty"))) {
                    out.problems.add("logged: " + event.getLevel() + " " + event.getLoggerName() + ": "
                            + event.getFormattedMessage()
                            + (event.getThrowableProxy() == null ? "" : " (" + event.getThrowableProxy().getClassName()
                            + ": " + event.getThrowableProxy().getMessage() + ")"));
                }
            }
        }
        if (!hasHead(input)) {
            checkWire(out, spy.statuses);
        }
        return out;
    }

    /** Runs the loop's tasks and the offloaded tasks until neither has any left, boundedly. */
    private static void drain(EmbeddedChannel channel, Outcome out) {
        for (int round = 0; round < 1000; round++) {
            channel.runPendingTasks();
            boolean ran = false;
            Runnable task;
            while ((task = INLINE.poll()) != null) {
                task.run();
                ran = true;
            }
            if (!ran && !channel.hasPendingTasks()) {
                return;
            }
        }
        out.problems.add("busy: tasks kept coming after 1,000 rounds");
    }

    /** Reads what the pipeline wrote, releasing each buffer. */
    private static void readOut(EmbeddedChannel channel, ByteArrayOutputStream wire, Outcome out) {
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            if (msg instanceof ByteBuf buf) {
                byte[] bytes = new byte[buf.readableBytes()];
                buf.getBytes(buf.readerIndex(), bytes);
                wire.writeBytes(bytes);
                buf.release();
                if (buf.refCnt() != 0) {
                    out.problems.add("leak: an outbound buffer is still referenced after its release");
                }
            } else {
                out.problems.add("outbound: the pipeline wrote a " + msg.getClass().getName());
                ReferenceCountUtil.release(msg);
            }
        }
    }

    /** Decodes the wire as responses: as many as the spy saw, well formed, with the same statuses. */
    private static void checkWire(Outcome out, List<Integer> statuses) {
        EmbeddedChannel decoder = new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));
        List<Integer> decoded = new ArrayList<>();
        try {
            decoder.writeInbound(Unpooled.wrappedBuffer(out.wire));
            decoder.finish();
            Object msg;
            while ((msg = decoder.readInbound()) != null) {
                try {
                    if (msg instanceof FullHttpResponse response) {
                        if (response.decoderResult().isFailure()) {
                            out.problems.add("wire: a response does not parse: " + response.decoderResult().cause());
                        }
                        decoded.add(response.status().code());
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
        } finally {
            decoder.finishAndReleaseAll();
        }
        if (!decoded.equals(statuses)) {
            out.problems.add("wire: the bytes decode as statuses " + decoded + " but " + statuses + " were written");
        }
    }

    /** A HEAD response names a length it does not send, which a plain response decoder cannot know. */
    private static boolean hasHead(byte[] input) {
        return new String(input, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT).contains("HEAD");
    }

    /** Removes ever smaller runs of bytes while the input still fails with {@code kind}; bounded. */
    private static byte[] shrink(byte[] input, String kind) {
        byte[] best = input;
        int budget = 1500;
        int chunk = Math.max(1, best.length / 2);
        while (budget > 0) {
            boolean progress = false;
            for (int start = 0; start < best.length && budget > 0; ) {
                int end = Math.min(best.length, start + chunk);
                byte[] candidate = new byte[best.length - (end - start)];
                System.arraycopy(best, 0, candidate, 0, start);
                System.arraycopy(best, end, candidate, start, best.length - end);
                budget--;
                if (kind.equals(run(candidate, new int[0]).kind())) {
                    best = candidate;
                    progress = true;
                } else {
                    start = end;
                }
            }
            if (!progress) {
                if (chunk == 1) {
                    break;
                }
                chunk = Math.max(1, chunk / 2);
            }
        }
        return best;
    }

    /** Sees every response head the handlers write, before the codec encodes it. */
    static final class Spy extends ChannelOutboundHandlerAdapter {
        final List<Integer> statuses = new ArrayList<>();
        final List<String> bodies = new ArrayList<>();
        boolean unobserved;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof HttpResponse response && !promise.isVoid()) {
                // Only what reaches the wire: a refusal written after the client closed is not an answer.
                int status = response.status().code();
                String body = msg instanceof FullHttpResponse full
                        ? full.content().toString(StandardCharsets.UTF_8) : null;
                promise.addListener(f -> {
                    if (f.isSuccess()) {
                        statuses.add(status);
                        bodies.add(body);
                    }
                });
            } else if (msg instanceof HttpResponse) {
                unobserved = true;
            }
            ctx.write(msg, promise);
        }
    }

    /** The app's pipeline as the HTTP layer sees it, keeping the failures nobody handled. */
    static final class CountingPort implements Port {
        private final Port app;
        final List<Throwable> unhandled = new ArrayList<>();

        CountingPort(Port app) {
            this.app = app;
        }

        @Override
        public void handle(Exchange exchange) {
            app.handle(exchange);
        }

        @Override
        public boolean recover(Exchange exchange, Throwable error) {
            return app.recover(exchange, error);
        }

        @Override
        public void unhandled(Exchange exchange, Throwable error) {
            unhandled.add(error);
            app.unhandled(exchange, error);
        }

        @Override
        public boolean seesHeads() {
            return app.seesHeads();
        }

        @Override
        public CompletionStage<Void> after(Exchange exchange, ResponseHead head) {
            return app.after(exchange, head);
        }
    }

    // ---- generators ----

    /** One or two valid requests (pipelined), as Latin-1 text so that each char is one byte. */
    record Sample(String text, int requests) {
    }

    static Sample validRequests(SplittableRandom r) {
        return r.nextInt(4) == 0
                ? new Sample(validRequest(r) + validRequest(r), 2)
                : new Sample(validRequest(r), 1);
    }

    static String validRequest(SplittableRandom r) {
        String host = "Host: fuzz.test\r\n";
        String json = "{\"name\":\"" + word(r) + "\",\"qty\":" + r.nextInt(-1000, 1000) + ",\"tags\":[\"" + word(r)
                + "\"]}";
        return switch (r.nextInt(7)) {
            case 0 -> "GET /hello?name=" + queryWord(r) + " HTTP/1.1\r\n" + host + "\r\n";
            case 1 -> "GET /items/" + r.nextInt(0, 1_000_000) + "?q=" + queryWord(r) + " HTTP/1.1\r\n" + host
                    + "Accept: application/json\r\n\r\n";
            case 2 -> "GET /off/items/" + r.nextInt(0, 1_000_000) + "?q=" + queryWord(r) + " HTTP/1.1\r\n" + host
                    + "\r\n";
            case 3 -> post(r.nextBoolean() ? "/items" : "/off/items", "application/json", json, host);
            case 4 -> chunked(r, r.nextBoolean() ? "/items" : "/off/items", "application/json", json, host);
            case 5 -> post("/echo", "text/plain; charset=utf-8", utf8AsLatin1(word(r) + " \u00e9\u4e2d\uD83D\uDE00"),
                    host);
            default -> chunked(r, "/off/text", "text/plain", word(r) + word(r), host);
        };
    }

    private static String post(String path, String type, String body, String host) {
        return "POST " + path + " HTTP/1.1\r\n" + host + "Content-Type: " + type + "\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
    }

    private static String chunked(SplittableRandom r, String path, String type, String body, String host) {
        StringBuilder out = new StringBuilder("POST " + path + " HTTP/1.1\r\n" + host + "Content-Type: " + type
                + "\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int at = 0; at < body.length(); ) {
            int size = Math.min(body.length() - at, r.nextInt(1, 16));
            out.append(Integer.toHexString(size)).append("\r\n").append(body, at, at + size).append("\r\n");
            at += size;
        }
        return out.append("0\r\n\r\n").toString();
    }

    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";

    static String word(SplittableRandom r) {
        StringBuilder w = new StringBuilder();
        int length = r.nextInt(1, 12);
        for (int i = 0; i < length; i++) {
            w.append(LETTERS.charAt(r.nextInt(LETTERS.length())));
        }
        return w.toString();
    }

    /** A word, sometimes with valid percent-escapes (a space, UTF-8 letters). */
    static String queryWord(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> word(r) + "%20" + word(r);
            case 1 -> word(r) + "%C3%A9%E4%B8%AD";
            default -> word(r);
        };
    }

    static String utf8AsLatin1(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    static byte[] randomBytes(SplittableRandom r) {
        byte[] bytes = new byte[r.nextInt(0, 4097)];
        r.nextBytes(bytes);
        return bytes;
    }

    private static final String[] SOUP = {
        "GET", "POST", "HEAD", "PUT", "OPTIONS", "CONNECT", " ", "  ", "/", "/items/", "/off/items/", "/hello", "?",
        "=", "&", "%", "%2", "%zz", "%00", "%C3%28", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "\r\n", "\r\n\r\n", "\n",
        "\r", ":", ": ", "Host", "Content-Length", "Transfer-Encoding", "chunked", "Expect", "100-continue",
        "Connection", "close", "keep-alive", "Content-Type", "application/json", "{", "}", "\"", ",", "0", "1", "7",
        "-1", "ffffffff", "99999999999999999999", "\u0000", "\t", "\u00ff", "\u00c3", "\u0080",
    };

    /** Tokens of HTTP glued at random: more of it reaches past the request line than random bytes do. */
    static byte[] httpSoup(SplittableRandom r) {
        StringBuilder soup = new StringBuilder();
        int tokens = r.nextInt(0, 200);
        for (int i = 0; i < tokens; i++) {
            if (r.nextInt(10) == 0) {
                soup.append((char) r.nextInt(256));
            } else {
                soup.append(SOUP[r.nextInt(SOUP.length)]);
            }
        }
        return soup.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Cuts {@code length} bytes into one to eight pieces (some may be empty). */
    static int[] cuts(SplittableRandom r, int length) {
        int[] cuts = new int[r.nextInt(0, 8)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = r.nextInt(0, length + 1);
        }
        Arrays.sort(cuts);
        return cuts;
    }

    private static final String[] METHODS = {
        "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "CONNECT", "get", "G ET", "GET\u0000",
        "", "PRI", "\u00e9", "FOOBAR", "GETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGETGET",
    };
    private static final String[] CONTENT_LENGTHS = {
        "-1", "99999999999999999999", "2147483648", "2147483647", "1e3", " 5", "5,5", "0x10", "", "+5", "4096",
        "1048577", "0", "00000000000000000000001", "5\u0000", "\u00bd",
    };
    private static final String[] TRANSFER_ENCODINGS = {
        "chunked, gzip", "gzip", "xchunked", "chunked\u000b", "identity", "chunked, chunked", "CHUNKED", "gzip, chunked",
        "", " chunked", "chunked;q=1",
    };
    private static final String[] VERSIONS = {
        "HTTP/1.0", "HTTP/2.0", "HTTP/1.2", "HTTP/9", "HTTP/1.1 ", "http/1.1", "HTTP/1.", "HTTP/", "ICE/1.0",
        "HTTP/0.9", "HTTP/1.10",
    };
    private static final String[] PATH_VALUES = {
        "-0", "-1", "99999999999", "2147483648", "1e3", "0x10", "%31", "", "%", "%zz", "1.5", "\u00e9", "1%2F2", "+1",
        "%C3%28", "1;a=b", ".", "..", "%2e%2e",
    };
    private static final String[] CHUNK_SIZES = {"zz", "-1", "ffffffffffffffff", "7fffffff", "", "1;ext=1", "0", "10000"};
    private static final String[] ESCAPES = {
        "%", "%2", "%zz", "%00", "%2F", "%2e%2e", "%C3%28", "%FF", "%C0%AF", "%ED%A0%80", "%F0%9F%98%80", "%25",
        "%%", "%0D%0A", "+", "%20",
    };
    private static final String[] INVALID_UTF8 = {"\u00c3\u0028", "\u00ff", "\u0080", "\u00c0\u00af", "\u00ed\u00a0\u0080",
        "\u00f8\u0088\u0080\u0080\u0080", "\u00e2\u0082"};
    private static final String[] HEADER_NAMES = {
        "Content-Length", "Transfer-Encoding", "Expect", "Connection", "Host", "Content-Type", "Accept-Encoding",
        "Cookie", "Range", "If-Modified-Since", "Upgrade", "X-Custom", "", " Space", "Bad:Name", "Na\u0000me",
    };
    private static final String[] HEADER_VALUES = {
        "100-continue", "close", "keep-alive, Upgrade", "chunked", "application/json; charset=latin1", "text/plain",
        "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "gzip, deflate", "a=b; c", "bytes=0-",
        "-1", "99999999999999999999", "h2c", "\u0000", "",
    };

    /** Applies one random mutation to a request. */
    static String mutate(SplittableRandom r, String request) {
        int length = request.length();
        switch (r.nextInt(19)) {
            case 0: {   // flip a bit
                if (length == 0) {
                    return request;
                }
                int at = r.nextInt(length);
                return request.substring(0, at) + (char) ((request.charAt(at) ^ (1 << r.nextInt(8))) & 0xff)
                        + request.substring(at + 1);
            }
            case 1: {   // insert random bytes
                StringBuilder junk = new StringBuilder();
                for (int i = r.nextInt(1, 9); i > 0; i--) {
                    junk.append((char) r.nextInt(256));
                }
                return insert(r, request, junk.toString());
            }
            case 2: {   // delete a run
                if (length == 0) {
                    return request;
                }
                int at = r.nextInt(length);
                return request.substring(0, at) + request.substring(Math.min(length, at + r.nextInt(1, 17)));
            }
            case 3:     // duplicate a CRLF
                return atRandomCrlf(r, request, crlf -> "\r\n\r\n");
            case 4:     // drop a CRLF, or half of one
                return atRandomCrlf(r, request, crlf -> r.nextInt(3) == 0 ? "" : r.nextBoolean() ? "\r" : "\n");
            case 5:
                return swapHeaders(r, request);
            case 6:
                return addHeader(r, request, r.nextBoolean() ? pick(r, HEADER_NAMES) : word(r),
                        r.nextBoolean() ? pick(r, HEADER_VALUES) : randomText(r));
            case 7:
                return setHeader(r, request, "Content-Length", pick(r, CONTENT_LENGTHS));
            case 8:
                return setHeader(r, request, "Transfer-Encoding", pick(r, TRANSFER_ENCODINGS));
            case 9: {   // another method
                int space = request.indexOf(' ');
                return pick(r, METHODS) + (space < 0 ? " " + request : request.substring(space));
            }
            case 10:
                return inTarget(r, request, pick(r, ESCAPES));
            case 11:
                return r.nextBoolean() ? inTarget(r, request, utf8AsLatin1("\u00e9\u4e2d\uD83D\uDE00 "))
                        : addHeader(r, request, "X-Name", utf8AsLatin1("\u00e9\u4e2d\uD83D\uDE00"));
            case 12:
                return r.nextBoolean() ? inTarget(r, request, pick(r, INVALID_UTF8))
                        : r.nextBoolean() ? addHeader(r, request, "X-Name", pick(r, INVALID_UTF8))
                        : insert(r, request, pick(r, INVALID_UTF8));
            case 13: {  // another version
                int end = request.indexOf("\r\n");
                int space = end < 0 ? -1 : request.lastIndexOf(' ', end);
                return space < 0 ? request : request.substring(0, space + 1) + pick(r, VERSIONS) + request.substring(end);
            }
            case 14:    // truncate
                return length == 0 ? request : request.substring(0, r.nextInt(length));
            case 15: {  // a bad chunk size
                int body = request.indexOf("\r\n\r\n");
                int size = body < 0 ? -1 : request.indexOf("\r\n", body + 4);
                return size < 0 || !request.contains("chunked") ? request
                        : request.substring(0, body + 4) + pick(r, CHUNK_SIZES) + request.substring(size);
            }
            case 16: {  // a deeply nested JSON body
                int depth = r.nextInt(1, 1000);
                String body = r.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth)
                        : "{\"name\":\"n\",\"qty\":1,\"tags\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
                return post(r.nextBoolean() ? "/items" : "/off/items", "application/json", body, "Host: fuzz.test\r\n");
            }
            case 17: {  // another path parameter
                int at = request.indexOf("/items/");
                int end = at < 0 ? -1 : request.indexOf(' ', at);
                int query = at < 0 ? -1 : request.indexOf('?', at);
                if (query >= 0 && query < end) {
                    end = query;
                }
                return end < 0 ? request : request.substring(0, at + 7) + pick(r, PATH_VALUES) + request.substring(end);
            }
            default:    // pipeline it twice
                return request + request;
        }
    }

    private static String pick(SplittableRandom r, String[] choices) {
        return choices[r.nextInt(choices.length)];
    }

    private static String randomText(SplittableRandom r) {
        StringBuilder text = new StringBuilder();
        for (int i = r.nextInt(0, 40); i > 0; i--) {
            text.append((char) r.nextInt(256));
        }
        return text.toString();
    }

    private static String insert(SplittableRandom r, String request, String what) {
        int at = r.nextInt(request.length() + 1);
        return request.substring(0, at) + what + request.substring(at);
    }

    private static String atRandomCrlf(SplittableRandom r, String request, Function<String, String> replace) {
        List<Integer> found = new ArrayList<>();
        for (int at = request.indexOf("\r\n"); at >= 0; at = request.indexOf("\r\n", at + 2)) {
            found.add(at);
        }
        if (found.isEmpty()) {
            return request;
        }
        int at = found.get(r.nextInt(found.size()));
        return request.substring(0, at) + replace.apply("\r\n") + request.substring(at + 2);
    }

    /** Inserts {@code what} somewhere in the request target (the path or the query). */
    private static String inTarget(SplittableRandom r, String request, String what) {
        int start = request.indexOf(' ');
        int end = start < 0 ? -1 : request.indexOf(' ', start + 1);
        if (end < 0) {
            return insert(r, request, what);
        }
        int at = r.nextInt(start + 1, end + 1);
        return request.substring(0, at) + what + request.substring(at);
    }

    /** The header lines' span: from after the request line to the blank line. */
    private static int[] headerSpan(String request) {
        int first = request.indexOf("\r\n");
        int blank = request.indexOf("\r\n\r\n");
        return first < 0 || blank < first ? null : new int[] {first + 2, blank + 2};
    }

    private static String swapHeaders(SplittableRandom r, String request) {
        int[] span = headerSpan(request);
        if (span == null) {
            return request;
        }
        List<String> lines = new ArrayList<>(Arrays.asList(request.substring(span[0], span[1]).split("\r\n", -1)));
        lines.remove(lines.size() - 1);   // after the last CRLF
        if (lines.size() < 2) {
            return request;
        }
        int a = r.nextInt(lines.size());
        int b = r.nextInt(lines.size());
        String swap = lines.get(a);
        lines.set(a, lines.get(b));
        lines.set(b, swap);
        return request.substring(0, span[0]) + String.join("\r\n", lines) + "\r\n" + request.substring(span[1]);
    }

    private static String addHeader(SplittableRandom r, String request, String name, String value) {
        int[] span = headerSpan(request);
        if (span == null) {
            return request;
        }
        int at = r.nextBoolean() ? span[0] : span[1];
        return request.substring(0, at) + name + ": " + value + "\r\n" + request.substring(at);
    }

    /** Replaces the header {@code name}'s value when the request has it, else adds it. */
    private static String setHeader(SplittableRandom r, String request, String name, String value) {
        int[] span = headerSpan(request);
        if (span == null) {
            return request;
        }
        int at = request.toLowerCase(Locale.ROOT).indexOf("\r\n" + name.toLowerCase(Locale.ROOT) + ":");
        if (at < 0 || at + 2 >= span[1] || r.nextInt(4) == 0) {
            return addHeader(r, request, name, value);
        }
        int valueStart = at + 2 + name.length() + 1;
        int valueEnd = request.indexOf("\r\n", valueStart);
        return request.substring(0, valueStart) + " " + value + request.substring(valueEnd);
    }

    // ---- reporting ----

    private static String describe(Seed seed, byte[] input, int[] cuts) {
        return "case " + seed + " (master seed " + MASTER_SEED + "; rerun with -Dstarling.fuzz.case=" + seed
                + "): " + input.length + " bytes, cut at " + Arrays.toString(cuts) + ": " + escape(input);
    }

    /** The bytes as a Java string literal's contents, printable ASCII as is. */
    static String escape(byte[] bytes) {
        StringBuilder out = new StringBuilder("\"");
        int shown = Math.min(bytes.length, 2000);
        for (int i = 0; i < shown; i++) {
            int b = bytes[i] & 0xff;
            switch (b) {
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (b >= 0x20 && b < 0x7f) {
                        out.append((char) b);
                    } else {
                        out.append(String.format("\\u%04x", b));
                    }
                }
            }
        }
        out.append('"');
        if (shown < bytes.length) {
            out.append(" ... (").append(bytes.length - shown).append(" more bytes)");
        }
        return out.toString();
    }

    private static long seedProperty(String name, long otherwise) {
        Long value = seedPropertyOrNull(name);
        return value == null ? otherwise : value;
    }

    private static Long seedPropertyOrNull(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        value = value.trim();
        return value.startsWith("0x") ? Long.parseUnsignedLong(value.substring(2), 16) : Long.parseLong(value);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
