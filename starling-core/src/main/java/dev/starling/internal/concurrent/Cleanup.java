package dev.starling.internal.concurrent;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs cleanup (closing iterators and other resources) off the event loop without waiting for a threadpool
 * token: cleanup that queued behind the work it cleans up after could deadlock (FastAPI #3205). A few named
 * daemon threads and a bounded queue; when even that is full, the cleanup runs on the calling thread.
 */
public final class Cleanup {

    private static final Logger LOG = LoggerFactory.getLogger(Cleanup.class);
    private static final ThreadPoolExecutor THREADS;

    static {
        AtomicInteger counter = new AtomicInteger();
        THREADS = new ThreadPoolExecutor(4, 4, 10, TimeUnit.SECONDS, new ArrayBlockingQueue<>(10_000), r -> {
            Thread t = new Thread(r, "starling-cleanup-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        THREADS.allowCoreThreadTimeOut(true);
    }

    private Cleanup() {
    }

    /** Runs {@code action} soon on a cleanup thread; failures are logged with {@code what}. */
    public static void run(String what, ThrowingRunnable action) {
        Runnable safe = () -> {
            try {
                action.run();
            } catch (Exception e) {
                LOG.warn("{} failed.", what, e);
            }
        };
        try {
            THREADS.execute(safe);
        } catch (RejectedExecutionException e) {
            safe.run();
        }
    }

    /** Hands {@code value}, the result of a cancelled task that nobody will receive, to {@code release} soon. */
    static void release(Consumer<Object> release, Object value) {
        run("Releasing the result of a cancelled task", () -> release.accept(value));
    }

    /** A cleanup action. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
