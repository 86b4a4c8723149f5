package dev.starling.internal.http;

import dev.starling.Config;
import dev.starling.HttpException;
import dev.starling.WebSocketConnection;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionUtil;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Checks a request to a WebSocket route before anything of the route runs, then, once its parameters and
 * dependencies are ready, answers 101 with Netty's handshaker and turns the connection's pipeline from HTTP
 * into WebSocket frames: compression when the client offers it, UTF-8 checks, whole messages up to the limit,
 * the idle ping, and the {@link WebSocketSession}.
 */
final class WebSocketUpgrade {

    /**
     * The HTTP/1.1 handlers of a connection that a WebSocket no longer needs; the handshaker replaces the decoder
     * and removes the encoder.
     */
    private static final List<String> HTTP1 = List.of("unmark", "gzip", "chunked", "body", "handler");

    private WebSocketUpgrade() {
    }

    /** Returns why {@code exchange} cannot open a WebSocket, as the HTTP error to answer, or empty when it can. */
    static Optional<HttpException> refusal(Exchange exchange) {
        HttpHeaders headers = exchange.headers;
        if (exchange.ctx.pipeline().get(Http1Codec.Decoder.class) == null) {
            return Optional.of(new HttpException(400, "WebSockets are opened over HTTP/1.1, and this request came "
                    + "over HTTP/2; connect to " + exchange.path() + " with HTTP/1.1."));
        }
        // RFC 9110 section 7.8: the Upgrade of an HTTP/1.0 request is ignored.
        if (exchange.connection.http10() || !headers.containsValue(HttpHeaderNames.UPGRADE, "websocket", true)
                || !headers.containsValue(HttpHeaderNames.CONNECTION, "upgrade", true)) {
            return Optional.of(new HttpException(426, exchange.path() + " is a WebSocket endpoint; open it with a "
                    + "WebSocket upgrade (Connection: Upgrade, Upgrade: websocket).",
                    Map.of("upgrade", "websocket", "connection", "Upgrade")));
        }
        String version = headers.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
        if (!"13".equals(version)) {
            return Optional.of(new HttpException(426, "WebSocket version " + (version == null ? "(none)" : version)
                    + " is not supported; send Sec-WebSocket-Version: 13.",
                    Map.of("upgrade", "websocket", "sec-websocket-version", "13")));
        }
        if (!headers.contains(HttpHeaderNames.SEC_WEBSOCKET_KEY)) {
            return Optional.of(new HttpException(400, "A WebSocket upgrade needs a Sec-WebSocket-Key header."));
        }
        if (exchange.connection.shared().inFlight().draining()) {
            return Optional.of(new HttpException(503, "The server is shutting down, so it opens no WebSocket.",
                    Map.of("retry-after", "1")));
        }
        if (exchange.connection.pipelinedAfter()) {
            return Optional.of(new HttpException(400, "A WebSocket upgrade must be the last request sent on its "
                    + "connection, but more came after it."));
        }
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        // The host the client asked for: behind a trusted proxy, the one it forwarded.
        if (origin != null && !allowed(origin, exchange.host(),
                exchange.connection.shared().config().webSocketOrigins())) {
            return Optional.of(new HttpException(403, "The origin " + origin + " may not open a WebSocket on this "
                    + "server; allow it with Config.Builder.webSocketOrigins."));
        }
        return Optional.empty();
    }

    /** Same origin (the Origin's host and port are the request's host), a listed origin, or any when * is listed. */
    private static boolean allowed(String origin, String host, List<String> origins) {
        String o = origin.toLowerCase(Locale.ROOT);
        if (origins.contains("*") || origins.contains(o)) {
            return true;
        }
        int scheme = o.indexOf("://");
        return scheme > 0 && host != null && o.substring(scheme + 3).equals(host.toLowerCase(Locale.ROOT));
    }

    /**
     * Answers 101 and sets the connection up for WebSocket frames; the stage completes with the open socket once
     * the 101 is written, or fails when the client went away first. Runs on the loop.
     */
    static CompletableFuture<WebSocketConnection> accept(Exchange exchange) {
        Config config = exchange.connection.shared().config();
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, exchange.uri,
                Unpooled.EMPTY_BUFFER, exchange.headers, DefaultHttpHeaders.EMPTY_HEADERS);
        WebSocketServerExtension deflate = config.webSocketCompression() ? deflate(exchange.headers, config) : null;
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(config.webSocketMaxMessageSize())
                // RSV bits mean something only when an extension was agreed; else they fail the connection (1002).
                .allowExtensions(deflate != null)
                .closeOnProtocolViolation(true)
                .build();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(exchange.uri, null, decoder)
                .newHandshaker(request);
        HttpHeaders extra = new DefaultHttpHeaders();
        if (deflate != null) {
            WebSocketExtensionData data = deflate.newReponseData();
            StringBuilder value = new StringBuilder(data.name());
            data.parameters().forEach((k, v) -> value.append("; ").append(k).append(v == null ? "" : "=" + v));
            extra.set(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, value.toString());
        }
        ChannelPipeline p = exchange.ctx.pipeline();
        WebSocketSession session = exchange.session();
        exchange.status = 101;
        CompletableFuture<WebSocketConnection> open = new CompletableFuture<>();
        handshaker.handshake(exchange.ctx.channel(), request, extra, exchange.ctx.newPromise()).addListener(f -> {
            if (f.isSuccess()) {
                session.opened();
                open.complete(session);
            } else {
                open.completeExceptionally(f.cause());
            }
        });
        for (String name : HTTP1) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
        // Reading may have paused for pipelined HTTP requests; the socket reads frames from now on.
        exchange.ctx.channel().config().setAutoRead(true);
        int sendBuffer = config.webSocketSendBuffer();
        exchange.ctx.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(sendBuffer / 2, sendBuffer));
        if (deflate != null) {
            p.addLast("wsdeflate", deflate.newExtensionEncoder());
            p.addLast("wsinflate", deflate.newExtensionDecoder());
        }
        long idle = config.webSocketIdleTimeout().toNanos() / 2;
        p.addLast("wsutf8", new Utf8FrameValidator(true))
                .addLast("wsmessages", new WebSocketFrameAggregator(config.webSocketMaxMessageSize()))
                .addLast("wsidle", new IdleStateHandler(idle, 0, 0, TimeUnit.NANOSECONDS))
                .addLast("ws", session);
        return open;
    }

    /** Negotiates permessage-deflate from the client's offers; null when it offered none Netty accepts. */
    private static WebSocketServerExtension deflate(HttpHeaders headers, Config config) {
        String offered = headers.get(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);
        if (offered == null) {
            return null;
        }
        // The last argument bounds what one compressed frame may inflate to: no decompression bomb.
        PerMessageDeflateServerExtensionHandshaker deflate = new PerMessageDeflateServerExtensionHandshaker(6,
                false, PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE, false, false,
                config.webSocketMaxMessageSize());
        for (WebSocketExtensionData data : WebSocketExtensionUtil.extractExtensions(offered)) {
            WebSocketServerExtension accepted = deflate.handshakeExtension(data);
            if (accepted != null) {
                return accepted;
            }
        }
        return null;
    }
}
