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
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/** Builds the pipeline of each connection: idle timer, HTTP/1.1 codec with limits, body limit, handler. */
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
        ch.pipeline()
                .addLast("idle", new IdleStateHandler(0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                .addLast("codec", new HttpServerCodec(decoder))
                .addLast("body", new BodyLimit(config.maxBodySize(), server))
                .addLast("handler", new ConnectionHandler(server, config.maxPipelinedRequests(),
                        config.maxRequestLineLength(), config.maxHeaderSize(), config.maxBodySize()));
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

    /** Aggregates bodies up to the limit; past it, answers 413 with a sentence and closes. */
    private static final class BodyLimit extends HttpObjectAggregator {
        private final int max;
        private final Server server;

        BodyLimit(int max, Server server) {
            super(max, true);
            this.max = max;
            this.server = server;
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
