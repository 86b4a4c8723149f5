package dev.starling.internal.http;

import dev.starling.Response;
import dev.starling.ServerSentEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** Encodes handler results into HTTP responses: text, bytes or JSON, and the items of streams. */
final class Results {

    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";
    static final String OCTETS = "application/octet-stream";
    static final String EVENT_STREAM = "text/event-stream; charset=utf-8";
    // The same types as header values made once: Netty validates and converts a String value on every set.
    private static final AsciiString TEXT_VALUE = AsciiString.cached(TEXT);
    private static final AsciiString JSON_VALUE = AsciiString.cached(JSON);
    private static final AsciiString OCTETS_VALUE = AsciiString.cached(OCTETS);

    private Results() {
    }

    /**
     * Returns a response without trailers: Netty's default makes a second, empty header table per response for
     * trailers, which a whole response never has (512 bytes a response).
     */
    static FullHttpResponse response(HttpResponseStatus status, ByteBuf content) {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content,
                DefaultHttpHeadersFactory.headersFactory().newHeaders(), EmptyHttpHeaders.INSTANCE);
    }

    /** Encodes a handler's return value; null means 204 No Content. */
    static FullHttpResponse encode(Object result, JsonMapper json) {
        if (result instanceof Response response) {
            FullHttpResponse out = body(HttpResponseStatus.valueOf(response.status()),
                    response.body().orElse(null), json,
                    response.headers().stream().anyMatch(h -> h.getKey().equalsIgnoreCase("content-type")));
            try {
                for (Map.Entry<String, String> h : response.headers()) {
                    out.headers().add(h.getKey(), h.getValue());
                }
            } catch (RuntimeException e) {
                out.release();
                throw e;
            }
            return out;
        }
        if (result == null) {
            return response(HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
        }
        return body(HttpResponseStatus.OK, result, json, false);
    }

    private static FullHttpResponse body(HttpResponseStatus status, Object body, JsonMapper json,
                                         boolean typeGiven) {
        ByteBuf content;
        AsciiString type;
        if (body == null) {
            content = Unpooled.EMPTY_BUFFER;
            type = null;
        } else if (body instanceof CharSequence text) {
            // A heap array, as for JSON: a pooled direct buffer costs more to take and give back than the encoder's
            // copy of it (into the head's buffer up to 128 bytes, else into the socket's direct buffer); 10% of the
            // loop's samples on case B went to writeUtf8's allocation and writes.
            content = Unpooled.wrappedBuffer(text.toString().getBytes(StandardCharsets.UTF_8));
            type = TEXT_VALUE;
        } else if (body instanceof byte[] bytes) {
            content = Unpooled.wrappedBuffer(bytes);
            type = OCTETS_VALUE;
        } else {
            content = Unpooled.wrappedBuffer(json.writeValueAsBytes(body));
            type = JSON_VALUE;
        }
        FullHttpResponse out = response(status, content);
        if (type != null && !typeGiven) {
            out.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        }
        return out;
    }


    /**
     * Encodes one item of a stream; in an event stream ({@code eventStream}) every item is a server-sent event,
     * a {@code String} or JSON-encoded item becoming an event's data.
     */
    static byte[] chunk(Object item, JsonMapper json, boolean eventStream) {
        if (eventStream) {
            ServerSentEvent event = item instanceof ServerSentEvent e ? e
                    : ServerSentEvent.of(item instanceof CharSequence text ? text.toString()
                    : json.writeValueAsString(item));
            return event.encode().getBytes(StandardCharsets.UTF_8);
        }
        if (item instanceof CharSequence text) {
            return text.toString().getBytes(StandardCharsets.UTF_8);
        }
        if (item instanceof byte[] bytes) {
            return bytes;
        }
        byte[] encoded = json.writeValueAsBytes(item);
        byte[] line = new byte[encoded.length + 1];
        System.arraycopy(encoded, 0, line, 0, encoded.length);
        line[encoded.length] = '\n';
        return line;
    }

    /** Returns the content type of a stream whose first item is {@code item}. */
    static String streamType(Object item) {
        if (item == null || item instanceof CharSequence) {
            return TEXT;
        }
        if (item instanceof ServerSentEvent) {
            return EVENT_STREAM;
        }
        return item instanceof byte[] ? OCTETS : "application/x-ndjson";
    }
}
