package dev.starling.internal.http;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Upgrades a clear-text connection to HTTP/2 when its first request asks for it with {@code Upgrade: h2c} (RFC
 * 7540, section 3.2). Netty does the work: it answers {@code 101 Switching Protocols}, puts the HTTP/2 handlers of
 * {@link Http2Setup} in place of the HTTP/1.1 ones, and hands the request itself on as stream 1, which is then
 * served like any other stream. The handler leaves after the first request, whatever it was.
 *
 * <p>Only an HTTP/1.1 request with one valid {@code Host}, without a body or an {@code Expect}, is upgraded; any
 * other is served as HTTP/1.x with every HTTP/1.1 rule (the Host check's 400, the body limit's 413, 100-continue
 * and 417, transfer codings), as RFC 9110 lets a server ignore {@code Upgrade} (and makes it ignore an HTTP/1.0
 * request's).
 */
final class H2cUpgrade extends HttpServerUpgradeHandler {

    H2cUpgrade(Shared shared) {
        // The limit on what Netty aggregates of an upgrade request is the body limit, though no body gets here.
        super(ctx -> Http2Setup.removeHttp1(ctx.pipeline()),
                protocol -> AsciiString.contentEqualsIgnoreCase(protocol, Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME)
                        ? new Http2ServerUpgradeCodec("h2", Http2Setup.frameCodec(shared.config()),
                                Http2Setup.afterCodec(shared))
                        : null,
                shared.config().maxBodySize(), DefaultHttpHeadersFactory.headersFactory(),
                DefaultHttpHeadersFactory.trailersFactory(), true);
    }

    @Override
    protected boolean shouldHandleUpgradeRequest(HttpRequest request) {
        // RFC 9110 section 7.8: an HTTP/1.0 request's Upgrade is ignored; one without a right Host is refused.
        return request.decoderResult().isSuccess()
                && request.protocolVersion().equals(HttpVersion.HTTP_1_1)
                && HostHeader.problem(request.headers(), true) == null
                && asksForH2c(request.headers().get(HttpHeaderNames.UPGRADE))
                && settingsLookRight(request.headers().getAll(Http2CodecUtil.HTTP_UPGRADE_SETTINGS_HEADER))
                && !request.headers().contains(HttpHeaderNames.EXPECT)
                && !request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)
                && !hasBody(request.headers().get(HttpHeaderNames.CONTENT_LENGTH));
    }

    /**
     * Returns true when {@code values} is one {@code HTTP2-Settings} value that can be a SETTINGS payload in
     * base64url (six bytes a setting: a multiple of eight characters). Netty logs a stack trace at INFO for a
     * value it cannot decode, which a client must not be able to cause; such a request is served as HTTP/1.1.
     */
    private static boolean settingsLookRight(List<String> values) {
        if (values.size() != 1) {
            return false;
        }
        String value = values.get(0).trim();
        return value.length() % 8 == 0 && value.chars().allMatch(c -> c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
                || c >= '0' && c <= '9' || c == '-' || c == '_');
    }

    /** Returns true when {@code contentLength} (checked by the decoder already) announces a body. */
    private static boolean hasBody(String contentLength) {
        return contentLength != null && !contentLength.trim().chars().allMatch(c -> c == '0');
    }

    /** Returns true when {@code upgrade}, a comma-separated list of protocols, names h2c. */
    private static boolean asksForH2c(String upgrade) {
        if (upgrade == null) {
            return false;
        }
        for (String protocol : upgrade.split(",")) {
            if (protocol.trim().equalsIgnoreCase("h2c")) {
                return true;
            }
        }
        return false;
    }
}
