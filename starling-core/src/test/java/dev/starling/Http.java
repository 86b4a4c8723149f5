package dev.starling;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/** Starts a real app on an ephemeral port of 127.0.0.1 and talks to it over HTTP/1.1. */
final class Http implements AutoCloseable {

    final Starling app;
    final HttpClient client;

    private Http(Starling app) {
        this.app = app;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Builds the app with {@code routes}, starts it on a free port and returns a client for it. */
    static Http serve(Consumer<Config.Builder> config, Consumer<Starling> routes) {
        Starling app = Starling.create(c -> {
            c.port(0).shutdownGrace(Duration.ofSeconds(5));
            config.accept(c);
        });
        routes.accept(app);
        app.start();
        return new Http(app);
    }

    static Http serve(Consumer<Starling> routes) {
        return serve(c -> { }, routes);
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + app.port() + pathAndQuery);
    }

    HttpResponse<String> get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("The request " + request + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Sends raw bytes on a new connection and returns everything the server sends until it closes. */
    String raw(String request) {
        try (Socket socket = new Socket("127.0.0.1", app.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new AssertionError("Raw request failed: " + e, e);
        }
    }

    @Override
    public void close() {
        app.stop(Duration.ofSeconds(5));
    }
}
