package dev.starling.internal.http;

import dev.starling.Request;
import dev.starling.WebSocketConnection;
import dev.starling.internal.concurrent.Context;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open WebSocket: the last handler of its connection's pipeline, which turns frames into messages, and the
 * {@link WebSocketConnection} its handler holds. Messages wait in a {@link WebSocketInbox} for a blocking
 * receiver, or go to an async listener on the loop; reading pauses while the inbox is full or the send buffer
 * is, so neither side can make the server hold more than those bounds.
 */
final class WebSocketSession extends ChannelInboundHandlerAdapter implements WebSocketConnection {

    private static final Logger LOG = LoggerFactory.getLogger(WebSocketSession.class);

    private final Exchange exchange;
    private final Channel channel;
    private final long sendWaitNanos;
    /** What waits for a blocking handler, and how the socket closed. */
    private final WebSocketInbox inbox;
    /** The timer that ends the connection if the client does not answer the server's close frame. */
    private ScheduledFuture<?> closeTimer;
    private final CompletableFuture<Close> closed = new CompletableFuture<>();
    /** The async listener, set on the loop. */
    private Consumer<Message> listener;
    /** A close frame has gone out (on the loop): nothing more may be sent. */
    private boolean closeSent;
    /** The server pinged after half the idle timeout and has heard nothing since. */
    private boolean pinged;
    private boolean open;

    WebSocketSession(Exchange exchange) {
        this.exchange = exchange;
        this.channel = exchange.ctx.channel();
        this.sendWaitNanos = exchange.connection.shared().config().responseWriteTimeout().toNanos();
        this.inbox = new WebSocketInbox(exchange.connection.shared().config().webSocketMaxMessageSize());
    }

    /** The 101 is out: messages may flow. */
    void opened() {
        open = true;
    }

    @Override
    public Request request() {
        return exchange;
    }

    @Override
    public boolean isOpen() {
        return inbox.closedWith() == null;
    }

    // ---- receiving ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        pinged = false;
        try {
            switch (msg) {
                case TextWebSocketFrame text -> arrived(Message.text(text.text()), text.content().readableBytes());
                case BinaryWebSocketFrame binary -> arrived(Message.binary(ByteBufUtil.getBytes(binary.content())),
                        binary.content().readableBytes());
                case PingWebSocketFrame ping -> {
                    if (!closeSent) {
                        ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
                    }
                }
                case CloseWebSocketFrame close -> closedByClient(close);
                default -> { }   // a pong, or an unsolicited frame: heard from the client, nothing to do
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void arrived(Message message, long size) {
        if (inbox.closedWith() != null) {
            return;
        }
        Consumer<Message> l = listener;
        if (l != null) {
            deliver(l, message);
            return;
        }
        inbox.add(message, size);
        updateReading();
    }

    private void deliver(Consumer<Message> l, Message message) {
        // In the request's scope, as the handler was: work the listener offloads ends with the socket.
        Context previous = Context.set(exchange.context());
        try {
            l.accept(message);
        } catch (RuntimeException e) {
            LOG.error("The message listener of WebSocket {} failed; the socket is closed with 1011.",
                    exchange.routeName, e);
            close(1011, "The server failed.");
        } finally {
            Context.set(previous);
        }
    }

    @Override
    public Message receive() {
        if (channel.eventLoop().inEventLoop()) {
            throw new IllegalStateException("receive() waits for a message, so it cannot be called on the event loop;"
                    + " an async WebSocket handler takes messages with onMessage.");
        }
        Message message = inbox.take();
        if (!channel.config().isAutoRead()) {
            channel.eventLoop().execute(this::updateReading);
        }
        return message;
    }

    @Override
    public String receiveText() {
        Message m = receive();
        if (!m.isText()) {
            close(1003, "Expected a text message.");
            throw new Closed(new Close(1003, "Expected a text message."));
        }
        return m.text();
    }

    @Override
    public byte[] receiveBytes() {
        Message m = receive();
        if (m.isText()) {
            close(1003, "Expected a binary message.");
            throw new Closed(new Close(1003, "Expected a binary message."));
        }
        return m.bytes();
    }

    @Override
    public void onMessage(Consumer<Message> l) {
        Objects.requireNonNull(l, "The message listener must not be null.");
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> onMessage(l));
            return;
        }
        Message waiting;
        while ((waiting = inbox.poll()) != null) {
            deliver(l, waiting);
        }
        listener = l;
        updateReading();
    }

