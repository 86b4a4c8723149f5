package dev.starling.concurrent;

import io.netty.channel.DefaultEventLoop;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** A real Netty event loop for tests of the offload kernel. */
final class TestLoop implements AutoCloseable {

    final DefaultEventLoop loop = new DefaultEventLoop();

    /** Runs {@code start} on the loop and returns the stage it starts. */
    <T> CompletableFuture<T> on(Callable<CompletionStage<T>> start) {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                start.call().whenComplete((v, e) -> {
                    if (e != null) {
                        result.completeExceptionally(e);
                    } else {
                        result.complete(v);
                    }
                });
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** Returns the loop's thread name, read on the loop. */
    String threadName() throws Exception {
        return loop.submit(() -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
