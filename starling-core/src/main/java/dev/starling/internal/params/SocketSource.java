package dev.starling.internal.params;

import dev.starling.WebSocketConnection;

/** A request that opens a WebSocket: binding hands its socket to a {@link WebSocketConnection} parameter. */
public interface SocketSource {

    /** Returns the socket the request opens; it is open by the time the handler runs. */
    WebSocketConnection webSocket();
}
