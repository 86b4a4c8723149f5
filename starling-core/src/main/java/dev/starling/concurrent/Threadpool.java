package dev.starling.concurrent;

import java.time.Duration;
import java.util.Objects;

/**
 * The settings of one pool of worker threads: how many tasks run at once, how many may wait, and how
 * threads behave.
 *
 * <p>A threadpool is a capacity limiter in front of threads. {@link #platform(int)} keeps named platform
 * threads ({@code starling-worker-N}) that are created on demand and retired when idle, like anyio's
 * worker threads; {@link #virtual(int)} starts one virtual thread per task. Defaults: 40 tokens,
 * 10 waiters per token, 30 seconds at most in the waiting room, 10 seconds of idle time before a platform
 * thread retires, running work interrupted when it is cancelled.
 *
 * <pre>{@code
 * Starling app = Starling.create(c -> c.threadpool(Threadpool.platform(64).maxWaiting(1000)));
 * }</pre>
 */
public final class Threadpool {

    /** Tokens of the default threadpool: 40, as in anyio and Starlette. */
    public static final int DEFAULT_TOKENS = 40;

    /** Waiters per token allowed in the waiting room by default. */
    public static final int DEFAULT_WAITERS_PER_TOKEN = 10;

    private final boolean virtual;
    private final int tokens;
    private final int maxWaiting;
    private final Duration idleTimeout;
    private final boolean interruptOnCancel;
    private final String namePrefix;
    private final Duration queueTimeout;

    /** How long a task waits for a token by default before it is refused (a request gets 503): 30 seconds. */
    public static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(30);

    private Threadpool(boolean virtual, int tokens, int maxWaiting, Duration idleTimeout,
                       boolean interruptOnCancel, String namePrefix, Duration queueTimeout) {
        if (tokens < 0) {
            throw new IllegalArgumentException("A threadpool needs zero or more tokens, but " + tokens + " were given.");
        }
        if (maxWaiting < 0) {
            throw new IllegalArgumentException("maxWaiting must be zero or more, but " + maxWaiting + " was given.");
        }
        Objects.requireNonNull(idleTimeout, "The idle timeout must not be null.");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive, but " + idleTimeout + " was given.");
        }
        this.virtual = virtual;
        this.tokens = tokens;
        this.maxWaiting = maxWaiting;
        this.idleTimeout = idleTimeout;
        this.interruptOnCancel = interruptOnCancel;
        this.namePrefix = Objects.requireNonNull(namePrefix, "The name prefix must not be null.");
        Objects.requireNonNull(queueTimeout, "The queue timeout must not be null; Duration.ZERO means no limit.");
        if (queueTimeout.isNegative()) {
            throw new IllegalArgumentException("queueTimeout must be zero (no limit) or more, but " + queueTimeout
                    + " was given.");
        }
        this.queueTimeout = queueTimeout;
    }

    /** Returns the default threadpool: 40 platform threads' worth of tokens. */
    public static Threadpool create() {
        return platform(DEFAULT_TOKENS);
    }

    /** Returns a pool of platform threads that runs at most {@code tokens} tasks at once. */
    public static Threadpool platform(int tokens) {
        return new Threadpool(false, tokens, waitingRoomFor(tokens), Duration.ofSeconds(10), true, "starling-worker-",
                DEFAULT_QUEUE_TIMEOUT);
    }

    /** Returns a pool that starts a virtual thread per task and runs at most {@code tokens} tasks at once. */
    public static Threadpool virtual(int tokens) {
        return new Threadpool(true, tokens, waitingRoomFor(tokens), Duration.ofSeconds(10), true, "starling-virtual-",
                DEFAULT_QUEUE_TIMEOUT);
    }

    private static int waitingRoomFor(int tokens) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1L, (long) tokens) * DEFAULT_WAITERS_PER_TOKEN);
    }

    /** Returns a copy whose waiting room holds at most {@code maxWaiting} tasks; past it, offloads are refused. */
    public Threadpool maxWaiting(int maxWaiting) {
        return new Threadpool(virtual, tokens, maxWaiting, idleTimeout, interruptOnCancel, namePrefix, queueTimeout);
    }

    /** Returns a copy whose idle platform threads retire after {@code idleTimeout}. */
    public Threadpool idleTimeout(Duration idleTimeout) {
        return new Threadpool(virtual, tokens, maxWaiting, idleTimeout, interruptOnCancel, namePrefix, queueTimeout);
    }

    /** Returns a copy that does or does not interrupt a running task's thread when the task is cancelled. */
    public Threadpool interruptOnCancel(boolean interruptOnCancel) {
        return new Threadpool(virtual, tokens, maxWaiting, idleTimeout, interruptOnCancel, namePrefix, queueTimeout);
    }

    /** Returns a copy whose threads are named {@code prefix} followed by a number. */
    public Threadpool namePrefix(String prefix) {
        return new Threadpool(virtual, tokens, maxWaiting, idleTimeout, interruptOnCancel, prefix, queueTimeout);
    }

    /**
     * Returns a copy whose tasks wait at most {@code timeout} for a token; past it a task is refused with
     * {@link CapacityExceededException} (a request gets 503). {@code Duration.ZERO} waits without limit.
     */
    public Threadpool queueTimeout(Duration timeout) {
        return new Threadpool(virtual, tokens, maxWaiting, idleTimeout, interruptOnCancel, namePrefix, timeout);
    }

    /** Returns how long a task may wait for a token. */
    public Duration queueTimeout() {
        return queueTimeout;
    }

    /** Returns true when this pool starts a virtual thread per task. */
    public boolean isVirtual() {
        return virtual;
    }

    /** Returns how many tasks may run at once. */
    public int tokens() {
        return tokens;
    }

    /** Returns how many tasks may wait for a token before offloads are refused. */
    public int maxWaiting() {
        return maxWaiting;
    }

    /** Returns how long an idle platform thread lives before it retires. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Returns whether cancelling a running task interrupts its thread. */
    public boolean interruptOnCancel() {
        return interruptOnCancel;
    }

    /** Returns the prefix of this pool's thread names. */
    public String namePrefix() {
        return namePrefix;
    }

    @Override
    public String toString() {
        return (virtual ? "Threadpool.virtual(" : "Threadpool.platform(") + tokens + ", maxWaiting=" + maxWaiting + ")";
    }
}
