package dev.starling.internal.http;

import io.netty.buffer.ByteBufUtil;
import dev.starling.Config;
import dev.starling.internal.Durations;
import dev.starling.internal.concurrent.Observers;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.util.concurrent.Future;
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
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per connection: reads whole requests, answers them one at a time in order (pipelined requests wait
 * in a bounded queue), turns decode failures into 400/414/431, cancels the request's work when the client
 * goes away, and closes the connection once it has been idle (no request in flight, no bytes arriving) for the
 * idle timeout.
 *
 * <p>Slow clients are bounded without a timer per request: a request that does not arrive in one read gets
 * one deadline (its headers, then its body: 408), and the connection's periodic check closes it when a
 * response waits to be sent and none of it has drained since the previous check.
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
    private boolean http10;
    private boolean closeWhenIdle;
    // Idle tracking without a handler of its own: Netty's IdleStateHandler adds a listener to every write,
    // which cost 6% of a hello-world request. A response that ends stamps the time; reads only set flags.
    private final long idleNanos;
    private long idleSince;
    private boolean requestRead;
    private boolean partialRead;
    private Future<?> idleCheck;
    // Slow requests: a request read in one go (the common case) arms nothing. One that needs more reads gets a
    // deadline when its first partial read completes: for its headers, or for its body once they are in.
    private final long headerNanos;
    private final long bodyNanos;
    /** The headers of the request being read are complete (set by the body aggregator, once per request). */
    private boolean headRead;
    /** The deadline of the request being read, when it did not arrive in one read; null otherwise. */
    private Future<?> readDeadline;
    /** The armed deadline is the body's (from the end of the headers), not the headers'. */
    private boolean readingBody;
    // Slow readers: the periodic check compares the head of the outbound buffer with what it saw last time.
    private final long writeNanos;
    /** The first unsent message when the check last looked, with how much of it was sent and all that waited. */
    private Object unsentHead;
    private long unsentProgress;
    private long unsentBytes;
    /** When the check first saw the outbound buffer as it is now (a stall counts from then). */
    private long unsentSince;

    ConnectionHandler(Shared shared) {
        this.shared = shared;
        Config config = shared.config();
        this.maxPipelined = config.maxPipelinedRequests();
        this.maxLine = config.maxRequestLineLength();
        this.maxHeaders = config.maxHeaderSize();
        this.maxBody = config.maxBodySize();
        this.idleNanos = config.idleTimeout().toNanos();
        this.headerNanos = config.requestHeaderTimeout().toNanos();
        this.bodyNanos = config.requestBodyTimeout().toNanos();
        this.writeNanos = config.responseWriteTimeout().toNanos();
    }

    Shared shared() {
        return shared;
    }

    boolean http10() {
        return http10;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        idleSince = System.nanoTime();
        idleCheck = ctx.executor().schedule(this::checkIdle, Math.min(idleNanos, writeNanos), TimeUnit.NANOSECONDS);
    }

    /**
     * Closes the connection when nothing has happened on it for the idle timeout, or when none of a response
     * waiting to be sent has drained since the last look; else looks again later (at least once per response
     * write timeout).
     */
    private void checkIdle() {
        if (!ctx.channel().isActive()) {
            return;
        }
        long delay = idleNanos;
        if (current == null && pending.isEmpty() && !partialRead) {
            long idle = System.nanoTime() - idleSince;
            if (idle >= idleNanos) {
                ctx.close();
                return;
            }
            delay = idleNanos - idle;
        }
        // Bytes of an unfinished request arrived since the last look: it is not idle, look a full period later.
        partialRead = false;
        if (stalled()) {
            LOG.debug("Connection {} took none of its response for {}; it is closed.", ctx.channel(),
                    Durations.describe(writeNanos));
            ctx.close();
            return;
        }
        idleCheck = ctx.executor().schedule(this::checkIdle, Math.min(delay, writeNanos), TimeUnit.NANOSECONDS);
    }

    /**
     * Returns true when the socket took nothing since the last look while bytes waited to be sent: the same
     * message heads the outbound buffer, as far sent as then, with as many bytes behind it. Each message sent
     * (a stream's item, a response) or a part of one changes that, so a client that reads at all is never cut.
     */
    private boolean stalled() {
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        Object head = out == null ? null : out.current();
        if (head == null) {
            unsentHead = null;
            return false;
        }
        long progress = out.currentProgress();
        long bytes = out.totalPendingWriteBytes();
        long now = System.nanoTime();
        if (head == unsentHead && progress == unsentProgress && bytes == unsentBytes) {
            // The check may run more often than the write timeout (every idle timeout): a stall must last it.
            return now - unsentSince >= writeNanos;
        }
        unsentSince = now;
        unsentHead = head;
        unsentProgress = progress;
        unsentBytes = bytes;
        return false;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!requestRead) {
            partialRead = true;
            if (readDeadline == null && !refused) {
                // Part of a request arrived and no whole one: from now on its headers (or its body) are timed.
                readingBody = headRead;
                readDeadline = ctx.executor().schedule(this::readTimedOut, headRead ? bodyNanos : headerNanos,
                        TimeUnit.NANOSECONDS);
            }
        }
        requestRead = false;
        ctx.fireChannelReadComplete();
    }

    /** The headers of the request being read are complete; called by the body aggregator, once per request. */
    void headersRead() {
        headRead = true;
        if (readDeadline != null && !readingBody) {
            // The headers came in time: the body's limit starts now.
            readDeadline.cancel(false);
            readingBody = true;
            readDeadline = ctx.executor().schedule(this::readTimedOut, bodyNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The request being read did not arrive in time: 408 after the requests before it, then close. */
    private void readTimedOut() {
        readDeadline = null;
        if (!ctx.channel().isActive() || refused) {
            return;
        }
        if (!ctx.channel().config().isAutoRead()) {
            // Reading is paused by the server (pipelined requests wait): the client is not the slow one.
            readDeadline = ctx.executor().schedule(this::readTimedOut, readingBody ? bodyNanos : headerNanos,
                    TimeUnit.NANOSECONDS);
            return;
        }
        LOG.debug("Connection {} did not send the {} of a request in time; it gets 408.", ctx.channel(),
                readingBody ? "body" : "headers");
        refuse(HttpResponseStatus.REQUEST_TIMEOUT, readingBody
                ? "The request body did not arrive within " + Durations.describe(bodyNanos) + "."
                : "The request headers did not arrive within " + Durations.describe(headerNanos) + ".");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        requestRead = true;
        headRead = false;
        if (readDeadline != null) {
            readDeadline.cancel(false);
            readDeadline = null;
        }
        if (!(msg instanceof FullHttpRequest request) || refused) {
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
            Exchange exchange = new Exchange(this, ctx, request.method().name(), request.uri(), request.headers(),
                    ByteBufUtil.getBytes(request.content()), HttpUtil.isKeepAlive(request));
            if (current == null) {
                begin(exchange);
            } else {
                pending.addLast(exchange);
                if (pending.size() >= maxPipelined) {
                    ctx.channel().config().setAutoRead(false);
                }
            }
        } finally {
            request.release();
        }
    }

    private void reject(Throwable cause) {
        // The decoder discards everything after a bad message, so the connection ends with this answer.
        Refused refusal = ErrorResponses.decodeFailure(cause, maxLine, maxHeaders, maxBody);
        refuse(refusal.status, refusal.getMessage());
    }

    /** Answers with {@code status} and {@code detail} after every request read before, then closes. */
    private void refuse(HttpResponseStatus status, String detail) {
        FullHttpResponse response = ErrorResponses.error(status, detail, shared.json());
        HttpUtil.setContentLength(response, response.content().readableBytes());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
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
        idleSince = System.nanoTime();
        exchange.over();
        shared.inFlight().done();
        if (close) {
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
    public void channelInactive(ChannelHandlerContext ctx) {
        // A closed connection's checks would otherwise keep this handler in the loop's queue for their timeouts.
        idleCheck.cancel(false);
        if (readDeadline != null) {
            readDeadline.cancel(false);
            readDeadline = null;
        }
        unsentHead = null;
        Exchange gone = current;
        current = null;
        for (Object waiting : pending) {
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
