package dev.starling.internal.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a response head through the middleware's after phase and then its body: a whole response here, a
 * stream's or a file's through {@link #head}. On the loop.
 */
final class ResponseWriter {

    private static final Logger LOG = LoggerFactory.getLogger("dev.starling.errors");

    private ResponseWriter() {
    }

    /** Writes a whole response and hands the connection to the next request. */
    static void write(Exchange exchange, FullHttpResponse response) {
        exchange.responded = true;
        boolean close = exchange.closes();
        int status = response.status().code();
        if (status == 204 || status == 304 || status < 200) {
            // These statuses never have a body, and RFC 9110 forbids content-length on 204.
            response.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        } else {
            HttpUtil.setContentLength(response, response.content().readableBytes());
        }
        if (exchange.head) {
            response.content().release();
            response = response.replace(Unpooled.EMPTY_BUFFER);
        }
        FullHttpResponse out = response;
        head(exchange, out, close, () -> exchange.ctx.writeAndFlush(out)
                .addListener(f -> exchange.connection.finished(exchange, close || !f.isSuccess())), out::release);
    }

    /**
     * Lets the middleware see and change the head, then sends it with {@code send}; {@code drop} releases what
     * was prepared when the client went away meanwhile.
     */
    static void head(Exchange exchange, HttpResponse response, boolean close, Runnable send, Runnable drop) {
        Port port = exchange.connection.shared().port();
        if (!port.seesHeads()) {
            connectionAndDate(exchange, response, close);
            exchange.status = response.status().code();
            send.run();
            return;
        }
        port.after(exchange, new NettyResponseHead(response)).whenComplete((v, error) -> exchange.onLoop(() -> {
            if (error != null) {
                LOG.error("An after-middleware of {} failed; the response is sent as it was.", exchange.routeName,
                        error);
            }
            if (exchange.cancelled) {
                drop.run();
                return;
            }
            connectionAndDate(exchange, response, close);
            // What the client gets, after the middleware had its say.
            exchange.status = response.status().code();
            send.run();
        }));
    }

    private static void connectionAndDate(Exchange exchange, HttpResponse response, boolean close) {
        // RFC 9110 section 6.6.1: an origin server with a clock sends the date, unless the handler gave its own.
        if (!response.headers().contains(HttpHeaderNames.DATE)) {
            response.headers().set(HttpHeaderNames.DATE, HttpDate.now());
        }
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (exchange.connection.http10()) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }
}
