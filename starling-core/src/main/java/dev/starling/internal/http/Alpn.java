package dev.starling.internal.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;

/** Once the TLS handshake has chosen the protocol (ALPN): HTTP/2 for {@code h2}, else HTTP/1.1 as built. */
final class Alpn extends ApplicationProtocolNegotiationHandler {

    private final Shared shared;

    Alpn(Shared shared) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.shared = shared;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            Http2Setup.toHttp2(ctx.pipeline(), shared);
        }
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        // Not TLS, or a handshake that timed out: what happens to clients, not a fault to warn about.
        ctx.fireExceptionCaught(cause);
        ctx.close();
    }
}
