package dev.starling.internal.concurrent;

import dev.starling.concurrent.Threadpool;
import io.netty.channel.DefaultEventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** A white-box test's event loop and the pools and executors it made, all stopped by {@link #close()}. */
final class LoopAndPools implements AutoCloseable {

    final DefaultEventLoop loop = new DefaultEventLoop();
    private final List<WorkerPool> pools = new ArrayList<>();
    private final List<ExecutorService> executors = new ArrayList<>();

    WorkerPool pool(Threadpool spec) {
        WorkerPool pool = WorkerPool.create("test", spec);
        pools.add(pool);
        return pool;
    }

    ExecutorService executor(ExecutorService executor) {
        executors.add(executor);
        return executor;
    }

    /** Runs {@code call} on the loop, so that what it offloads completes there, and returns its result. */
    <T> T onLoop(Callable<T> call) throws Exception {
        return loop.submit(call).get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        pools.forEach(WorkerPool::shutdownNow);
        executors.forEach(ExecutorService::shutdownNow);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
