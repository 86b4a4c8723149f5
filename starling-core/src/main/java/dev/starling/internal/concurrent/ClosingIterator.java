package dev.starling.internal.concurrent;

import java.util.Iterator;
import java.util.stream.Stream;

/**
 * The iterator of a {@link Stream} that closes the stream (running its {@code onClose} handlers) when it is
 * closed; the stream's own iterator is made on first use, on the thread that pulls it.
 */
public final class ClosingIterator<T> implements Iterator<T>, AutoCloseable {

    private final Stream<? extends T> stream;
    private Iterator<? extends T> iterator;

    /** Wraps {@code stream}, which is read through its iterator and closed with this iterator. */
    public ClosingIterator(Stream<? extends T> stream) {
        this.stream = stream;
    }

    private Iterator<? extends T> iterator() {
        Iterator<? extends T> it = iterator;
        if (it == null) {
            it = stream.iterator();
            iterator = it;
        }
        return it;
    }

    @Override
    public boolean hasNext() {
        return iterator().hasNext();
    }

    @Override
    public T next() {
        return iterator().next();
    }

    @Override
    public void close() {
        stream.close();
    }

    @Override
    public String toString() {
        return "the iterator of " + stream;
    }
}
