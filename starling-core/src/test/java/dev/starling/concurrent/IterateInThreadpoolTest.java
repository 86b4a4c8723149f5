package dev.starling.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IterateInThreadpoolTest {

    private final TestLoop loop = new TestLoop();

    @AfterEach
    void close() {
        loop.close();
    }

    /** An iterator that records the threads it is called on and whether it was closed. */
    static final class Recording implements Iterator<Integer>, AutoCloseable {
        final List<String> threads = new CopyOnWriteArrayList<>();
        final CountDownLatch closed = new CountDownLatch(1);
        final CountDownLatch blockAt;
        final int size;
        final int blockIndex;
        final CountDownLatch blocked = new CountDownLatch(1);
        int next;

        Recording(int size, int blockIndex) {
            this.size = size;
            this.blockIndex = blockIndex;
            this.blockAt = new CountDownLatch(1);
        }

        @Override
        public boolean hasNext() {
            return next < size;
        }

        @Override
        public Integer next() {
            threads.add(Thread.currentThread().getName());
            if (next == blockIndex) {
                blocked.countDown();
                try {
                    blockAt.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return next++;
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    @Test
    void itYieldsAllItemsFromWorkerThreadsOnTheLoop() throws Exception {
        Recording items = new Recording(5, -1);
        List<String> deliveredOn = new CopyOnWriteArrayList<>();
        CompletableFuture<List<Integer>> all = new CompletableFuture<>();
        String loopName = loop.threadName();
        loop.loop.execute(() -> Concurrency.iterateInThreadpool(items).subscribe(new Flow.Subscriber<Integer>() {
            final List<Integer> got = new CopyOnWriteArrayList<>();
            Flow.Subscription s;

            @Override
            public void onSubscribe(Flow.Subscription s) {
                this.s = s;
                s.request(1);
            }

            @Override
            public void onNext(Integer item) {
                deliveredOn.add(Thread.currentThread().getName());
                got.add(item);
                s.request(1);
            }

            @Override
            public void onError(Throwable t) {
                all.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                all.complete(got);
            }
        }));
        assertThat(all.get(5, TimeUnit.SECONDS)).containsExactly(0, 1, 2, 3, 4);
        assertThat(items.threads).hasSize(5).allSatisfy(t -> assertThat(t).startsWith("starling-worker-"));
        assertThat(deliveredOn).hasSize(5).containsOnly(loopName);
        assertThat(items.closed.await(5, TimeUnit.SECONDS)).as("closed once exhausted").isTrue();
    }

    @Test
    void cancellingClosesTheIteratorAfterTheRunningNextReturns() throws Exception {
        Recording items = new Recording(100, 2);
        CountDownLatch gotTwo = new CountDownLatch(2);
        Flow.Subscription[] subscription = new Flow.Subscription[1];
        Concurrency.iterateInThreadpool(items).subscribe(new Flow.Subscriber<Integer>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription[0] = s;
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(Integer item) {
                gotTwo.countDown();
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onComplete() {
            }
        });
        assertThat(gotTwo.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(items.blocked.await(5, TimeUnit.SECONDS)).isTrue();
        subscription[0].cancel();
        // The third next() was interrupted by the cancel; close follows its return, never runs beside it.
        assertThat(items.closed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(items.threads).hasSize(3);
    }

    @Test
    void demandPacesThePulls() throws Exception {
        Recording items = new Recording(10, -1);
        CountDownLatch two = new CountDownLatch(2);
        Concurrency.iterateInThreadpool(items).subscribe(new Flow.Subscriber<Integer>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(2);
            }

            @Override
            public void onNext(Integer item) {
                two.countDown();
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onComplete() {
            }
        });
        assertThat(two.await(5, TimeUnit.SECONDS)).isTrue();
        // No third request was made, so no third next(): the pull after the second item never starts.
        Concurrency.runInThreadpool(() -> null).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(items.threads).hasSize(2);
    }
}
