package dev.starling.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The HTTP/1.1 codec of a connection: Netty's request decoder and response encoder, paired as Netty's
 * {@code HttpServerCodec} pairs them (the answer to a HEAD has no body), with what that codec keeps to itself:
 * whether the head of a request has begun to arrive and is not complete. The connection's timers need it to
 * time a request whose first bytes came in the same read as the requests before it.
 */
final class Http1Codec {

    /** Netty's own bound on the requests whose answers a connection owes; past it the rest are dropped. */
    private static final int MAX_QUEUED = 128;

    private Http1Codec() {
    }

    /**
     * Adds the encoder, then the decoder as {@code codec}, to {@code pipeline}: handlers added after
     * {@code codec} see decoded requests and the responses before they are encoded.
     */
    static void addTo(ChannelPipeline pipeline, HttpDecoderConfig config, int maxPipelined) {
        ArrayDeque<HttpMethod> methods = new ArrayDeque<>(4);
        pipeline.addLast("encoder", new Encoder(methods))
                .addLast("codec", new Decoder(config, methods, Math.max(MAX_QUEUED, maxPipelined + 2)));
    }

    /** Decodes requests, and notes each one's method for the encoder and whether a head is half read. */
    static final class Decoder extends HttpRequestDecoder {
        private final ArrayDeque<HttpMethod> methods;
        private final int maxQueued;
        /** A head has been decoded and the end of its message has not. */
        private boolean inMessage;
        /** Bytes of a request's head have arrived, and not all of them. */
        private boolean headStarted;
        /** More requests came than any connection is answered: the rest of its bytes are dropped. */
        private boolean discarding;

        private Decoder(HttpDecoderConfig config, ArrayDeque<HttpMethod> methods, int maxQueued) {
            super(config);
            this.methods = methods;
            this.maxQueued = maxQueued;
        }

        /** Returns true when part of a request's head has arrived: its request line, or some of its headers. */
        boolean headStarted() {
            return headStarted;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            // Small on purpose, like HttpServerCodec's: the JIT inlines the decoder's line copies through it and
            // allocates no buffer views for them; the notes are taken in a method of their own.
            if (discarding) {
                buffer.skipBytes(buffer.readableBytes());
                return;
            }
            int from = buffer.readerIndex();
            int before = out.size();
            super.decode(ctx, buffer, out);
            note(buffer, from, out, before);
        }

        private void note(ByteBuf buffer, int from, List<Object> out, int before) {
            int after = out.size();
            if (after == before) {
                // Nothing came out. Between messages what was taken (a request line, whole header lines) or is
                // left (part of a line) belongs to a head; empty lines before a request line are skipped, no head.
                if (!inMessage && !headStarted) {
                    headStarted = buffer.isReadable() || printable(buffer, from, buffer.readerIndex());
                }
                return;
            }
            for (int i = before; i < after; i++) {
                Object message = out.get(i);
                if (message instanceof HttpRequest request) {
                    inMessage = true;
                    headStarted = false;
                    if (methods.size() >= maxQueued) {
                        // The connection handler has refused far fewer requests than this and is closing.
                        discarding = true;
                        buffer.skipBytes(buffer.readableBytes());
                    } else {
                        methods.add(request.method());
                    }
                }
                if (message instanceof LastHttpContent) {
                    inMessage = false;
                }
            }
        }

        private static boolean printable(ByteBuf buffer, int from, int to) {
            for (int i = from; i < to; i++) {
                if (buffer.getByte(i) > ' ') {
                    return true;
                }
            }
            return false;
        }
    }

    /** Encodes responses; one to a HEAD request is encoded without a body, whatever its headers say. */
    private static final class Encoder extends HttpResponseEncoder {
        private final ArrayDeque<HttpMethod> methods;

        private Encoder(ArrayDeque<HttpMethod> methods) {
            this.methods = methods;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse response) {
            // An interim response (100 Continue, 101) is not the request's answer: its method stays queued.
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(response);
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(response);
        }
    }
}
