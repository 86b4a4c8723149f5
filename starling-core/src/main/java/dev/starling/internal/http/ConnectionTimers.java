package dev.starling.internal.http;

import dev.starling.Config;
import dev.starling.internal.Durations;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timers of one connection, without a timer per request: the idle timeout, the deadline of a request
 * that does not arrive in one read (its headers, then its body: 408), and the slow-reader check that closes a
 * connection whose pending response drained none between two looks. All on the connection's loop.
 */
final class ConnectionTimers {

    // The connection's own logger: these lines are about the connection.
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);

    private final ConnectionHandler connection;
    private ChannelHandlerContext ctx;
    /** The connection's HTTP/1.1 decoder; null on a stream of HTTP/2. */
    private Http1Codec.Decoder decoder;
    /** The clear-text connection's preface check, which holds its first bytes until it can tell h2c; or null. */
    private PriorKnowledge preface;
    // Idle tracking without a handler of its own: Netty's IdleStateHandler adds a listener to every write,
    // which cost 6% of a hello-world request. A response that ends stamps the time; reads only set flags.
    private final long idleNanos;
    private long idleSince;
    private boolean requestRead;
    private boolean partialRead;
    private Future<?> idleCheck;
    // Slow requests: a request read in one go (the common case) arms nothing. One that needs more reads gets a
    // deadline when its first partial read completes: for its headers, or for its body once they are in. A
    // request's first bytes that came behind whole requests in one read count as such a partial read.
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

    ConnectionTimers(ConnectionHandler connection, Config config) {
        this.connection = connection;
        this.idleNanos = config.idleTimeout().toNanos();
        this.headerNanos = config.requestHeaderTimeout().toNanos();
        this.bodyNanos = config.requestBodyTimeout().toNanos();
        this.writeNanos = config.responseWriteTimeout().toNanos();
    }

    /** The connection is open: the idle clock starts. */
    void start(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.decoder = ctx.pipeline().get(Http1Codec.Decoder.class);
        this.preface = ctx.pipeline().get(PriorKnowledge.class);
        idleSince = System.nanoTime();
        // An HTTP/2 stream lives for one request, and its connection has an idle timer of its own: a periodic
        // check per stream would be a timer set and cancelled on the loop for every request.
        if (!(ctx.channel() instanceof Http2StreamChannel)) {
            idleCheck = ctx.executor().schedule(this::checkIdle, Math.min(idleNanos, writeNanos),
                    TimeUnit.NANOSECONDS);
        }
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
        if (!connection.busy() && !partialRead) {
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

    /** A whole request was read: the deadline of its reading ends. */
    void requestRead() {
        requestRead = true;
        headRead = false;
        if (readDeadline != null) {
            readDeadline.cancel(false);
            readDeadline = null;
        }
    }

    /** A read completed; when it left a request half read, that request's reading is timed. */
    void readComplete(boolean refused) {
        // Over HTTP/1.1 the decoder knows whether a head is half read, even behind whole requests of the same
        // read, and the connection's first read completes twice (the preface check hands its bytes on). A
        // stream of HTTP/2 has one request, read when its read held no whole one. First bytes that the preface
        // check still holds (a prefix of HTTP/2's preface) have reached no decoder yet: they are a head begun too.
        if (preface != null && !preface.undecided()) {
            // Decided (and gone from the pipeline): no later read asks it again.
            preface = null;
        }
        boolean partial = decoder == null ? !requestRead : headRead || decoder.headStarted() || preface != null;
        if (partial) {
            partialRead = true;
            if (readDeadline == null && !refused) {
                readingBody = headRead;
                readDeadline = ctx.executor().schedule(this::readTimedOut, headRead ? bodyNanos : headerNanos,
                        TimeUnit.NANOSECONDS);
            }
        }
        requestRead = false;
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
        // A connection that ends with its current request answers nothing read after it, so no 408 either.
        if (!ctx.channel().isActive() || connection.refused() || connection.ending()) {
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
        connection.refuse(HttpResponseStatus.REQUEST_TIMEOUT, readingBody
                ? "The request body did not arrive within " + Durations.describe(bodyNanos) + "."
                : "The request headers did not arrive within " + Durations.describe(headerNanos) + ".");
    }

    /** A response has been written: the idle clock starts again. */
    void responseEnded() {
        idleSince = System.nanoTime();
    }

    /** The connection is closed: no timer may keep it in the loop's queue. */
    void stop() {
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        if (readDeadline != null) {
            readDeadline.cancel(false);
            readDeadline = null;
        }
        unsentHead = null;
    }
}
