package dev.starling;

import dev.starling.concurrent.CapacityLimiter;
import dev.starling.concurrent.Threadpool;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The settings of one Starling app, with defaults that protect a service out of the box.
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><td>host, port</td><td>127.0.0.1, 8000</td></tr>
 *   <tr><td>event loops</td><td>one per core</td></tr>
 *   <tr><td>default threadpool</td><td>{@link Threadpool#create()}: 40 tokens, 400 waiters</td></tr>
 *   <tr><td>virtual threads</td><td>{@code Threadpool.virtual(1000)}</td></tr>
 *   <tr><td>request line</td><td>8 KiB, else 414</td></tr>
 *   <tr><td>headers</td><td>16 KiB in all, else 431</td></tr>
 *   <tr><td>body</td><td>1 MiB, else 413</td></tr>
 *   <tr><td>pipelined requests waiting on one connection</td><td>16, then reading pauses</td></tr>
 *   <tr><td>idle connection timeout</td><td>60 s</td></tr>
 *   <tr><td>request headers, from their first byte (408)</td><td>30 s ({@link Builder#requestHeaderTimeout})</td></tr>
 *   <tr><td>request body, from the end of the headers (408)</td><td>60 s ({@link Builder#requestBodyTimeout})</td></tr>
 *   <tr><td>a response the client takes nothing of (connection closed)</td><td>60 s
 *       ({@link Builder#responseWriteTimeout})</td></tr>
 *   <tr><td>blocked-loop warning</td><td>after 100 ms</td></tr>
 *   <tr><td>stuck worker-task warning</td><td>after 60 s</td></tr>
 *   <tr><td>shutdown grace period</td><td>30 s</td></tr>
 *   <tr><td>request timeout (504)</td><td>none ({@link Builder#requestTimeout}, {@link Timeout})</td></tr>
 *   <tr><td>time in a threadpool's waiting room (503)</td><td>30 s ({@link Threadpool#queueTimeout})</td></tr>
 *   <tr><td>response compression</td><td>off ({@link Builder#gzip(int)})</td></tr>
 *   <tr><td>OpenAPI document at {@code /openapi.json}</td><td>on ({@link Builder#openapi(boolean)})</td></tr>
 * </table>
 *
 * <pre>{@code
 * Starling app = Starling.create(c -> c.port(8080).threadpool(Threadpool.platform(64)));
 * }</pre>
 */
public final class Config {

    private final String host;
    private final int port;
    private final int eventLoops;
    private final Threadpool threadpool;
    private final Threadpool virtualThreads;
    private final Map<String, Threadpool> pools;
    private final Map<String, Executor> executors;
    private final Map<String, CapacityLimiter> executorLimiters;
    private final java.util.List<Observer> observers;
    private final Duration requestTimeout;
    private final int maxRequestLineLength;
    private final int maxHeaderSize;
    private final int maxBodySize;
    private final int maxPartMemory;
    private final int maxPipelinedRequests;
    private final int maxConnections;
    private final Duration idleTimeout;
    private final Duration requestHeaderTimeout;
    private final Duration requestBodyTimeout;
    private final Duration responseWriteTimeout;
    private final Duration blockedLoopThreshold;
    private final boolean watchdog;
    private final Duration stuckTaskThreshold;
    private final Duration shutdownGrace;
    private final int gzipMinimumSize;
    private final boolean openapi;
    private final String openapiTitle;
    private final String openapiVersion;
    private final java.util.List<String> openapiServers;

    private Config(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.eventLoops = b.eventLoops;
        this.threadpool = b.threadpool;
        this.virtualThreads = b.virtualThreads;
        this.pools = Map.copyOf(b.pools);
        this.executors = Map.copyOf(b.executors);
        this.executorLimiters = Map.copyOf(b.executorLimiters);
        this.observers = java.util.List.copyOf(b.observers);
        this.requestTimeout = b.requestTimeout;
        this.maxRequestLineLength = b.maxRequestLineLength;
        this.maxHeaderSize = b.maxHeaderSize;
        this.maxBodySize = b.maxBodySize;
        this.maxPartMemory = b.maxPartMemory;
        this.maxPipelinedRequests = b.maxPipelinedRequests;
        this.maxConnections = b.maxConnections;
        this.idleTimeout = b.idleTimeout;
        this.requestHeaderTimeout = b.requestHeaderTimeout;
        this.requestBodyTimeout = b.requestBodyTimeout;
        this.responseWriteTimeout = b.responseWriteTimeout;
        this.blockedLoopThreshold = b.blockedLoopThreshold;
        this.watchdog = b.watchdog;
        this.stuckTaskThreshold = b.stuckTaskThreshold;
        this.shutdownGrace = b.shutdownGrace;
        this.gzipMinimumSize = b.gzipMinimumSize;
        this.openapi = b.openapi;
        this.openapiTitle = b.openapiTitle;
        this.openapiVersion = b.openapiVersion;
        this.openapiServers = java.util.List.copyOf(b.openapiServers);
    }

    /** Returns a builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the settings with every default. */
    public static Config create() {
        return builder().build();
    }

    /** Returns the address to listen on. */
    public String host() {
        return host;
    }

    /** Returns the port to listen on; 0 picks a free one. */
    public int port() {
        return port;
    }

    /** Returns the number of event loops. */
    public int eventLoops() {
        return eventLoops;
    }

    /** Returns the default threadpool that plain handlers and {@code runInThreadpool} use. */
    public Threadpool threadpool() {
        return threadpool;
    }

    /** Returns the pool of {@link RunOnVirtualThread} handlers. */
    public Threadpool virtualThreads() {
        return virtualThreads;
    }

    /** Returns the named threadpools that Starling creates and owns. */
    public Map<String, Threadpool> pools() {
        return pools;
    }

    /** Returns the named executors that the user owns. */
    public Map<String, Executor> executors() {
        return executors;
    }

    /** Returns how long a request may go unanswered before it gets 504; zero for no limit. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** Returns the observers that receive the app's events, in the order they were added. */
    public java.util.List<Observer> observers() {
        return observers;
    }

    /** Returns the limiter in front of each executor of {@link #executors()}, by name. */
    public Map<String, CapacityLimiter> executorLimiters() {
        return executorLimiters;
    }

    /** Returns the longest request line accepted. */
    public int maxRequestLineLength() {
        return maxRequestLineLength;
    }

    /** Returns the most bytes of headers accepted. */
    public int maxHeaderSize() {
        return maxHeaderSize;
    }

    /** Returns the largest body accepted. */
    public int maxBodySize() {
        return maxBodySize;
    }

    /**
     * Returns the largest part of a {@code multipart/form-data} body kept in memory; a larger upload is spooled
     * to a temporary file (off the event loop) and deleted after the response.
     */
    public int maxPartMemory() {
        return maxPartMemory;
    }

    /** Returns how many pipelined requests may wait on one connection before reading pauses. */
    public int maxPipelinedRequests() {
        return maxPipelinedRequests;
    }

    /**
     * Returns how many connections may be open at once; past it the server stops accepting, and new connections
     * wait in the operating system's backlog until one closes.
     */
    public int maxConnections() {
        return maxConnections;
    }

    /** Returns how long a connection may stay idle between requests. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Returns how long a request's headers may take to arrive, from their first byte, before it gets 408. */
    public Duration requestHeaderTimeout() {
        return requestHeaderTimeout;
    }

    /** Returns how long a request's body may take to arrive, from the end of its headers, before it gets 408. */
    public Duration requestBodyTimeout() {
        return requestBodyTimeout;
    }

    /** Returns how long the socket may take none of a pending response before the connection is closed. */
    public Duration responseWriteTimeout() {
        return responseWriteTimeout;
    }

    /** Returns how long user code may hold an event loop before the watchdog warns. */
    public Duration blockedLoopThreshold() {
        return blockedLoopThreshold;
    }

    /** Returns whether the blocked-loop watchdog runs. */
    public boolean watchdog() {
        return watchdog;
    }

    /** Returns how long an offloaded task may run before the watchdog reports it as stuck. */
    public Duration stuckTaskThreshold() {
        return stuckTaskThreshold;
    }

    /** Returns how long shutdown waits for in-flight requests. */
    public Duration shutdownGrace() {
        return shutdownGrace;
    }

    /** Returns the smallest response body that is compressed, when compression is on. */
    public java.util.OptionalInt gzip() {
        return gzipMinimumSize < 0 ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(gzipMinimumSize);
    }

    /** Returns true when the app serves its OpenAPI document at {@code /openapi.json}. */
    public boolean openapi() {
        return openapi;
    }

    /** Returns the title of the OpenAPI document ({@code info.title}). */
    public String openapiTitle() {
        return openapiTitle;
    }

    /** Returns the version of the OpenAPI document ({@code info.version}). */
    public String openapiVersion() {
        return openapiVersion;
    }

    /** Returns the server URLs listed in the OpenAPI document, possibly none. */
    public java.util.List<String> openapiServers() {
        return openapiServers;
    }

    /** Collects settings; every setter checks its value at once and says what was wrong. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8000;
        private int eventLoops = Runtime.getRuntime().availableProcessors();
        private Threadpool threadpool = Threadpool.create();
        private Threadpool virtualThreads = Threadpool.virtual(1000);
        private final Map<String, Threadpool> pools = new LinkedHashMap<>();
        private final Map<String, Executor> executors = new LinkedHashMap<>();
        private final Map<String, CapacityLimiter> executorLimiters = new LinkedHashMap<>();
        private final java.util.List<Observer> observers = new java.util.ArrayList<>();
        private Duration requestTimeout = Duration.ZERO;
        private int maxRequestLineLength = 8 * 1024;
        private int maxHeaderSize = 16 * 1024;
        private int maxBodySize = 1024 * 1024;
        private int maxPartMemory = 1024 * 1024;
        private int maxPipelinedRequests = 16;
        private int maxConnections = 10_000;
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration requestHeaderTimeout = Duration.ofSeconds(30);
        private Duration requestBodyTimeout = Duration.ofSeconds(60);
        private Duration responseWriteTimeout = Duration.ofSeconds(60);
        private Duration blockedLoopThreshold = Duration.ofMillis(100);
        private boolean watchdog = true;
        private Duration stuckTaskThreshold = Duration.ofSeconds(60);
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private int gzipMinimumSize = -1;
        private boolean openapi = true;
        private String openapiTitle = "Starling";
        private String openapiVersion = "0.1.0";
        private final java.util.List<String> openapiServers = new java.util.ArrayList<>();

        private Builder() {
        }

        /** Sets the address to listen on. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "The host must not be null.");
            return this;
        }

        /** Sets the port to listen on; 0 picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("A port is between 0 and 65535, not " + port + ".");
            }
            this.port = port;
            return this;
        }

        /** Sets the number of event loops. */
        public Builder eventLoops(int eventLoops) {
            this.eventLoops = positive("eventLoops", eventLoops);
            return this;
        }

        /** Sets the default threadpool. */
        public Builder threadpool(Threadpool threadpool) {
            this.threadpool = Objects.requireNonNull(threadpool, "The threadpool must not be null.");
            return this;
        }

        /** Sets the pool of {@link RunOnVirtualThread} handlers. */
        public Builder virtualThreads(Threadpool pool) {
            if (!pool.isVirtual()) {
                throw new IllegalArgumentException("virtualThreads needs a Threadpool.virtual(...), not " + pool + ".");
            }
            this.virtualThreads = pool;
            return this;
        }

        /** Registers a threadpool that Starling creates, owns and shuts down, for {@link ExecuteOn}. */
        public Builder executor(String name, Threadpool pool) {
            checkName(name);
            pools.put(name, Objects.requireNonNull(pool, "The threadpool must not be null."));
            return this;
        }

        /**
         * Registers an executor the caller owns (Starling never shuts it down), for {@link ExecuteOn} and
         * {@code Concurrency.runInExecutor(name, task)}, behind a limiter of its own with
         * {@link Threadpool#DEFAULT_TOKENS} tokens and ten waiters per token.
         */
        public Builder executor(String name, Executor executor) {
            return executor(name, executor, CapacityLimiter.create(Threadpool.DEFAULT_TOKENS));
        }

        /** Registers an executor the caller owns behind {@code limiter}, which bounds how many tasks it runs at once. */
        public Builder executor(String name, Executor executor, CapacityLimiter limiter) {
            checkName(name);
            Objects.requireNonNull(limiter, "The limiter must not be null; every named executor has one.");
            if (!(limiter instanceof dev.starling.internal.concurrent.DefaultCapacityLimiter)) {
                throw new IllegalArgumentException("The executor '" + name + "' needs a limiter made by"
                        + " CapacityLimiter.create, not " + limiter.getClass().getName() + ".");
            }
            executors.put(name, Objects.requireNonNull(executor, "The executor must not be null."));
            executorLimiters.put(name, limiter);
            return this;
        }

        /**
         * Sets how long a request may go unanswered: past it the client gets 504 and the request's offloaded
         * work is cancelled; {@link Timeout} on a handler overrides it. {@code Duration.ZERO} (the default)
         * sets no limit. The limit ends when the handler has returned its result (a stream is not cut).
         */
        public Builder requestTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "The request timeout must not be null; Duration.ZERO means none.");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("requestTimeout must be zero (none) or more, not " + timeout + ".");
            }
            this.requestTimeout = timeout;
            return this;
        }

        /** Adds an observer of requests, offloaded tasks, refusals and event loops (metrics, tracing). */
        public Builder observer(Observer observer) {
            observers.add(Objects.requireNonNull(observer, "The observer must not be null."));
            return this;
        }

        private void checkName(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("An executor needs a non-blank name.");
            }
            if (pools.containsKey(name) || executors.containsKey(name) || name.equals("default")
                    || name.equals("virtual")) {
                throw new IllegalArgumentException("An executor named '" + name + "' is already registered.");
            }
        }

        /** Sets the longest request line accepted (414 past it). */
        public Builder maxRequestLineLength(int bytes) {
            this.maxRequestLineLength = positive("maxRequestLineLength", bytes);
            return this;
        }

        /** Sets the most bytes of headers accepted (431 past it). */
        public Builder maxHeaderSize(int bytes) {
            this.maxHeaderSize = positive("maxHeaderSize", bytes);
            return this;
        }

        /** Sets the largest body accepted (413 past it). */
        public Builder maxBodySize(int bytes) {
            this.maxBodySize = positive("maxBodySize", bytes);
            return this;
        }

        /** Sets the largest multipart part kept in memory (default 1 MiB); larger uploads are spooled to disk. */
        public Builder maxPartMemory(int bytes) {
            this.maxPartMemory = positive("maxPartMemory", bytes);
            return this;
        }

        /** Sets how many pipelined requests may wait on one connection before reading pauses. */
        public Builder maxPipelinedRequests(int requests) {
            this.maxPipelinedRequests = positive("maxPipelinedRequests", requests);
            return this;
        }

        /**
         * Sets how many connections may be open at once (default 10,000); past it the server stops accepting
         * until one closes. Keep it below the process's file-descriptor limit ({@code ulimit -n}).
         */
        public Builder maxConnections(int connections) {
            this.maxConnections = positive("maxConnections", connections);
            return this;
        }

        /** Sets how long a connection may stay idle between requests before it is closed. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive("idleTimeout", timeout);
            return this;
        }

        /**
         * Sets how long the headers of a request may take to arrive, counted from the first byte of the request
         * (default 30 s): past it the client gets {@code 408 Request Timeout} and the connection is closed. It
         * stops a client that sends its headers a byte at a time (slowloris) from holding a connection forever.
         */
        public Builder requestHeaderTimeout(Duration timeout) {
            this.requestHeaderTimeout = positive("requestHeaderTimeout", timeout);
            return this;
        }

        /**
         * Sets how long the body of a request may take to arrive in full, counted from the end of its headers
         * (default 60 s): past it the client gets {@code 408 Request Timeout} and the connection is closed. A
         * 1 MiB body (the default {@link #maxBodySize}) must arrive at 17 KiB/s or more; raise this with the
         * body limit for large uploads over slow links.
         */
        public Builder requestBodyTimeout(Duration timeout) {
            this.requestBodyTimeout = positive("requestBodyTimeout", timeout);
            return this;
        }

        /**
         * Sets how long a client may take none of a response that waits to be sent (default 60 s, like nginx's
         * {@code send_timeout}): when the socket took none of it between two of the connection's checks, which
         * run once per this timeout, the connection is closed and the request's work cancelled. A client that
         * reads slowly but steadily is not cut.
         */
        public Builder responseWriteTimeout(Duration timeout) {
            this.responseWriteTimeout = positive("responseWriteTimeout", timeout);
            return this;
        }

        /** Sets how long user code may hold an event loop before the watchdog warns. */
        public Builder blockedLoopThreshold(Duration threshold) {
            this.blockedLoopThreshold = positive("blockedLoopThreshold", threshold);
            return this;
        }

        /** Turns the blocked-loop watchdog on or off. */
        public Builder watchdog(boolean on) {
            this.watchdog = on;
            return this;
        }

        /** Sets how long an offloaded task may run on a platform worker before the watchdog reports it. */
        public Builder stuckTaskThreshold(Duration threshold) {
            this.stuckTaskThreshold = positive("stuckTaskThreshold", threshold);
            return this;
        }

        /** Sets how long shutdown waits for in-flight requests before it interrupts them. */
        public Builder shutdownGrace(Duration grace) {
            Objects.requireNonNull(grace, "The grace period must not be null.");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("shutdownGrace cannot be negative, but " + grace + " was given.");
            }
            this.shutdownGrace = grace;
            return this;
        }

        /**
         * Compresses responses of at least {@code minimumBytes} with gzip (or deflate) for clients that accept it,
         * Starlette's {@code GZipMiddleware} (whose default minimum is 500 bytes). File responses are sent as they
         * are, zero-copy. Off by default.
         */
        public Builder gzip(int minimumBytes) {
            if (minimumBytes < 0) {
                throw new IllegalArgumentException("gzip needs a minimum size of zero or more bytes, but "
                        + minimumBytes + " was given.");
            }
            this.gzipMinimumSize = minimumBytes;
            return this;
        }

        /** Serves the app's OpenAPI 3.1 document at {@code GET /openapi.json} (on by default) or not. */
        public Builder openapi(boolean on) {
            this.openapi = on;
            return this;
        }

        /** Sets the title and version of the OpenAPI document (by default "Starling" and "0.1.0"). */
        public Builder openapiInfo(String title, String version) {
            if (title == null || title.isBlank() || version == null || version.isBlank()) {
                throw new IllegalArgumentException("The OpenAPI title and version must not be empty, but '" + title
                        + "' and '" + version + "' were given.");
            }
            this.openapiTitle = title;
            this.openapiVersion = version;
            return this;
        }

        /** Lists the URLs of the servers in the OpenAPI document, in order; none by default. */
        public Builder openapiServers(String... urls) {
            for (String url : urls) {
                if (url == null || url.isBlank()) {
                    throw new IllegalArgumentException("An OpenAPI server URL must not be empty.");
                }
            }
            this.openapiServers.clear();
            this.openapiServers.addAll(java.util.List.of(urls));
            return this;
        }

        /** Returns the settings. */
        public Config build() {
            return new Config(this);
        }

        private static int positive(String what, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(what + " must be positive, but " + value + " was given.");
            }
            return value;
        }

        private static Duration positive(String what, Duration value) {
            Objects.requireNonNull(value, () -> what + " must not be null; give a positive duration.");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, but " + value + " was given.");
            }
            return value;
        }
    }
}
