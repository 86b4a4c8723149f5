package dev.starling.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;

/**
 * Looks at the first bytes of a clear-text connection: the HTTP/2 connection preface turns it into an h2c
 * connection (prior knowledge); anything else leaves it HTTP/1.1, whose first request may still ask for h2c
 * by {@code Upgrade} (see {@link H2cUpgrade}). Either way it then steps aside, handing on what it read.
 */
final class PriorKnowledge extends ByteToMessageDecoder {

    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final Shared shared;

    PriorKnowledge(Shared shared) {
        this.shared = shared;
    }

    /** Returns true while it holds the connection's first bytes, a prefix of the preface: HTTP/2 or not is open. */
    boolean undecided() {
        return actualReadableBytes() > 0;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
        if (!ByteBufUtil.equals(PREFACE, PREFACE.readerIndex(), in, in.readerIndex(), n)) {
            ctx.pipeline().remove(this);
        } else if (n == PREFACE.readableBytes()) {
            Http2Setup.toHttp2(ctx.pipeline(), shared);
            ctx.pipeline().remove(this);
        }
        // Else a prefix of the preface: wait for more bytes.
    }
}
