package dev.starling.internal.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/** Why a request is refused before it reaches the app: the status and the detail, a sentence. */
final class Refused extends RuntimeException {

    private static final long serialVersionUID = 1L;
    final transient HttpResponseStatus status;

    Refused(HttpResponseStatus status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }
}
