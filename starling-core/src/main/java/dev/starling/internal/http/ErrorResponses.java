package dev.starling.internal.http;

import dev.starling.HttpException;
import dev.starling.RequestValidationException;
import dev.starling.concurrent.CapacityExceededException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one table of error answers: which failure gets which status, detail and headers, and which is logged.
 * Every error response is JSON {@code {"detail": ...}} with a sentence; none carries a stack trace.
 */
final class ErrorResponses {

    private static final Logger LOG = LoggerFactory.getLogger("dev.starling.errors");
    private static final RefusalLog REFUSALS = new RefusalLog(LOG);

    private ErrorResponses() {
    }

    /** Returns a JSON error response {@code {"detail": detail}}. */
    static FullHttpResponse error(HttpResponseStatus status, Object detail, JsonMapper json) {
        byte[] bytes = json.writeValueAsBytes(Map.of("detail", detail));
        FullHttpResponse out = Results.response(status, Unpooled.wrappedBuffer(bytes));
        out.headers().set(HttpHeaderNames.CONTENT_TYPE, Results.JSON);
        return out;
    }

    /**
     * Returns the answer to a failure of {@code exchange} that no exception handler took, logging what needs a
     * log line; an exception of no known kind is a 500, reported to the port as unhandled.
     */
    static FullHttpResponse of(Throwable e, Exchange exchange, JsonMapper json) {
        String route = exchange.routeName;
        if (e instanceof HttpException http) {
            HttpResponseStatus status = HttpResponseStatus.valueOf(http.status());
            FullHttpResponse response = error(status, http.detail() != null ? http.detail() : status.reasonPhrase(),
                    json);
            try {
                for (Map.Entry<String, String> h : http.headers().entrySet()) {
                    response.headers().set(h.getKey(), h.getValue());
                }
            } catch (IllegalArgumentException bad) {
                LOG.error("{} failed with an HttpException whose headers cannot be sent ({}).", route,
                        bad.getMessage());
                response.release();
                response = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "Internal Server Error", json);
            }
            return response;
        }
        if (e instanceof RequestValidationException invalid) {
            return error(HttpResponseStatus.UNPROCESSABLE_ENTITY, invalid.errors(), json);
        }
        if (e instanceof CapacityExceededException full) {
            REFUSALS.warn(route, full.getMessage());
            FullHttpResponse response = error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "The server is at capacity; retry shortly.", json);
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            return response;
        }
        if (e instanceof RequestTimedOut late) {
            // One line per 504, like a 500's (without a stack trace: the handler did not fail, it was late).
            LOG.warn("{} was answered 504: {}", route, late.getMessage());
            return error(HttpResponseStatus.GATEWAY_TIMEOUT, late.getMessage(), json);
        }
        if (e instanceof CancellationException) {
            return error(HttpResponseStatus.SERVICE_UNAVAILABLE, "The request was cancelled.", json);
        }
        Throwable first = exchange.failure().orElse(e);
        if (first != e && first != e.getCause() && !Arrays.asList(e.getSuppressed()).contains(first)) {
            // An exception handler failed on the way: the exception it was handling is logged with it, not lost.
            e.addSuppressed(first);
        }
        LOG.error("{} failed while answering {} {}.", route, exchange.method, exchange.uri, e);
        exchange.connection.shared().port().unhandled(exchange, e);
        return error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "Internal Server Error", json);
    }

    /**
     * Returns why the codec or the body limit failed a request, as the refusal to answer it with; the limits
     * name the bytes allowed.
     */
    static Refused decodeFailure(Throwable cause, int maxLine, int maxHeaders, int maxBody) {
        if (cause instanceof Refused refusal) {
            return refusal;
        }
        if (cause instanceof TooLongHttpLineException) {
            return new Refused(HttpResponseStatus.REQUEST_URI_TOO_LONG,
                    "The request line is longer than " + maxLine + " bytes.");
        }
        if (cause instanceof TooLongHttpContentException) {
            return new Refused(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "The request body is larger than the limit of " + maxBody + " bytes.");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new Refused(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "The request headers are larger than " + maxHeaders + " bytes.");
        }
        String why = cause == null || cause.getMessage() == null
                ? "" : ": " + cause.getMessage().replaceAll("[.\\s]+$", "");
        return new Refused(HttpResponseStatus.BAD_REQUEST, "The request is not valid HTTP/1.1" + why + ".");
    }
}
