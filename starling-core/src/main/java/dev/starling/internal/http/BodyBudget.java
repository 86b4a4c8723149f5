package dev.starling.internal.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies one server holds, across all its connections, from a body's first byte until its
 * request is answered, bounded by {@code maxBodyMemory}: without it, every connection could hold a body of almost
 * {@code maxBodySize} at once (10,000 connections of 1 MiB), and as many more pipelined behind a slow request,
 * which exhausts the memory Netty receives into and then the heap.
 */
public final class BodyBudget {

    private final long max;
    private final AtomicLong held = new AtomicLong();

    /** A budget of {@code max} bytes. */
    public BodyBudget(long max) {
        this.max = max;
    }

    /** Takes {@code bytes} from the budget; false, taking nothing, when that would pass its bound. */
    boolean take(int bytes) {
        if (held.addAndGet(bytes) > max) {
            held.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    /** Gives back {@code bytes} taken before. */
    void giveBack(long bytes) {
        if (bytes > 0) {
            held.addAndGet(-bytes);
        }
    }

    /** Returns the bytes held now. */
    public long held() {
        return held.get();
    }

    /** Returns the bound. */
    public long max() {
        return max;
    }
}
