package dev.starling.internal.concurrent;

import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A publisher that pulls a blocking iterator on a worker pool, one {@code next()} per offload, driven by
 * demand; the iterator is closed when it ends, fails, or the subscriber cancels (after any running
 * {@code next()} returns, never concurrently with it).
 */
public final class IteratorPublisher<T> implements Flow.Publisher<T> {

    private static final Logger LOG = LoggerFactory.getLogger(IteratorPublisher.class);
    private static final Object END = new Object();

    private final Iterator<? extends T> iterator;
    private final WorkerPool pool;
    private final AtomicBoolean subscribed = new AtomicBoolean();

    public IteratorPublisher(Iterator<? extends T> iterator, WorkerPool pool) {
        this.iterator = Objects.requireNonNull(iterator, "The iterator must not be null.");
        this.pool = pool;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super T> subscriber) {
        Objects.requireNonNull(subscriber, "The subscriber must not be null.");
        if (!subscribed.compareAndSet(false, true)) {
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            subscriber.onError(new IllegalStateException(
                    "An iterator can be read once: this publisher already has a subscriber."));
            return;
        }
        Pull<T> pull = new Pull<>(iterator, pool, subscriber);
        subscriber.onSubscribe(pull);
    }

    private static final class Pull<T> implements Flow.Subscription {
        private final Iterator<? extends T> iterator;
        private final WorkerPool pool;
        private final WorkerPool home;
        private final Flow.Subscriber<? super T> subscriber;
        private final ReentrantLock lock = new ReentrantLock();
        private long demand;
        private boolean pulling;
        private boolean inNext;
        private boolean cancelled;
        private boolean done;
        private boolean closed;
        private OffloadTask<Object> inFlight;

        Pull(Iterator<? extends T> iterator, WorkerPool pool, Flow.Subscriber<? super T> subscriber) {
            this.iterator = iterator;
            this.pool = pool;
            this.home = Pools.currentDefault();
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                cancel();
                subscriber.onError(new IllegalArgumentException(
                        "Subscription.request needs a positive number (reactive streams rule 3.9), got " + n + "."));
                return;
            }
            boolean start;
            lock.lock();
            try {
                demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                start = startPullLocked();
            } finally {
                lock.unlock();
            }
            if (start) {
                pull();
            }
        }

        private boolean startPullLocked() {
            if (!pulling && !cancelled && !done && demand > 0) {
                pulling = true;
                return true;
            }
            return false;
        }

        private void pull() {
            OffloadTask<Object> task = pool.prepareInternal(this::next, home);
            lock.lock();
            try {
                // Known before it can start, so that a cancel arriving while next() runs can interrupt it.
                if (cancelled) {
                    pulling = false;
                    return;
                }
                inFlight = task;
            } finally {
                lock.unlock();
            }
            task.whenComplete(this::pulled);
            task.start();
        }

        private Object next() {
            lock.lock();
            try {
                if (cancelled) {
                    return END;
                }
                inNext = true;
            } finally {
                lock.unlock();
            }
            boolean close;
            try {
                return iterator.hasNext() ? iterator.next() : END;
            } finally {
                lock.lock();
                try {
                    inNext = false;
                    close = cancelled && !closed;
                    closed |= close;
                } finally {
                    lock.unlock();
                }
                if (close) {
                    Thread.interrupted();   // the cancel's interrupt was for next(), not for close()
                    closeIterator();
                }
            }
        }

        @SuppressWarnings("unchecked")
        private void pulled(Object value, Throwable error) {
            lock.lock();
            try {
                pulling = false;
                inFlight = null;
                if (cancelled) {
                    return;
                }
                if (error != null || value == END) {
                    done = true;
                }
            } finally {
                lock.unlock();
            }
            if (error != null) {
                closeLater();
                subscriber.onError(error instanceof CompletionException c && c.getCause() != null
                        ? c.getCause() : error);
                return;
            }
            if (value == END) {
                closeLater();
                subscriber.onComplete();
                return;
            }
            lock.lock();
            try {
                demand--;
            } finally {
                lock.unlock();
            }
            subscriber.onNext((T) value);
            boolean start;
            lock.lock();
            try {
                start = startPullLocked();
            } finally {
                lock.unlock();
            }
            if (start) {
                pull();
            }
        }

        @Override
        public void cancel() {
            OffloadTask<Object> task;
            boolean close;
            lock.lock();
            try {
                if (cancelled) {
                    return;
                }
                cancelled = true;
                task = inFlight;
                close = !inNext && !closed;
                closed |= close;
            } finally {
                lock.unlock();
            }
            if (task != null) {
                task.cancel(true);
            }
            if (close) {
                closeOffLoop();
            }
        }

        private void closeLater() {
            boolean close;
            lock.lock();
            try {
                if (inNext) {
                    // The task was cancelled from outside while next() still runs: next() closes when it returns.
                    cancelled = true;
                    return;
                }
                close = !closed;
                closed = true;
            } finally {
                lock.unlock();
            }
            if (close) {
                closeOffLoop();
            }
        }

        /** Closing may block, so it leaves the loop, and never waits for a token. */
        private void closeOffLoop() {
            if (iterator instanceof AutoCloseable closeable) {
                Cleanup.run("Closing the iterator " + iterator, closeable::close);
            }
        }

        private void closeIterator() {
            if (iterator instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    LOG.warn("Closing the iterator {} failed.", iterator, e);
                }
            }
        }
    }

}
