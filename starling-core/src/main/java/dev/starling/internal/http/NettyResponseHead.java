package dev.starling.internal.http;

import dev.starling.ResponseHead;
import dev.starling.internal.HeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Optional;

/** The {@link ResponseHead} middleware sees: a view over the Netty response about to be written. */
public final class NettyResponseHead implements ResponseHead {

    private final HttpResponse response;

    NettyResponseHead(HttpResponse response) {
        this.response = response;
    }

    @Override
    public int status() {
        return response.status().code();
    }

    @Override
    public ResponseHead status(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("An HTTP status is between 100 and 599, not " + status + ".");
        }
        response.setStatus(HttpResponseStatus.valueOf(status));
        return this;
    }

    @Override
    public Optional<String> header(String name) {
        return Optional.ofNullable(response.headers().get(name));
    }

    @Override
    public List<String> headers(String name) {
        return List.copyOf(response.headers().getAll(name));
    }

    @Override
    public ResponseHead header(String name, String value) {
        response.headers().set(name, HeaderValues.check(name, value));
        return this;
    }

    @Override
    public ResponseHead addHeader(String name, String value) {
        response.headers().add(name, HeaderValues.check(name, value));
        return this;
    }

    @Override
    public ResponseHead removeHeader(String name) {
        response.headers().remove(name);
        return this;
    }

    @Override
    public String toString() {
        return response.status() + " " + response.headers();
    }
}
