package dev.starling.internal.http;

import dev.starling.Config;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a connection that speaks HTTP/2 (by prior knowledge, by {@code Upgrade: h2c}, or chosen by ALPN) into
 * one stream channel per request, each with the same request handling as an HTTP/1.1 connection: every stream
 * is a request like any other. The connection keeps Netty's HTTP/2 codec with Starling's limits.
 */
final class Http2Setup {

    // The connection's logger, as for HTTP/1.1: these lines are about the connection.
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);

    /** The HTTP/1.1 handlers a connection starts with, removed when it turns out to speak HTTP/2. */
    private static final List<String> HTTP1 = List.of("encoder", "codec", "unmark", "gzip", "chunked", "body", "handler");

    /** The concurrent streams one connection may open (SETTINGS_MAX_CONCURRENT_STREAMS). */
    static final int MAX_CONCURRENT_STREAMS = 100;

    private Http2Setup() {
    }

    /** Replaces the HTTP/1.1 handlers of {@code pipeline} with HTTP/2's, streams set up by {@code shared}. */
    static void toHttp2(ChannelPipeline pipeline, Shared shared) {
        removeHttp1(pipeline);
        // By prior knowledge, the clear-text upgrade handler is still there (an upgrade removes it itself).
        if (pipeline.get(H2cUpgrade.class) != null) {
            pipeline.remove(H2cUpgrade.class);
        }
        pipeline.addLast("h2", frameCodec(shared.config()));
        for (ChannelHandler handler : afterCodec(shared)) {
            pipeline.addLast(handler);
        }
    }

    /** Removes the HTTP/1.1 handlers of {@code pipeline}: the connection speaks HTTP/2 from now on. */
    static void removeHttp1(ChannelPipeline pipeline) {
        for (String name : HTTP1) {
            if (pipeline.get(name) != null) {
                pipeline.remove(name);
            }
        }
    }

    /** Returns a new HTTP/2 codec for one connection, with Starling's limits. */
    static Http2FrameCodec frameCodec(Config config) {
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                .maxHeaderListSize(config.maxHeaderSize());
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .validateHeaders(true)
                // A flood of HEADERS then RST_STREAM (CVE-2023-44487) closes the connection past 200 in 30 s.
                .decoderEnforceMaxRstFramesPerWindow(200, 30)
                .gracefulShutdownTimeoutMillis(config.shutdownGrace().toMillis())
                .build();
    }

    /** Returns the handlers that follow the codec on one connection: a stream channel per request, the idle close. */
    static ChannelHandler[] afterCodec(Shared shared) {
        return new ChannelHandler[] {
            new Http2MultiplexHandler(new StreamInitializer(shared)),
            // The connection closes once no frame has come or gone for the idle timeout while no stream is open.
            new IdleStateHandler(0, 0, shared.config().idleTimeout().toNanos(), TimeUnit.NANOSECONDS),
            new IdleClose()
        };
    }

    /** Sets up one stream: HTTP/2 frames as HTTP/1.1 objects, the body limit, chunked files, the request handler. */
    private static final class StreamInitializer extends ChannelInitializer<Channel> {
        private final Shared shared;

        StreamInitializer(Shared shared) {
            this.shared = shared;
        }

        @Override
        protected void initChannel(Channel stream) {
            ConnectionHandler handler = new ConnectionHandler(shared, false);
            stream.pipeline()
                    .addLast("codec", new Http2StreamFrameToHttpObjectCodec(true))
                    .addLast("chunked", new ChunkedWriteHandler())
                    .addLast("body", new BodyLimit(shared.config().maxBodySize(), shared.bodies(), handler))
                    .addLast("handler", handler);
        }
    }

    /**
     * Closes the connection when nothing happened on it for the idle timeout and no stream is open: a stream
     * whose answer takes longer is not idle, as a request in flight keeps an HTTP/1.1 connection. The last
     * handler of the connection, it also ends the errors that reach it.
     */
    private static final class IdleClose extends ChannelDuplexHandler {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A protocol error of the client's or a broken connection is what happens to clients, not a failure of
            // the server's to warn about. The codec reports a protocol error before it sends its GOAWAY and closes
            // the connection itself: closing here would cut that GOAWAY off.
            if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
                LOG.debug("HTTP/2 connection {} ends on a protocol error: {}", ctx.channel(), cause.toString());
                return;
            }
            if (cause instanceof IOException) {
                LOG.debug("HTTP/2 connection {} failed: {}", ctx.channel(), cause.toString());
            } else {
                LOG.warn("HTTP/2 connection {} failed and is closed.", ctx.channel(), cause);
            }
            ctx.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof IdleStateEvent) {
                Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
                if (codec == null || codec.connection().numActiveStreams() == 0) {
                    ctx.close();
                }
            } else {
                super.userEventTriggered(ctx, event);
            }
        }
    }
}
