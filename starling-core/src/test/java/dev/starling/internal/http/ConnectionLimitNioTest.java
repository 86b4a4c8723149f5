package dev.starling.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * On the NIO transport (App's fallback when epoll is not available: macOS, Windows, no native library), the
 * listener accepts every connection in the backlog in one read (up to 16) before it fires the first to
 * ConnectionLimit, so turning autoRead off at the limit cannot stop that batch: those past it are closed.
 */
class ConnectionLimitNioTest {

    @Test
    void connectionsQueuedWhileTheLoopIsBusyAreNotAcceptedPastTheLimit() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        CountDownLatch thirdAccepted = new CountDownLatch(3);
        ConnectionLimit limit = new ConnectionLimit(2);
        List<Socket> clients = new ArrayList<>();
        try {
            Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .handler(limit)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            thirdAccepted.countDown();
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            listener.eventLoop().execute(() -> {
                held.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 4; i++) {   // the kernel completes each handshake; they wait in the backlog
                clients.add(new Socket("127.0.0.1", port));
            }
            release.countDown();
            assertThat(thirdAccepted.await(1, TimeUnit.SECONDS))
                    .as("a third connection was accepted with maxConnections 2 (open: %d)", limit.open())
                    .isFalse();
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
