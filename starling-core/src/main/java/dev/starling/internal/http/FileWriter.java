package dev.starling.internal.http;

import dev.starling.FileResponse;
import dev.starling.concurrent.Concurrency;
import dev.starling.internal.concurrent.Context;
import dev.starling.internal.files.FilePlan;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedNioFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a file: finds, stats and opens it on the threadpool (file system calls block), then writes the head
 * and the file with zero-copy transfer on the loop; answers conditional and range requests as the plan says.
 */
final class FileWriter {

    private static final Logger LOG = LoggerFactory.getLogger("dev.starling.errors");

    private FileWriter() {
    }

    /**
     * Sends the file that {@code target} names; {@code target} runs on a worker and returns a {@code FileResponse}
     * or another result to send instead (a redirect).
     */
    static void send(Exchange exchange, Callable<Object> target) {
        exchange.responded = true;
        boolean get = exchange.method.equals("GET");
        boolean conditional = get || exchange.head;
        var headers = exchange.headers;
        // RFC 9110 section 14.2: GET is the only method with ranges; a HEAD's Range is ignored like a POST's.
        FilePlan.Conditions conditions = new FilePlan.Conditions(
                exchange.head,
                conditional ? headers.get(HttpHeaderNames.IF_MATCH) : null,
                conditional ? headers.get(HttpHeaderNames.IF_UNMODIFIED_SINCE) : null,
                conditional ? headers.get(HttpHeaderNames.IF_NONE_MATCH) : null,
                conditional ? headers.get(HttpHeaderNames.IF_MODIFIED_SINCE) : null,
                get ? headers.get(HttpHeaderNames.RANGE) : null,
                get ? headers.get(HttpHeaderNames.IF_RANGE) : null);
        // Not in the request's scope: a disconnect must not drop a plan that holds an open file; it is
        // closed below instead.
        Context previous = Context.set(Context.EMPTY);
        CompletionStage<Object> planned;
        try {
            planned = Concurrency.runInThreadpool(() -> {
                Object found = target.call();
                return found instanceof FileResponse file ? FilePlan.prepare(file, conditions) : found;
            });
        } finally {
            Context.set(previous);
        }
        planned.whenComplete((plan, error) -> exchange.onLoop(() -> planned(exchange, plan, error)));
    }

    private static void planned(Exchange exchange, Object plan, Throwable error) {
        try {
            if (exchange.cancelled) {
                if (plan instanceof FilePlan file) {
                    file.close();
                }
                return;
            }
            exchange.responded = false;
            if (error != null) {
                exchange.fail(error);
            } else if (plan instanceof FilePlan file) {
                write(exchange, file);
            } else {
                exchange.respond(plan);
            }
        } catch (Throwable t) {
            LOG.error("{} could not send its file to {} {}.", exchange.routeName, exchange.method, exchange.uri, t);
            if (plan instanceof FilePlan file) {
                file.close();
            }
            exchange.abort();
        }
    }

    private static void write(Exchange exchange, FilePlan plan) {
        HttpResponseStatus status = HttpResponseStatus.valueOf(plan.status());
        if (plan.status() == 304) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.EMPTY_BUFFER);
            plan.headers().forEach(h -> response.headers().add(h.getKey(), h.getValue()));
            ResponseWriter.write(exchange, response);
            return;
        }
        exchange.responded = true;
        boolean close = exchange.closes();
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        plan.headers().forEach(h -> response.headers().add(h.getKey(), h.getValue()));
        HttpUtil.setContentLength(response, plan.length());
        var ctx = exchange.ctx;
        if (ctx.pipeline().get("gzip") != null) {
            HttpInitializer.notCompressed(response);
        }
        Object file = plan.channel() == null ? null : fileBody(ctx.pipeline().get("chunked") != null, plan);
        ResponseWriter.head(exchange, response, close, () -> {
            ctx.write(response);
            ChannelFuture written;
            if (file instanceof HttpChunkedInput chunks) {
                written = ctx.writeAndFlush(chunks);   // its last chunk ends the response
            } else {
                if (file != null) {
                    ctx.write(file);
                } else if (plan.bytes() != null) {
                    ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(plan.bytes())));
                }
                written = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            written.addListener(f -> exchange.connection.finished(exchange, close || !f.isSuccess()));
        }, () -> {
            if (plan.channel() != null) {
                try {
                    plan.channel().close();
                } catch (IOException e) {
                    LOG.debug("Closing {} failed: {}", plan, e.toString());
                }
            }
        });
    }

    /**
     * Returns the body of a file on disk: a region the transport sends itself (sendfile), or chunks read as the
     * socket drains where the pipeline writes chunks (TLS must encrypt every byte; HTTP/2 frames them).
     */
    private static Object fileBody(boolean chunked, FilePlan plan) {
        if (!chunked) {
            return new DefaultFileRegion(plan.channel(), plan.position(), plan.length());
        }
        try {
            // HTTP content, not bare bytes: an HTTP/2 stream takes only HTTP objects.
            return new HttpChunkedInput(new ChunkedNioFile(plan.channel(), plan.position(), plan.length(), 16 * 1024));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
