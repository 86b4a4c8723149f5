package dev.starling;

import java.util.concurrent.CompletionStage;

/**
 * A WebSocket handler that runs on the event loop: it registers its listener, returns at once, and must never
 * block; the socket stays open until the stage it returns completes.
 *
 * <pre>{@code
 * app.websocketAsync("/ws/echo", socket -> {
 *     socket.onMessage(message -> socket.sendAsync(message.text()));
 *     return socket.closed();
 * });
 * }</pre>
 */
@FunctionalInterface
public interface AsyncWebSocketHandler {

    /**
     * Starts talking over one open socket, on its event loop; the socket is closed with 1000 when the returned
     * stage completes normally, with 1011 when it fails.
     */
    CompletionStage<?> handle(WebSocketConnection socket) throws Exception;
}