    /** Reads while there is room on both sides: in the inbox, and in the send buffer. On the loop. */
    private void updateReading() {
        boolean reading = channel.config().isAutoRead();
        boolean read = channel.isWritable() && inbox.hasRoom(reading);
        if (read != reading) {
            channel.config().setAutoRead(read);
        }
    }

    // ---- sending ----

    @Override
    public void send(String text) {
        Objects.requireNonNull(text, "The text must not be null.");
        sendAndWait(new TextWebSocketFrame(text));
    }

    @Override
    public void send(byte[] bytes) {
        Objects.requireNonNull(bytes, "The bytes must not be null.");
        sendAndWait(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes.clone())));
    }

    private void sendAndWait(WebSocketFrame frame) {
        if (channel.eventLoop().inEventLoop()) {
            frame.release();
            throw new IllegalStateException("send() waits while the client is not reading, so it cannot be called "
                    + "on the event loop; use sendAsync there.");
        }
        Close c = inbox.closedWith();
        if (c != null) {
            frame.release();
            throw new Closed(c);
        }
        channel.writeAndFlush(frame);
        if (channel.isWritable()) {
            return;
        }
        inbox.awaitWhile(() -> !channel.isWritable(), sendWaitNanos);
        if (inbox.closedWith() == null && !channel.isWritable()) {
            close(1008, "The client did not read its messages.");
        }
        Close now = inbox.closedWith();
        if (now != null) {
            throw new Closed(now);
        }
    }

    @Override
    public CompletionStage<Void> sendAsync(String text) {
        Objects.requireNonNull(text, "The text must not be null.");
        return sendAsync(new TextWebSocketFrame(text));
    }

    @Override
    public CompletionStage<Void> sendAsync(byte[] bytes) {
        Objects.requireNonNull(bytes, "The bytes must not be null.");
        return sendAsync(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes.clone())));
    }

    private CompletionStage<Void> sendAsync(WebSocketFrame frame) {
        Close c = inbox.closedWith();
        if (c != null) {
            frame.release();
            return CompletableFuture.failedFuture(new Closed(c));
        }
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        int limit = channel.config().getWriteBufferHighWaterMark();
        if (!channel.isWritable() && buffer != null && buffer.totalPendingWriteBytes() > 2L * limit) {
            frame.release();
            return CompletableFuture.failedFuture(new IllegalStateException("The send buffer of this WebSocket is "
                    + "full twice over (" + limit + " bytes) because the client is not reading; wait for earlier "
                    + "sendAsync stages before sending more."));
        }
        CompletableFuture<Void> sent = new CompletableFuture<>();
        channel.writeAndFlush(frame).addListener(f -> {
            if (f.isSuccess()) {
                sent.complete(null);
            } else {
                Close now = inbox.closedWith();
                sent.completeExceptionally(now != null ? new Closed(now) : f.cause());
            }
        });
        return sent;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        inbox.signal();
        updateReading();
        ctx.fireChannelWritabilityChanged();
    }

    // ---- closing ----

    @Override
    public CompletionStage<Close> closed() {
        return closed.copy();
    }

    @Override
    public void close() {
        close(1000, "");
    }

    @Override
    public void close(int code, String reason) {
        Objects.requireNonNull(reason, "The close reason must not be null; give an empty string for none.");
        if (!WebSocketCloseStatus.isValidStatusCode(code) || code == 1005 || code == 1006 || code == 1015) {
            throw new IllegalArgumentException("The close code " + code + " cannot be sent; use 1000, a code of "
                    + "RFC 6455 such as 1001 or 1008, or 3000-4999 for the app's own.");
        }
        if (reason.getBytes(StandardCharsets.UTF_8).length > 123) {
            throw new IllegalArgumentException("A close reason holds at most 123 bytes of UTF-8; this one has "
                    + reason.getBytes(StandardCharsets.UTF_8).length + ".");
        }
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> close(code, reason));
            return;
        }
        if (closeSent || !channel.isActive()) {
            return;
        }
        closeSent = true;
        ended(new Close(code, reason));
        // The server closes the TCP connection once its close frame is out (RFC 6455 7.1.1).
        channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        // A client that does not read never takes the close frame: the connection ends anyway.
        closeTimer = channel.eventLoop().schedule(() -> channel.close(), 5, TimeUnit.SECONDS);
    }

    private void closedByClient(CloseWebSocketFrame frame) {
        int code = frame.statusCode() == -1 ? 1005 : frame.statusCode();
        // The echo goes first: what the close wakes (the handler's end among it) must find the close sent.
        if (!closeSent) {
            closeSent = true;
            CloseWebSocketFrame echo = code == 1005 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, "");
            channel.writeAndFlush(echo).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
        ended(new Close(code, frame.reasonText()));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            if (closeSent || !channel.config().isAutoRead()) {
                return;   // closing already, or the server paused reading: silence is not the client's
            }
            if (!pinged) {
                pinged = true;
                ctx.writeAndFlush(new PingWebSocketFrame(Unpooled.EMPTY_BUFFER));
            } else {
                close(1001, "Idle for too long.");
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException || cause instanceof DecompressionException
                || cause instanceof DecoderException && cause.getCause() instanceof DecompressionException) {
            // Too large whole, or inflating past the limit: the same answer, and nothing to warn about.
            LOG.debug("WebSocket {} sent a message over the limit: {}", ctx.channel(), cause.toString());
            close(1009, "A message may hold at most " + exchange.connection.shared().config().webSocketMaxMessageSize()
                    + " bytes.");
            return;
        }
        if (cause instanceof CorruptedWebSocketFrameException c) {
            // Netty has sent the close frame (1002, 1007, 1009) and closes: the handler learns that code.
            LOG.debug("WebSocket {} broke the protocol: {}", ctx.channel(), cause.toString());
            closeSent = true;
            WebSocketCloseStatus status = c.closeStatus();
            ended(new Close(status.code(), status.reasonText()));
            return;
        }
        if (cause instanceof IOException) {
            LOG.debug("WebSocket {} failed: {}", ctx.channel(), cause.toString());
        } else {
            LOG.warn("WebSocket {} failed and is closed.", ctx.channel(), cause);
        }
        ended(new Close(1006, ""));
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (closeTimer != null) {
            closeTimer.cancel(false);
        }
        ended(new Close(1006, ""));
        ctx.fireChannelInactive();
    }

    /** The handler has ended: close the socket unless it has closed, with 1011 when the handler failed. On the loop. */
    void handlerEnded(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (e == null || e instanceof Closed || e instanceof CancellationException && !isOpen()) {
            if (open && isOpen()) {
                close(1000, "");
            }
            return;
        }
        LOG.error("The WebSocket handler of {} failed; the socket is closed with 1011.", exchange.routeName, e);
        if (open && isOpen()) {
            close(1011, "The server failed.");
        }
    }

    /** Shutdown has begun: say so to the client. */
    void goingAway() {
        close(1001, "The server is shutting down.");
    }

    /** Records how the socket closed, once: receivers and senders wake, offloaded work of the socket is cancelled. */
    private void ended(Close how) {
        if (!inbox.end(how)) {
            return;
        }
        if (open) {
            exchange.socketClosed();
        }
        closed.complete(how);
    }
}
