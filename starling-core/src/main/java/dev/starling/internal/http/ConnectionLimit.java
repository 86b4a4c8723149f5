package dev.starling.internal.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the open connections: on the listening channel, it counts each accepted connection until it closes
 * and stops accepting at the limit, so that further clients wait in the kernel's backlog (Jetty's
 * {@code ConnectionLimit}) instead of being accepted into a server that has no room for them. A connection
 * accepted past the limit anyway (NIO accepts a batch per read) is closed at once.
 */
public final class ConnectionLimit extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger("dev.starling.server");

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private volatile Channel listener;

    /** Allows {@code max} open connections. */
    public ConnectionLimit(int max) {
        this.max = max;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        listener = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        if (open.get() >= max) {
            // NIO accepts a whole backlog batch (up to 16) before autoRead can stop it: past the limit, close.
            child.unsafe().closeForcibly();
            return;
        }
        if (open.incrementAndGet() >= max && ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
            LOG.warn("{} connections are open, the limit (Config.maxConnections); new connections wait until one "
                    + "closes.", max);
        }
        child.closeFuture().addListener(f -> closed());
        ctx.fireChannelRead(msg);
    }

    private void closed() {
        // The connection that takes the count below the limit opens the door again.
        if (open.getAndDecrement() == max) {
            Channel l = listener;
            l.eventLoop().execute(() -> {
                if (open.get() < max) {
                    l.config().setAutoRead(true);
                }
            });
        }
    }

    /** Returns how many connections are open now. */
    public int open() {
        return open.get();
    }
}
