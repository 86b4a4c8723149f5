package dev.starling.internal.http;

import dev.starling.WebSocketConnection.Close;
import dev.starling.WebSocketConnection.Closed;
import dev.starling.WebSocketConnection.Message;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The messages of one WebSocket that wait for its blocking handler, bounded in count and in bytes, and the one
 * lock and condition on which that handler waits: for a message, for room to send, or for the close. Filled on
 * the loop, emptied by the handler's thread.
 */
final class WebSocketInbox {

    /** Reading pauses when this many messages wait, and resumes at half. */
    static final int MESSAGES = 16;

    private record Waiting(Message message, long bytes) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /** Past this many bytes waiting, reading pauses as it does past {@link #MESSAGES} messages. */
    private final long byteLimit;
    private long bytes;
    /** Set under the lock once the socket has closed; then the handler drains what waits, and sending fails. */
    private volatile Close closedWith;

    WebSocketInbox(long byteLimit) {
        this.byteLimit = byteLimit;
    }

    /** Returns how the socket closed, or null while it is open. */
    Close closedWith() {
        return closedWith;
    }

    /** Adds a message of {@code size} bytes, as it came on the wire (inflated), and wakes the handler. */
    void add(Message message, long size) {
        lock.lock();
        try {
            waiting.addLast(new Waiting(message, size));
            bytes += size;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the next message, or null when none waits. */
    Message poll() {
        lock.lock();
        try {
            return pollLocked();
        } finally {
            lock.unlock();
        }
    }

    private Message pollLocked() {
        Waiting w = waiting.pollFirst();
        if (w == null) {
            return null;
        }
        bytes -= w.bytes();
        return w.message();
    }

    /** Waits for the next message; messages that came before the close are taken first, then {@link Closed}. */
    Message take() {
        lock.lock();
        try {
            Message m;
            while ((m = pollLocked()) == null) {
                if (closedWith != null) {
                    throw new Closed(closedWith);
                }
                changed.await();
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("Interrupted while waiting for a WebSocket message.");
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns whether the socket may read more: below the limits while {@code reading}, else once back at half of
     * them, so that reading does not flap on every message.
     */
    boolean hasRoom(boolean reading) {
        lock.lock();
        try {
            return reading ? waiting.size() < MESSAGES && bytes < byteLimit
                    : waiting.size() <= MESSAGES / 2 && bytes <= byteLimit / 2;
        } finally {
            lock.unlock();
        }
    }

    /** Waits while {@code blocked} holds and the socket is open, at most {@code nanos}. */
    void awaitWhile(BooleanSupplier blocked, long nanos) {
        long left = nanos;
        lock.lock();
        try {
            while (blocked.getAsBoolean() && closedWith == null && left > 0) {
                left = changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("Interrupted while waiting for the client to read.");
        } finally {
            lock.unlock();
        }
    }

    /** Wakes whoever waits, to look again (the socket became writable). */
    void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Records how the socket closed; returns false when it had closed already. */
    boolean end(Close how) {
        lock.lock();
        try {
            if (closedWith != null) {
                return false;
            }
            closedWith = how;
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }
}
