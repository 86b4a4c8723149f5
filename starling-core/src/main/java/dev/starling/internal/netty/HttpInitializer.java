package dev.starling.internal.netty;

import dev.starling.Config;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpContentException;

/**
 * Builds the pipeline of each connection: HTTP/1.1 codec with limits, body limit, and the connection handler,
 * which keeps the connection's timers (idle, slow requests, slow readers).
 */
public final class HttpInitializer extends ChannelInitializer<SocketChannel> {

    private final Server server;
    private final Config config;
    private final ChannelGroup channels;

    public HttpInitializer(Server server, Config config, ChannelGroup channels) {
        this.server = server;
        this.config = config;
        this.channels = channels;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        channels.add(ch);
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(config.maxRequestLineLength())
                .setMaxHeaderSize(config.maxHeaderSize())
                .setMaxChunkSize(64 * 1024);
        ConnectionHandler handler = new ConnectionHandler(server, config);
        ch.pipeline()
                .addLast("codec", new HttpServerCodec(decoder))
                .addLast("body", new BodyLimit(config.maxBodySize(), server, handler))
                .addLast("handler", handler);
        config.gzip().ifPresent(minimum -> {
            // Between the codec and the rest: it sees requests' accept-encoding and compresses response bodies;
            // file regions pass it untouched, their heads marked so that it leaves them alone.
            ch.pipeline().addAfter("codec", "unmark", new Unmark());
            ch.pipeline().addAfter("unmark", "gzip", new io.netty.handler.codec.http.HttpContentCompressor(minimum,
                    io.netty.handler.codec.compression.StandardCompressionOptions.gzip(),
                    io.netty.handler.codec.compression.StandardCompressionOptions.deflate()));
        });
    }

    /** Asks the connection to close now when idle, else after its current response; safe from any thread. */
    public static void closeWhenIdle(Channel channel) {
        channel.eventLoop().execute(() -> {
            ConnectionHandler handler = channel.pipeline().get(ConnectionHandler.class);
            if (handler != null) {
                handler.closeWhenIdle();
            } else {
                channel.close();
            }
        });
    }

    /** Marks a response head that must not be compressed (a file sent zero-copy). */
    static void notCompressed(io.netty.handler.codec.http.HttpResponse head) {
        // The compressor leaves alone any response that already names an encoding.
        head.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_ENCODING, UNMARKED);
    }

    private static final String UNMARKED = "identity";

    /** Removes the mark once the compressor has passed the head, so that clients never see it. */
    private static final class Unmark extends io.netty.channel.ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise)
                throws Exception {
            if (msg instanceof io.netty.handler.codec.http.HttpResponse head
                    && UNMARKED.equals(head.headers().get(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_ENCODING))) {
                head.headers().remove(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_ENCODING);
            }
            ctx.write(msg, promise);
        }
    }

    /**
     * Aggregates bodies up to the limit; past it, answers 413 with a sentence and closes. It also tells the
     * connection when a request's headers are complete, which starts the body's time limit.
     */
    private static final class BodyLimit extends HttpObjectAggregator {
        private final int max;
        private final Server server;
        private final ConnectionHandler connection;

        BodyLimit(int max, Server server, ConnectionHandler connection) {
            super(max, true);
            this.max = max;
            this.server = server;
            this.connection = connection;
        }

        @Override
        protected io.netty.handler.codec.http.FullHttpMessage beginAggregation(HttpMessage start,
                                                                              io.netty.buffer.ByteBuf content)
                throws Exception {
            connection.headersRead();
            return super.beginAggregation(start, content);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            DefaultFullHttpRequest failed = new DefaultFullHttpRequest(
                    HttpVersion.HTTP_1_1, HttpMethod.GET, "/",
                    Unpooled.EMPTY_BUFFER);
            failed.setDecoderResult(DecoderResult.failure(
                    new TooLongHttpContentException("body over " + max)));
            ctx.fireChannelRead(failed);
        }

        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength,
                                             ChannelPipeline pipeline) {
            if (HttpUtil.is100ContinueExpected(start)
                    && HttpUtil.getContentLength(start, -1L) > maxContentLength) {
                start.headers().remove(HttpHeaderNames.EXPECT);
                FullHttpResponse response = Results.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                        "The request body is larger than the limit of " + max + " bytes.", server.json());
                HttpUtil.setContentLength(response, response.content().readableBytes());
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                return response;
            }
            return super.newContinueResponse(start, maxContentLength, pipeline);
        }
    }
}
