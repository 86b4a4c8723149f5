package dev.starling.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.util.ReferenceCountUtil;

/**
 * Aggregates bodies up to the limit; past it, answers 413 with a sentence and closes. Requests that are
 * refused before their body is read (over the limit by their content-length, an expectation other than
 * 100-continue, a transfer coding other than chunked) reach the connection handler as failed requests, so
 * that their refusal is answered in turn, after the requests pipelined before them. It also tells the
 * connection when a request's headers are complete, which starts the body's time limit. Each body's bytes are
 * taken from the server's {@link BodyBudget} as they arrive; a whole body's are handed to the connection with it
 * (its exchange gives them back when it is over), a discarded one's are given back here; a body that would pass
 * the budget is refused with 503 and the connection closed.
 */
final class BodyLimit extends HttpObjectAggregator {
    private final int max;
    private final BodyBudget budget;
    /** The bytes of the body being received that this connection has taken from the budget. */
    private long held;
    /** A body was refused for the budget: everything after it on this connection is dropped. */
    private boolean overBudget;
    /** Why the message at hand is refused, from newContinueResponse to handleOversizedMessage. */
    private Refused refusal;
    private final ConnectionHandler connection;

    BodyLimit(int max, BodyBudget budget, ConnectionHandler connection) {
        super(max, true);
        this.max = max;
        this.budget = budget;
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (overBudget) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpContent content && !(msg instanceof FullHttpMessage)) {
            int bytes = content.content().readableBytes();
            if (bytes > 0 && !budget.take(bytes)) {
                overBudget = true;
                ReferenceCountUtil.release(msg);
                releaseCurrentMessage();
                giveBack();
                DefaultFullHttpRequest failed = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/",
                        Unpooled.EMPTY_BUFFER);
                failed.setDecoderResult(DecoderResult.failure(new Refused(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "The server is receiving too many request bodies at once; send this one again later.")));
                ctx.fireChannelRead(failed);
                return;
            }
            held += bytes;
        }
        try {
            super.channelRead(ctx, msg);
        } finally {
            if (msg instanceof LastHttpContent) {
                giveBack();   // a body discarded (oversized) rather than handed on in finishAggregation
            }
        }
    }

    @Override
    protected void finishAggregation(FullHttpMessage aggregated) throws Exception {
        super.finishAggregation(aggregated);
        connection.bodyBudgeted(held);   // the connection, then the request's exchange, gives them back
        held = 0;
    }

    private void giveBack() {
        budget.giveBack(held);
        held = 0;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        giveBack();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        giveBack();
        super.handlerRemoved(ctx);
    }

    @Override
    protected FullHttpMessage beginAggregation(HttpMessage start, ByteBuf content)
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
                    refusal = new Refused(HttpResponseStatus.NOT_IMPLEMENTED,
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
            refusal = new Refused(HttpResponseStatus.EXPECTATION_FAILED,
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
