package dev.starling.internal.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.Observer;
import dev.starling.concurrent.Threadpool;
import io.netty.channel.DefaultEventLoop;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The queue-timeout timer of a waiter handed its token on a worker, and observers that throw. */
class QueueTimeoutTimersTest {

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private WorkerPool pool;

    @AfterEach
    void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static Future<?> expiryOf(OffloadTask<?> task) throws Exception {
        Field f = OffloadTask.class.getDeclaredField("expiry");
        f.setAccessible(true);
        return (Future<?>) f.get(task);
    }

    /**
     * A waiter whose token is handed over on the finishing worker (releaseToken(inline) / releaseTokenToNext)
     * never goes through granted(), so its queue-timeout timer stays scheduled on the loop for the whole
     * queue timeout (30 s by default), holding the task, its result and its request.
     */
    @Test
    void aWaiterHandedItsTokenOnTheWorkerHasItsQueueTimerCancelled() throws Exception {
        pool = WorkerPool.create("test", Threadpool.platform(1).queueTimeout(Duration.ofHours(1)));
        CountDownLatch release = new CountDownLatch(1);
        OffloadTask<String> first = loop.submit(() -> pool.<String>submit(() -> {
            release.await();
            return "first";
        }, pool)).get(5, TimeUnit.SECONDS);
        OffloadTask<String> second = loop.submit(() -> pool.<String>submit(() -> "second", pool))
                .get(5, TimeUnit.SECONDS);
        assertThat(pool.limiter().waiting()).isEqualTo(1);
        Future<?> timer = expiryOf(second);
        assertThat(timer).as("the waiter has a queue timer").isNotNull();

        release.countDown();

        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("first");
        assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo("second");
        assertThat(timer.isCancelled()).as("the queue timer of a task that got its token is cancelled").isTrue();
    }

    /** Observers.of: docs say a throwing observer is logged and ignored; it must not silence the ones after it. */
    @Test
    void aThrowingObserverDoesNotSilenceTheNextOne() {
        List<String> heard = new CopyOnWriteArrayList<>();
        Observer broken = new Observer() {
            @Override
            public void requestEnded(String method, String route, int status, long nanos) {
                throw new IllegalStateException("broken observer");
            }
        };
        Observer recorder = new Observer() {
            @Override
            public void requestEnded(String method, String route, int status, long nanos) {
                heard.add(method + " " + route + " " + status);
            }
        };

        Observers.requestEnded(Observers.of(List.of(broken, recorder)), "GET", "/x", 200, 1);

        assertThat(heard).containsExactly("GET /x 200");
    }
}
