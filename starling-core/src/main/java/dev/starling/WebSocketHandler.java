package dev.starling;

/**
 * A WebSocket handler written in blocking style: it runs on a virtual thread of its own, never on the event
 * loop, and holds no threadpool token while it waits for a message.
 *
 * <pre>{@code
 * app.websocket("/ws/echo", socket -> {
 *     while (true) socket.send(socket.receiveText());
 * });
 * }</pre>
 */
@FunctionalInterface
public interface WebSocketHandler {

    /**
     * Talks over one open socket; when it returns the socket is closed with 1000, when it throws with 1011
     * (a {@link WebSocketConnection.Closed} from a socket the client closed ends it quietly).
     */
    void handle(WebSocketConnection socket) throws Exception;
}
