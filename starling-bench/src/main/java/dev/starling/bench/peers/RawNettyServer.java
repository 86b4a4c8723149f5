package dev.starling.bench.peers;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * A bare Netty server that answers the six endpoints of the shared bench workload, as the ceiling for any
 * framework on Netty.
 *
 * <p>The pipeline is {@link HttpServerCodec}, a 1 MiB {@link HttpObjectAggregator} and one handler. A and E
 * answer on the event loop; B, C, D and F run on a fixed pool of 40 threads and write their response back
 * on the channel's event loop (D is the same as C here: without async/await, an explicit offload of the
 * sleep is what a blocking handler already is).
 */
public final class RawNettyServer implements AutoCloseable {

    /** The body of endpoint E. */
    public record Item(int id, String q, List<String> tags) {
    }

    private static final int POOL_THREADS = 40;
    private static final int MAX_CONTENT = 1024 * 1024;
    private static final AsciiString TEXT = AsciiString.cached("text/plain; charset=utf-8");
    private static final AsciiString JSON = AsciiString.cached("application/json");
    private static final byte[] HELLO = bytes("Hello, World!");
    private static final byte[] SLEPT = bytes("slept");
    private static final byte[] NOT_FOUND = bytes("Not Found");
    private static final byte[] BAD_REQUEST = bytes("Bad Request");
    private static final byte[] NOT_ALLOWED = bytes("Method Not Allowed");
    private static final byte[] SERVER_ERROR = bytes("Internal Server Error");
    private static final List<String> TAGS = List.of("a", "b", "c");

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService pool;
    private final Channel channel;
    private final boolean epoll;

    private RawNettyServer(EventLoopGroup boss, EventLoopGroup workers, ExecutorService pool, Channel channel,
            boolean epoll) {
        this.boss = boss;
        this.workers = workers;
        this.pool = pool;
        this.channel = channel;
        this.epoll = epoll;
    }

