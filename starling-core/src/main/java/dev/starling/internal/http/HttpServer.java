package dev.starling.internal.http;

import dev.starling.Tls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The Netty server of one app: its event loops (epoll where available, else NIO), the listening socket with
 * its connection limit, and the open connections, which it can ask to close when idle.
 */
public final class HttpServer {

    private final Shared shared;
    private final boolean epoll = Epoll.isAvailable();
    private final EventLoopGroup group;
    private final ChannelGroup channels = new DefaultChannelGroup("starling-connections", GlobalEventExecutor.INSTANCE);
    private Channel listener;
    private HttpInitializer connections;

    /** Starts {@code loops} event loops whose threads {@code threads} makes; nothing listens yet. */
    public HttpServer(Shared shared, int loops, ThreadFactory threads) {
        this.shared = shared;
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(loops, threads, io);
    }

    /** Returns the TLS implementation that serves HTTPS ({@code OpenSSL} or {@code JDK}), when the server does. */
    public Optional<String> tlsProvider() {
        return shared.config().tls().map(tls -> TlsContexts.provider());
    }

    /** Returns the name of the transport: {@code epoll} or {@code NIO}. */
    public String transport() {
        return epoll ? "epoll" : "NIO";
    }

    /** Returns one of the event loops, in turn. */
    public EventExecutor nextLoop() {
        return group.next();
    }

    /** Runs {@code action} for each event loop. */
    public void forEachLoop(Consumer<EventLoop> action) {
        group.forEach(loop -> action.accept((EventLoop) loop));
    }

    /** Listens on {@code host}:{@code port} (0 picks a free port) and returns the port; blocks until bound. */
    public int bind(String host, int port) {
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new ConnectionLimit(shared.config().maxConnections()))
                .childOption(ChannelOption.TCP_NODELAY, true)
                // Netty's defaults, stated: past 64 KiB of unsent bytes a connection is unwritable until it
                // drains below 32 KiB, and a stream asks for its next item only once it is writable again.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(connections = new HttpInitializer(shared, channels));
        listener = bootstrap.bind(host, port).syncUninterruptibly().channel();
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /**
     * Serves the connections accepted from now on with {@code identity} (a renewed certificate); open connections
     * keep theirs. Throws with a sentence, keeping the current identity, when the new one cannot serve.
     */
    public void reloadTls(Tls identity) {
        if (shared.config().tls().isEmpty()) {
            throw new IllegalStateException("This app serves clear-text HTTP, so it has no TLS identity to replace; "
                    + "configure one with Config.Builder.tls(...).");
        }
        if (connections == null) {
            throw new IllegalStateException("The app is not listening yet; call start() before reloadTls.");
        }
        connections.tls(identity);
    }

    /** Stops accepting connections and asks each open one to close once its current response is out. */
    public void stopAccepting() {
        shared.inFlight().drain();
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        for (Channel channel : channels) {
            HttpInitializer.closeWhenIdle(channel);
        }
    }

    /** Closes every connection still open, waiting up to five seconds. */
    public void closeConnections() {
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Shuts the event loops down, waiting up to five seconds. */
    public void shutdownLoops() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
