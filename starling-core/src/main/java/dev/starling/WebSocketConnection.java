package dev.starling;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * An open WebSocket as its handler sees it: the upgrade request, messages in and out, and the close.
 *
 * <p>A blocking handler ({@link WebSocketHandler}, or a {@link WebSocket} method that does not return a
 * {@code CompletionStage}) calls {@link #receive} and {@link #send} in a loop on its virtual thread: receiving
 * waits for the next message, sending waits while the client has not read what was sent before (the send
 * buffer, {@code Config.Builder.webSocketSendBuffer}), so a client that stops reading cannot make the server
 * hold more. An async handler, on the event loop, registers {@link #onMessage} and sends with
 * {@link #sendAsync}, whose stage completes once the message is written; reading from the client pauses while
 * the send buffer is full. Pings are answered and close frames echoed by the server.
 *
 * <pre>{@code
 * app.websocket("/ws/{room}", socket -> {
 *     String room = socket.request().pathParam("room").orElseThrow();
 *     while (true) socket.send(room + ": " + socket.receiveText());
 * });
 * }</pre>
 */
public interface WebSocketConnection {

    /** Returns the upgrade request that opened the socket: its path, query, headers and cookies. */
    Request request();

    /** Returns true until the socket closes, by either side or because the client went away. */
    boolean isOpen();

    /**
     * Waits for the next message; throws {@link Closed} once the socket has closed. Must not be called on the
     * event loop: an async handler uses {@link #onMessage}.
     */
    Message receive();

    /** Waits for the next message and returns its text; a binary message closes the socket with 1003. */
    String receiveText();

    /** Waits for the next message and returns its bytes; a text message closes the socket with 1003. */
    byte[] receiveBytes();

    /**
     * Sends a text message, waiting while the send buffer is full; throws {@link Closed} when the socket has
     * closed. Must not be called on the event loop: use {@link #sendAsync(String)} there.
     */
    void send(String text);

    /** Sends a binary message; see {@link #send(String)}. */
    void send(byte[] bytes);

    /**
     * Sends a text message from any thread; the stage completes once it is written to the socket, or fails with
     * {@link Closed}. It fails at once with an {@code IllegalStateException} when the send buffer is full twice
     * over: wait for earlier stages before sending more.
     */
    CompletionStage<Void> sendAsync(String text);

    /** Sends a binary message from any thread; see {@link #sendAsync(String)}. */
    CompletionStage<Void> sendAsync(byte[] bytes);

    /**
     * Calls {@code listener} on the event loop with each message, in order, from now on; messages that came
     * before it was set are delivered first. For async handlers; a blocking handler uses {@link #receive}.
     */
    void onMessage(Consumer<Message> listener);

    /** Returns a stage that completes with the close status once the socket has closed. */
    CompletionStage<Close> closed();

    /** Closes the socket with 1000 (normal closure). */
    void close();

    /** Closes the socket with {@code code} (1000, or 3000–4999 for the app's own) and a reason of at most 123 bytes. */
    void close(int code, String reason);

    /** One message, text or binary, whole (fragments are joined before a handler sees them). */
    final class Message {
        private final String text;
        private final byte[] bytes;

        private Message(String text, byte[] bytes) {
            this.text = text;
            this.bytes = bytes;
        }

        /** Returns a text message. */
        public static Message text(String text) {
            return new Message(Objects.requireNonNull(text, "The text must not be null."), null);
        }

        /** Returns a binary message holding a copy of {@code bytes}. */
        public static Message binary(byte[] bytes) {
            return new Message(null, Objects.requireNonNull(bytes, "The bytes must not be null.").clone());
        }

        /** Returns true for a text message, false for a binary one. */
        public boolean isText() {
            return text != null;
        }

        /** Returns the text of a text message, or a binary message's bytes decoded as UTF-8. */
        public String text() {
            return text != null ? text : new String(bytes, StandardCharsets.UTF_8);
        }

        /** Returns the bytes of a binary message, or a text message's text encoded as UTF-8. */
        public byte[] bytes() {
            return bytes != null ? bytes.clone() : text.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Message m && Objects.equals(text, m.text) && Arrays.equals(bytes, m.bytes);
        }

        @Override
        public int hashCode() {
            return Objects.hash(text, Arrays.hashCode(bytes));
        }

        @Override
        public String toString() {
            return isText() ? "text message of " + text.length() + " characters"
                    : "binary message of " + bytes.length + " bytes";
        }
    }

    /**
     * How a socket closed: the code of the close frame (1005 when the frame had none, 1006 when the connection
     * ended without one) and its reason, empty when none was given.
     *
     * @param code the close code, such as 1000 (normal), 1001 (going away) or 1009 (message too big)
     * @param reason the reason sent with the code, or an empty string
     */
    record Close(int code, String reason) {
    }

    /** Thrown by receiving and sending once the socket has closed; carries how it closed. */
    final class Closed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Close close;

        /** Creates the exception for a socket that closed with {@code close}. */
        public Closed(Close close) {
            super("The WebSocket is closed (" + close.code() + (close.reason().isEmpty() ? "" : " " + close.reason())
                    + ").", null, false, false);
            this.close = close;
        }

        /** Returns how the socket closed. */
        public Close close() {
            return close;
        }
    }
}
