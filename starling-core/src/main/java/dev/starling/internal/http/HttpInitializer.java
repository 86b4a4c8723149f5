package dev.starling.internal.http;

import dev.starling.Config;
import dev.starling.Tls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedWriteHandler;

/**
 * Builds the pipeline of each connection: TLS when the server serves HTTPS, the HTTP/1.1 codec with limits, the
 * body limit, and the connection handler, which keeps the connection's timers (idle, slow requests, slow
 * readers). A connection that speaks HTTP/2 (chosen by ALPN; on clear text the h2c preface, or a first request
 * with {@code Upgrade: h2c}) turns into one such request pipeline per stream (see {@link Http2Setup}).
 */
public final class HttpInitializer extends ChannelInitializer<Channel> {

    private final Shared shared;
    private final Config config;
    private final ChannelGroup channels;
    /** The TLS context when the server serves HTTPS; null for clear-text HTTP. Replaced by {@link #tls(Tls)}. */
    private volatile SslContext tls;

    /** Builds connections that share {@code shared} and join {@code channels}. */
    public HttpInitializer(Shared shared, ChannelGroup channels) {
        this.shared = shared;
        this.config = shared.config();
        this.channels = channels;
        this.tls = config.tls().map(TlsContexts::of).orElse(null);
    }

    /** Serves the connections accepted from now on with {@code identity}; open ones keep the one they have. */
    void tls(Tls identity) {
        this.tls = TlsContexts.of(identity);
    }

    // Any channel, not only a SocketChannel: the fuzz tests drive this pipeline through an EmbeddedChannel.
    @Override
    protected void initChannel(Channel ch) {
        SslContext tls = this.tls;
        channels.add(ch);
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(config.maxRequestLineLength())
                .setMaxHeaderSize(config.maxHeaderSize())
                .setMaxChunkSize(64 * 1024)
                // Netty's defaults, set so that no upgrade loosens them: a bare LF ends no line (RFC 9112 2.2), and
                // a Transfer-Encoding not ending in chunked, or beside Content-Length, is a framing error (6.1, 6.3).
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true);
        ConnectionHandler handler = new ConnectionHandler(shared, true);
        if (tls != null) {
            SslHandler handshake = tls.newHandler(ch.alloc());
            handshake.setHandshakeTimeoutMillis(config.tlsHandshakeTimeout().toMillis());
            ch.pipeline().addLast("tls", handshake).addLast("alpn", new Alpn(shared));
        } else {
            ch.pipeline().addLast("prior", new PriorKnowledge(shared));
        }
        Http1Codec.addTo(ch.pipeline(), decoder, config.maxPipelinedRequests());
        ch.pipeline()
                .addLast("body", new BodyLimit(config.maxBodySize(), shared.bodies(), handler))
                .addLast("handler", handler);
        if (tls != null) {
            // A file cannot pass TLS as a zero-copy region: it is written in chunks (see FileWriter).
            ch.pipeline().addAfter("codec", "chunked", new ChunkedWriteHandler());
        }
        config.gzip().ifPresent(minimum -> {
            // Between the codec and the rest: it sees requests' accept-encoding and compresses response bodies;
            // file regions pass it untouched, their heads marked so that it leaves them alone.
            ch.pipeline().addAfter("codec", "unmark", new Unmark());
            ch.pipeline().addAfter("unmark", "gzip", new HttpContentCompressor(minimum,
                    StandardCompressionOptions.gzip(), StandardCompressionOptions.deflate()));
        });
        if (tls == null) {
            // Right behind the codec: the 101 and the upgrade request pass nothing else (see H2cUpgrade).
            ch.pipeline().addAfter("codec", "upgrade", new H2cUpgrade(shared));
        }
    }

    /**
     * Asks the connection to close now when idle, else after its current response (a WebSocket is sent 1001);
     * safe from any thread.
     */
    public static void closeWhenIdle(Channel channel) {
        channel.eventLoop().execute(() -> {
            ConnectionHandler handler = channel.pipeline().get(ConnectionHandler.class);
            WebSocketSession socket = channel.pipeline().get(WebSocketSession.class);
            if (handler != null) {
                handler.closeWhenIdle();
            } else if (socket != null) {
                socket.goingAway();
            } else {
                channel.close();
            }
        });
    }

    /** Marks a response head that must not be compressed (a file sent zero-copy). */
    static void notCompressed(HttpResponse head) {
        // The compressor leaves alone any response that already names an encoding.
        head.headers().set(HttpHeaderNames.CONTENT_ENCODING, UNMARKED);
    }

    private static final String UNMARKED = "identity";

    /** Removes the mark once the compressor has passed the head, so that clients never see it. */
    private static final class Unmark extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
                throws Exception {
            if (msg instanceof HttpResponse head
                    && UNMARKED.equals(head.headers().get(HttpHeaderNames.CONTENT_ENCODING))) {
                head.headers().remove(HttpHeaderNames.CONTENT_ENCODING);
            }
            ctx.write(msg, promise);
        }
    }
}
