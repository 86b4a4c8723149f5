package dev.starling.internal.http;

import dev.starling.ServerSentEvent;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@code Flow.Publisher} as a chunked response (server-sent events when its first item is one), one
 * item per chunk, asking for the next only once the socket is writable again.
 */
final class StreamWriter implements Flow.Subscriber<Object> {

    private static final Logger LOG = LoggerFactory.getLogger("dev.starling.errors");

    private final Exchange exchange;
    private final ChannelHandlerContext ctx;
    private Flow.Subscription subscription;
    private boolean headersSent;
    /** What waits for the head to be written (the middleware may take a while); null once it is. */
    private List<Runnable> afterHead;
    private boolean finished;
    private boolean waitingForWritable;
    /** The first item was a ServerSentEvent: every item is sent as an event. */
    private boolean eventStream;

    StreamWriter(Exchange exchange) {
        this.exchange = exchange;
        this.ctx = exchange.ctx;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        exchange.onLoop(() -> {
            subscription = s;
            if (exchange.cancelled) {
                s.cancel();
            } else if (exchange.head) {
                s.cancel();
                sendHeaders(null, this::end);
            } else {
                s.request(1);
            }
        });
    }

    @Override
    public void onNext(Object item) {
        exchange.onLoop(() -> {
            if (finished || exchange.cancelled) {
                return;
            }
            byte[] bytes;
            try {
                bytes = Results.chunk(item, exchange.connection.shared().json(),
                        headersSent ? eventStream : item instanceof ServerSentEvent);
            } catch (RuntimeException e) {
                subscription.cancel();
                onError(e);
                return;
            }
            sendHeaders(item, () -> ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)))
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            cancel();
                        } else if (ctx.channel().isWritable()) {
                            subscription.request(1);
                        } else {
                            waitingForWritable = true;
                        }
                    }));
        });
    }

    /** The socket can take more: ask for the next item when the stream paused for it. */
    void writable() {
        if (waitingForWritable && !finished) {
            waitingForWritable = false;
            subscription.request(1);
        }
    }

    @Override
    public void onError(Throwable error) {
        exchange.onLoop(() -> {
            if (finished || exchange.cancelled) {
                return;
            }
            if (!headersSent) {
                finished = true;
                exchange.responded = false;
                exchange.fail(error);
                return;
            }
            finished = true;
            LOG.error("{} failed while streaming {} {}; the connection is closed to end the response.",
                    exchange.routeName, exchange.method, exchange.uri, error);
            ctx.close();
            exchange.connection.finished(exchange, true);
        });
    }

    @Override
    public void onComplete() {
        exchange.onLoop(() -> {
            if (finished || exchange.cancelled) {
                return;
            }
            sendHeaders(null, this::end);
        });
    }

    /** Sends the head once (through the middleware), then {@code then}; later calls queue behind it. */
    private void sendHeaders(Object first, Runnable then) {
        if (headersSent) {
            if (afterHead != null) {
                afterHead.add(then);
            } else {
                then.run();
            }
            return;
        }
        headersSent = true;
        afterHead = new ArrayList<>(2);
        afterHead.add(then);
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, Results.streamType(first));
        if (first instanceof ServerSentEvent) {
            eventStream = true;
            response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
            response.headers().set("x-accel-buffering", "no");
        }
        boolean http10 = exchange.connection.http10();
        if (!http10) {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        ResponseWriter.head(exchange, response, http10 || exchange.closes(), () -> {
            ctx.write(response);
            List<Runnable> queued = afterHead;
            afterHead = null;
            for (Runnable r : queued) {
                r.run();
            }
        }, () -> afterHead = null);
    }

    private void end() {
        finished = true;
        boolean close = exchange.connection.http10() || exchange.closes();
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                .addListener(f -> exchange.connection.finished(exchange, close || !f.isSuccess()));
    }

    /** The client is gone: stop asking for items. */
    void cancel() {
        exchange.onLoop(() -> {
            finished = true;
            if (subscription != null) {
                subscription.cancel();
            }
        });
    }
}
