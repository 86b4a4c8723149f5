package dev.starling.bench;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A Netty event loop to start offloads from, as a handler would: each hop is handed to the loop, offloads
 * from there, and ends when a callback on the loop sees the result.
 */
final class LoopHop implements AutoCloseable {

    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = group.next();

    /** Returns the loop, for offloads that must come back to it by hand. */
    EventLoop loop() {
        return loop;
    }

    /** Runs {@code offload} on the loop and waits until the stage it returns completes. */
    Object hop(Supplier<? extends CompletionStage<?>> offload) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                offload.get().whenComplete((value, error) -> {
                    if (error != null) {
                        done.completeExceptionally(error);
                    } else {
                        done.complete(value);
                    }
                });
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done.join();
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
