package dev.starling.internal.http;

import io.netty.buffer.ByteBufUtil;
import dev.starling.Config;
import dev.starling.internal.concurrent.Observers;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per connection: reads whole requests, answers them one at a time in order (pipelined requests wait
 * in a bounded queue), turns decode failures into 400/414/431, cancels the request's work when the client
 * goes away; its {@link ConnectionTimers} close it when idle and bound slow clients.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);

    private final Shared shared;
    private final int maxPipelined;
    private final int maxLine;
    private final int maxHeaders;
    private final int maxBody;
    /** Requests waiting behind the current one, in order; a FullHttpResponse is a refusal that ends the queue. */
    private final ArrayDeque<Object> pending = new ArrayDeque<>(2);
    private ChannelHandlerContext ctx;
    private Exchange current;
    private boolean refused;
    /**
     * The connection ends with the current request (it asked for close, or its answer closes the connection):
     * requests read after it are not processed (RFC 9112 section 9.6), not even those the decoder hands on as the
     * connection closes.
     */
    private boolean last;
    /** The body budget's bytes BodyLimit has handed over for the request it passes on next; on the loop. */
    private long bodyBudgeted;
    private boolean http10;
    private boolean closeWhenIdle;
    /** HTTP/1.x, whose requests RFC 9112 makes carry one Host; false on an HTTP/2 stream (RFC 9113 rules there). */
    private final boolean http1;
    private final ConnectionTimers timers;

    ConnectionHandler(Shared shared, boolean http1) {
        this.shared = shared;
        this.http1 = http1;
        Config config = shared.config();
        this.maxPipelined = config.maxPipelinedRequests();
        this.maxLine = config.maxRequestLineLength();
        this.maxHeaders = config.maxHeaderSize();
        this.maxBody = config.maxBodySize();
        this.timers = new ConnectionTimers(this, config);
    }

    Shared shared() {
        return shared;
    }

    boolean http10() {
        return http10;
    }

    /** Returns true while a request is being answered or waits to be. */
    boolean busy() {
        return current != null || !pending.isEmpty();
    }

    /** Returns true when requests (or a refusal) wait behind the current one: a WebSocket upgrade must be last. */
    boolean pipelinedAfter() {
        return !pending.isEmpty() || refused;
    }

    /** Returns true once the connection ends with the request it is answering: nothing read after it counts. */
    boolean ending() {
        return last;
    }

    /** Returns true once the connection has refused a request: it ends with that answer. */
    boolean refused() {
        return refused;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        timers.start(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        timers.readComplete(refused);
        ctx.fireChannelReadComplete();
    }

    /** The headers of the request being read are complete; called by the body aggregator, once per request. */
    void headersRead() {
        timers.headersRead();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        timers.requestRead();
        long budgeted = bodyBudgeted;   // the body budget's bytes for this request's body, from BodyLimit
        bodyBudgeted = 0;
        if (!(msg instanceof FullHttpRequest request) || refused || last) {
            shared.bodies().giveBack(budgeted);
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (request.decoderResult().isFailure()) {
                reject(request.decoderResult().cause());
                return;
            }
            HttpVersion version = request.protocolVersion();
            if (!version.protocolName().equals("HTTP") || version.majorVersion() != 1) {
                refuse(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                        version.text() + " is not supported; send HTTP/1.1.");
                return;
            }
            if (current != null && pending.size() >= maxPipelined) {
                // Reading has paused, but one read can hold many more requests: past the limit none is queued.
                refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "Too many pipelined requests: at most "
                        + maxPipelined + " may wait on one connection.");
                return;
            }
            http10 = version.equals(HttpVersion.HTTP_1_0);
            if (http1) {
                // RFC 9112 section 3.2: without one Host, valid, a request names no resource for sure.
                String host = HostHeader.problem(request.headers(), !http10);
                if (host != null) {
                    refuse(HttpResponseStatus.BAD_REQUEST, host);
                    return;
                }
                // RFC 9112 section 3.2.2: the Host of an absolute-form target is ignored, its authority stands; so
                // whatever reads Host (TrustedHosts, the app) judges the host the request is for.
                String authority = RequestTarget.authority(request.uri());
                if (authority != null) {
                    request.headers().set(HttpHeaderNames.HOST, authority);
                }
            }
            Exchange exchange = new Exchange(this, ctx, request.method().name(), request.uri(), request.headers(),
                    ByteBufUtil.getBytes(request.content()), HttpUtil.isKeepAlive(request));
            last = !exchange.keepAlive;
            exchange.budgeted = budgeted;   // its body stays on the heap until the exchange is over
            budgeted = 0;
            if (current == null) {
                begin(exchange);
            } else {
                pending.addLast(exchange);
                if (pending.size() >= maxPipelined) {
                    ctx.channel().config().setAutoRead(false);
                }
            }
        } finally {
            shared.bodies().giveBack(budgeted);
            request.release();
        }
    }

    /** BodyLimit hands over the budget taken for the body of the request it passes on next. */
    void bodyBudgeted(long bytes) {
        bodyBudgeted = bytes;
    }

    private void reject(Throwable cause) {
        // The decoder discards everything after a bad message, so the connection ends with this answer.
        Refused refusal = ErrorResponses.decodeFailure(cause, maxLine, maxHeaders, maxBody);
        refuse(refusal.status, refusal.getMessage());
    }

    /** Answers with {@code status} and {@code detail} after every request read before, then closes. */
    void refuse(HttpResponseStatus status, String detail) {
        FullHttpResponse response = ErrorResponses.error(status, detail, shared.json());
        HttpUtil.setContentLength(response, response.content().readableBytes());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        response.headers().set(HttpHeaderNames.DATE, HttpDate.now());
        refuseAfterPending(response);
    }

    /** Answers {@code response} after every request read before it, then closes; later requests are dropped. */
    private void refuseAfterPending(FullHttpResponse response) {
        refused = true;
        if (!ctx.channel().isActive()) {
            // The client has gone: the decoder reports its unfinished request as the connection closes. There is
            // nobody to answer, and counting a 400 would tell the observers of an answer nobody received.
            response.release();
            return;
        }
        // A refusal is an answer too: observers count it, with no route since none was matched.
        shared.observer().ifPresent(o -> Observers.requestEnded(o, "UNKNOWN",
                "unmatched", response.status().code(), 0L));
        ctx.channel().config().setAutoRead(false);
        if (current == null) {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            pending.addLast(response);
        }
    }

    private void begin(Exchange exchange) {
        current = exchange;
        shared.inFlight().started();
        try {
            shared.port().handle(exchange);
        } catch (Throwable t) {
            exchange.fail(t);
        }
    }

    /** The response of {@code exchange} has been written; serve the next pipelined request or close. */
    void finished(Exchange exchange, boolean close) {
        if (exchange != current) {
            return;
        }
        current = null;
        timers.responseEnded();
        exchange.over();
        shared.inFlight().done();
        if (close) {
            last = true;
            ctx.close();
            return;
        }
        Object next = pending.pollFirst();
        if (next instanceof FullHttpResponse refusal) {
            ctx.writeAndFlush(refusal).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!refused && !ctx.channel().config().isAutoRead() && pending.size() < maxPipelined) {
            ctx.channel().config().setAutoRead(true);
        }
        if (next instanceof Exchange following) {
            begin(following);
        } else if (closeWhenIdle) {
            ctx.close();
        }
    }

    /** Shutdown has begun: close now when idle, else after the current response. */
    void closeWhenIdle() {
        closeWhenIdle = true;
        if (current == null) {
            ctx.close();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Removed from a connection that turned out to speak HTTP/2: its timers must not close that connection.
        timers.stop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // A closed connection's checks would otherwise keep this handler in the loop's queue for their timeouts.
        timers.stop();
        Exchange gone = current;
        current = null;
        for (Object waiting : pending) {
            if (waiting instanceof Exchange queued) {
                queued.giveBackBody();
            }
            ReferenceCountUtil.release(waiting);
        }
        pending.clear();
        if (gone != null) {
            gone.cancel();
            gone.over();
            shared.inFlight().done();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && current != null) {
            current.writable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A connection closed in the middle of a request (by the client, or by the idle timeout while a body is
        // awaited) is what happens to clients, not a failure of the server's to warn about with a stack trace.
        if (cause instanceof IOException || cause instanceof DecoderException
                || cause instanceof PrematureChannelClosureException) {
            LOG.debug("Connection {} failed: {}", ctx.channel(), cause.toString());
        } else {
            LOG.warn("Connection {} failed and is closed.", ctx.channel(), cause);
        }
        ctx.close();
    }
}
