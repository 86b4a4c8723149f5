package dev.starling.testing;

import dev.starling.WebSocketConnection.Close;
import dev.starling.WebSocketConnection.Message;
import java.io.ByteArrayOutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A WebSocket opened by {@link TestClient#websocket(String)}: send, receive and close from the test thread, as
 * with Starlette's {@code client.websocket_connect}. Every wait is bounded by the client's timeout.
 *
 * <pre>{@code
 * try (TestWebSocket socket = client.websocket("/ws/echo")) {
 *     socket.send("hi");
 *     assertThat(socket.receiveText()).isEqualTo("hi");
 * }
 * }</pre>
 */
public final class TestWebSocket implements AutoCloseable {

    /** Messages the server sent that the test has not received yet; past this many the client stops reading. */
    private static final int BACKLOG = 1024;

    private final Duration timeout;
    /** The end of the messages: put once the socket has closed, after every message that came before. */
    private static final Object END = new Object();

    private final BlockingQueue<Object> messages = new ArrayBlockingQueue<>(BACKLOG + 1);
    private final CompletableFuture<Close> closed = new CompletableFuture<>();
    /** The listener asked for no more messages because the backlog is full; receiving asks again. */
    private final AtomicBoolean starved = new AtomicBoolean();
    private WebSocket socket;

    TestWebSocket(Duration timeout) {
        this.timeout = timeout;
    }

    void opened(WebSocket socket) {
        this.socket = socket;
    }

    WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();
            private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (!last) {
                    ws.request(1);
                    return null;
                }
                Message m = Message.text(text.toString());
                text.setLength(0);
                return arrived(ws, m);
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                byte[] part = new byte[data.remaining()];
                data.get(part);
                bytes.writeBytes(part);
                if (!last) {
                    ws.request(1);
                    return null;
                }
                Message m = Message.binary(bytes.toByteArray());
                bytes.reset();
                return arrived(ws, m);
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                ended(new Close(code, reason));
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                ended(new Close(1006, String.valueOf(error.getMessage())));
            }
        };
    }

    private CompletionStage<?> arrived(WebSocket ws, Message m) {
        messages.add(m);   // room is certain: no more is asked for once the backlog is full
        if (messages.size() < BACKLOG) {
            ws.request(1);
        } else {
            starved.set(true);
        }
        return null;
    }

    private void ended(Close how) {
        if (closed.complete(how)) {
            messages.add(END);
        }
    }

    /** Sends a text message. */
    public void send(String text) {
        await(socket.sendText(text, true));
    }

    /** Sends a binary message. */
    public void send(byte[] bytes) {
        await(socket.sendBinary(ByteBuffer.wrap(bytes.clone()), true));
    }

    /** Waits for the server's next message; fails when none comes within the timeout or the socket closed first. */
    public Message receive() {
        try {
            Object next = messages.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (next == null) {
                throw new AssertionError("No WebSocket message came within " + timeout + ".");
            }
            if (next == END) {
                messages.add(END);   // for the next call
                throw new AssertionError("The WebSocket closed (" + closed.join() + ") before a message came.");
            }
            if (starved.compareAndSet(true, false)) {
                socket.request(1);
            }
            return (Message) next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for a WebSocket message.", e);
        }
    }

    /** Waits for the server's next message and returns its text. */
    public String receiveText() {
        Message m = receive();
        if (!m.isText()) {
            throw new AssertionError("Expected a text message, but the server sent a " + m + ".");
        }
        return m.text();
    }

    /** Waits for the server's next message and returns its bytes. */
    public byte[] receiveBytes() {
        Message m = receive();
        if (m.isText()) {
            throw new AssertionError("Expected a binary message, but the server sent a " + m + ".");
        }
        return m.bytes();
    }

    /** Waits until the server closes the socket (or the client's close is answered) and returns how it closed. */
    public Close awaitClose() {
        try {
            return closed.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("The WebSocket did not close within " + timeout + ".");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for the WebSocket to close.", e);
        } catch (ExecutionException e) {
            throw new AssertionError("The WebSocket failed.", e.getCause());
        }
    }

    /** Returns how the socket closed, or empty while it is open. */
    public Optional<Close> closeStatus() {
        return Optional.ofNullable(closed.getNow(null));
    }

    /**
     * Starts the closing handshake with {@code code} and {@code reason} and waits for the server's answer; when
     * the server closed first, returns how it did.
     */
    public Close close(int code, String reason) {
        if (!socket.isOutputClosed()) {
            try {
                socket.sendClose(code, reason).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                // The server's close came first and the client has answered it: its output is closed already.
                if (!socket.isOutputClosed()) {
                    throw new AssertionError("The WebSocket could not send its close: " + e.getCause(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new AssertionError("The WebSocket could not send its close within " + timeout + ".");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while closing a WebSocket.", e);
            }
        }
        Close how = awaitClose();
        socket.abort();
        return how;
    }

    /** Closes with 1000 unless the socket has closed already; waits for the server's answer. */
    @Override
    public void close() {
        if (closed.isDone()) {
            socket.abort();
            return;
        }
        close(WebSocket.NORMAL_CLOSURE, "");
    }

    private void await(CompletableFuture<?> sent) {
        try {
            sent.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("The WebSocket could not send within " + timeout + ".");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while sending on a WebSocket.", e);
        } catch (ExecutionException e) {
            throw new AssertionError("The WebSocket could not send: " + e.getCause(), e.getCause());
        }
    }
}
