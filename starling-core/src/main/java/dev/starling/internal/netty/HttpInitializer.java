package dev.starling.internal.netty;

import dev.starling.Config;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
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
public final class HttpInitializer extends ChannelInitializer<Channel> {

    private final Server server;
    private final Config config;
    private final ChannelGroup channels;

    public HttpInitializer(Server server, Config config, ChannelGroup channels) {
        this.server = server;
        this.config = config;
        this.channels = channels;
    }

    // Any channel, not only a SocketChannel: the fuzz tests drive this pipeline through an EmbeddedChannel.
    @Override
    protected void initChannel(Channel ch) {
        channels.add(ch);
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(config.maxRequestLineLength())
                .setMaxHeaderSize(config.maxHeaderSize())
                .setMaxChunkSize(64 * 1024);
        ConnectionHandler handler = new ConnectionHandler(server, config);
        ch.pipeline()
                .addLast("codec", new HttpServerCodec(decoder))
                .addLast("body", new BodyLimit(config.maxBodySize(), handler))
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
     * Aggregates bodies up to the limit; past it, answers 413 with a sentence and closes. Requests that are
     * refused before their body is read (over the limit by their content-length, an expectation other than
     * 100-continue, a transfer coding other than chunked) reach the connection handler as failed requests, so
     * that their refusal is answered in turn, after the requests pipelined before them. It also tells the
     * connection when a request's headers are complete, which starts the body's time limit.
     */
    private static final class BodyLimit extends HttpObjectAggregator {
        private final int max;
        /** Why the message at hand is refused, from newContinueResponse to handleOversizedMessage. */
        private ConnectionHandler.Refused refusal;
        private final ConnectionHandler connection;

        BodyLimit(int max, ConnectionHandler connection) {
            super(max, true);
            this.max = max;
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
        protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
            if (start.decoderResult().isFailure()) {
                return null;   // answered 400 by the connection handler, with no 100 Continue first
            }
            HttpHeaders headers = start.headers();
            String codings = headers.get(HttpHeaderNames.TRANSFER_ENCODING);
            if (codings != null) {
                // The decoder has checked that chunked comes last, once: anything else is a coding we cannot undo.
                for (String coding : codings.split(",")) {
                    if (!coding.isBlank() && !coding.trim().equalsIgnoreCase("chunked")) {
                        refusal = new ConnectionHandler.Refused(HttpResponseStatus.NOT_IMPLEMENTED,
                                "The transfer coding '" + coding.trim() + "' is not supported; send the body with "
                                        + "chunked alone or with a content-length.");
                        return null;
                    }
                }
            }
            String expect = headers.get(HttpHeaderNames.EXPECT);
            if (expect == null || start.protocolVersion().compareTo(HttpVersion.HTTP_1_1) < 0) {
                return null;
            }
            if (!expect.trim().equalsIgnoreCase("100-continue")) {
                refusal = new ConnectionHandler.Refused(HttpResponseStatus.EXPECTATION_FAILED,
                        "The expectation '" + expect.trim() + "' is not supported; only 100-continue is.");
                return null;
            }
            if (HttpUtil.getContentLength(start, -1L) > maxContentLength) {
                return null;   // no 100 Continue: the body is refused by its length, see isContentLengthInvalid
            }
            return super.newContinueResponse(start, maxContentLength, pipeline);
        }

        @Override
        protected boolean isContentLengthInvalid(HttpMessage start, int maxContentLength) {
            return refusal != null || super.isContentLengthInvalid(start, maxContentLength);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            Exception cause = refusal != null ? refusal : new TooLongHttpContentException("body over " + max);
            refusal = null;
            DefaultFullHttpRequest failed = new DefaultFullHttpRequest(
                    HttpVersion.HTTP_1_1, HttpMethod.GET, "/",
                    Unpooled.EMPTY_BUFFER);
            failed.setDecoderResult(DecoderResult.failure(cause));
            ctx.fireChannelRead(failed);
        }
    }
}