    /**
     * Starts the server on 127.0.0.1 at {@code port} (0 for an ephemeral one) and returns once it listens.
     *
     * <p>It uses epoll when Netty's native transport is available and the environment variable
     * {@code TRANSPORT} is not {@code nio}, and NIO otherwise.
     */
    public static RawNettyServer start(int port) {
        boolean epoll = !"nio".equalsIgnoreCase(System.getenv("TRANSPORT")) && Epoll.isAvailable();
        Supplier<IoHandlerFactory> io = epoll ? EpollIoHandler::newFactory : NioIoHandler::newFactory;
        Class<? extends ServerSocketChannel> channelType =
                epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io.get());
        EventLoopGroup workers =
                new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io.get());
        ExecutorService pool = Executors.newFixedThreadPool(POOL_THREADS, new WorkerThreads());
        Handler handler = new Handler(pool);
        try {
            Channel channel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast("codec", new HttpServerCodec())
                                    .addLast("aggregator", new HttpObjectAggregator(MAX_CONTENT))
                                    .addLast("handler", handler);
                        }
                    })
                    .bind("127.0.0.1", port)
                    .syncUninterruptibly()
                    .channel();
            return new RawNettyServer(boss, workers, pool, channel, epoll);
        } catch (RuntimeException e) {
            shutdown(boss, workers, pool);
            throw e;
        }
    }

    /** Serves the workload on {@code PORT} (default 8080) until the process is stopped. */
    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        RawNettyServer server = start(port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "netty-baseline-shutdown"));
        System.out.println("Raw Netty baseline is serving on http://127.0.0.1:" + server.port() + " ("
                + (server.epoll ? "epoll" : "NIO") + ", " + Runtime.getRuntime().availableProcessors()
                + " event loops, " + POOL_THREADS + " pool threads)");
        server.channel.closeFuture().sync();
    }

    /** Returns the port the server listens on. */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Stops listening, closes the event loops and the pool, and waits a few seconds for them to end. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        shutdown(boss, workers, pool);
    }

    private static void shutdown(EventLoopGroup boss, EventLoopGroup workers, ExecutorService pool) {
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        pool.shutdownNow();
        boss.terminationFuture().syncUninterruptibly();
        workers.terminationFuture().syncUninterruptibly();
    }

    /**
     * Computes endpoint F's answer exactly as {@code BenchApp.sha256Rounds} does: {@code max(n, 1)} rounds of
     * SHA-256 over 64 bytes whose first 32 each round overwrites, as lowercase hex.
     */
    public static String sha256Rounds(int n) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64];
            for (int i = 0; i < 64; i++) {
                buf[i] = (byte) i;
            }
            byte[] d = null;
            for (int i = 0; i < Math.max(n, 1); i++) {
                d = sha.digest(buf);
                System.arraycopy(d, 0, buf, 0, 32);
            }
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256.", e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Names the pool's threads {@code netty-baseline-worker-N}. */
    private static final class WorkerThreads implements ThreadFactory {
        private final AtomicInteger next = new AtomicInteger(1);

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "netty-baseline-worker-" + next.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        }
    }

    /** A blocking piece of work for the pool, returning the response body. */
    @FunctionalInterface
    private interface Work {
        byte[] run() throws Exception;
    }

    /** Routes each request; one instance serves every channel. */
    @ChannelHandler.Sharable
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {

        private final ExecutorService pool;
        private final JsonMapper json = JsonMapper.builder().build();

        Handler(ExecutorService pool) {
            this.pool = pool;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (!request.decoderResult().isSuccess()) {
                respond(ctx, false, HttpResponseStatus.BAD_REQUEST, TEXT, BAD_REQUEST);
                return;
            }
            QueryStringDecoder query = new QueryStringDecoder(request.uri());
            String path = query.path();
            boolean known = switch (path) {
                case "/hello/async", "/hello/sync", "/sleep/sync", "/sleep/offload", "/cpu/sync" -> true;
                default -> path.startsWith("/items/");
            };
            if (!known) {
                respond(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, TEXT, NOT_FOUND);
                return;
            }
            if (!HttpMethod.GET.equals(request.method())) {
                respond(ctx, keepAlive, HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT, NOT_ALLOWED);
                return;
            }
            switch (path) {
                case "/hello/async" -> respond(ctx, keepAlive, HttpResponseStatus.OK, TEXT, HELLO);
                case "/hello/sync" -> offload(ctx, keepAlive, () -> HELLO);
                case "/sleep/sync", "/sleep/offload" -> {
                    Integer ms = intParam(query, "ms");
                    if (ms == null) {
                        respond(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, TEXT, BAD_REQUEST);
                        return;
                    }
                    offload(ctx, keepAlive, () -> {
                        Thread.sleep(ms);
                        return SLEPT;
                    });
                }
                case "/cpu/sync" -> {
                    Integer n = intParam(query, "n");
                    if (n == null) {
                        respond(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, TEXT, BAD_REQUEST);
                        return;
                    }
                    offload(ctx, keepAlive, () -> bytes(sha256Rounds(n)));
                }
                default -> item(ctx, keepAlive, query, path);
            }
        }

        /** E: {@code /items/{id}?q=...}, answered on the loop. */
        private void item(ChannelHandlerContext ctx, boolean keepAlive, QueryStringDecoder query, String path) {
            String rest = path.substring("/items/".length());
            if (rest.isEmpty() || rest.indexOf('/') >= 0) {
                respond(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, TEXT, NOT_FOUND);
                return;
            }
            int id;
            try {
                id = Integer.parseInt(rest);
            } catch (NumberFormatException e) {
                respond(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, TEXT, BAD_REQUEST);
                return;
            }
            List<String> q = query.parameters().get("q");
            if (q == null || q.isEmpty()) {
                respond(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, TEXT, BAD_REQUEST);
                return;
            }
            respond(ctx, keepAlive, HttpResponseStatus.OK, JSON, json.writeValueAsBytes(new Item(id, q.get(0), TAGS)));
        }

        /** Runs {@code work} on the pool and writes its body back on the channel's event loop. */
        private void offload(ChannelHandlerContext ctx, boolean keepAlive, Work work) {
            pool.execute(() -> {
                HttpResponseStatus status;
                byte[] body;
                try {
                    body = work.run();
                    status = HttpResponseStatus.OK;
                } catch (Exception e) {
                    body = SERVER_ERROR;
                    status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
                }
                HttpResponseStatus s = status;
                byte[] b = body;
                ctx.channel().eventLoop().execute(() -> respond(ctx, keepAlive, s, TEXT, b));
            });
        }

        private static Integer intParam(QueryStringDecoder query, String name) {
            List<String> values = query.parameters().get(name);
            if (values == null || values.isEmpty()) {
                return null;
            }
            try {
                return Integer.parseInt(values.get(0));
            } catch (NumberFormatException e) {
                return null;
            }
        }

        private static void respond(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status,
                AsciiString contentType, byte[] body) {
            FullHttpResponse response =
                    new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            HttpUtil.setKeepAlive(response, keepAlive);
            if (keepAlive) {
                ctx.writeAndFlush(response, ctx.voidPromise());
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
