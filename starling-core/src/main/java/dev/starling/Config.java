package dev.starling;

import dev.starling.concurrent.CapacityLimiter;
import dev.starling.concurrent.Threadpool;
import dev.starling.internal.concurrent.DefaultCapacityLimiter;
import dev.starling.internal.http.TrustedProxies;
import dev.starling.internal.Durations;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The settings of one Starling app, with defaults that protect a service out of the box.
 *
 * <p>Each setter says its default and what happens past a limit; docs/server.md lists them all in one
 * table. Every setter checks its value at once and says what was wrong, so a bad setting fails where it is
 * made. {@link Builder#fromEnvironment()} also reads each plain value from the environment
 * ({@code STARLING_PORT}, {@code -Dstarling.port}, a properties file); docs/settings.md lists the names.
 *
 * <pre>{@code
 * Starling app = Starling.create(c -> c.port(8080).threadpool(Threadpool.platform(64)).fromEnvironment());
 * }</pre>
 */
public final class Config {

    private static final Setting<String> HOST = Setting.of("host", "127.0.0.1", SettingText.text(), Builder::host);
    private static final Setting<Integer> PORT = Setting.of("port", 8000, SettingText.port(), Builder::port);
    private static final Setting<Integer> EVENT_LOOPS = Setting.of("eventLoops",
            Runtime.getRuntime().availableProcessors(), SettingText.count(), Builder::eventLoops);
    private static final Setting<Threadpool> THREADPOOL = Setting.of("threadpool", Threadpool.create(),
            SettingText.threadpool(), Builder::threadpool);
    private static final Setting<Threadpool> VIRTUAL_THREADS = Setting.of("virtualThreads", Threadpool.virtual(1000),
            SettingText.threadpool(), Builder::virtualThreads);
    private static final Setting<Duration> REQUEST_TIMEOUT = Setting.of("requestTimeout", Duration.ZERO,
            Builder.DURATION, Builder::requestTimeout);
    private static final Setting<Integer> MAX_REQUEST_LINE = Setting.of("maxRequestLineLength", 8 * 1024,
            SettingText.size(), Builder::maxRequestLineLength);
    private static final Setting<Integer> MAX_HEADER_SIZE = Setting.of("maxHeaderSize", 16 * 1024,
            SettingText.size(), Builder::maxHeaderSize);
    private static final Setting<Integer> MAX_BODY_SIZE = Setting.of("maxBodySize", 1024 * 1024,
            SettingText.size(), Builder::maxBodySize);
    private static final Setting<Integer> MAX_BODY_MEMORY = Setting.of("maxBodyMemory",
            (int) Math.min(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / 4), SettingText.size(),
            Builder::maxBodyMemory);
    private static final Setting<Integer> MAX_PART_MEMORY = Setting.of("maxPartMemory", 1024 * 1024,
            SettingText.size(), Builder::maxPartMemory);
    private static final Setting<Integer> MAX_FORM_PARTS = Setting.of("maxFormParts", 1000,
            SettingText.count(), Builder::maxFormParts);
    private static final Setting<Integer> MAX_QUERY_PARAMETERS = Setting.of("maxQueryParameters", 1000,
            SettingText.count(), Builder::maxQueryParameters);
    private static final Setting<Integer> MAX_PIPELINED = Setting.of("maxPipelinedRequests", 16,
            SettingText.count(), Builder::maxPipelinedRequests);
    private static final Setting<Integer> MAX_CONNECTIONS = Setting.of("maxConnections", 10_000,
            SettingText.count(), Builder::maxConnections);
    private static final Setting<Duration> IDLE_TIMEOUT = Setting.of("idleTimeout", Duration.ofSeconds(60),
            Builder.DURATION, Builder::idleTimeout);
    private static final Setting<Duration> HEADER_TIMEOUT = Setting.of("requestHeaderTimeout", Duration.ofSeconds(30),
            Builder.DURATION, Builder::requestHeaderTimeout);
    private static final Setting<Duration> BODY_TIMEOUT = Setting.of("requestBodyTimeout", Duration.ofSeconds(60),
            Builder.DURATION, Builder::requestBodyTimeout);
    private static final Setting<Duration> WRITE_TIMEOUT = Setting.of("responseWriteTimeout", Duration.ofSeconds(60),
            Builder.DURATION, Builder::responseWriteTimeout);
    private static final Setting<Duration> BLOCKED_LOOP = Setting.of("blockedLoopThreshold", Duration.ofMillis(100),
            Builder.DURATION, Builder::blockedLoopThreshold);
    private static final Setting<Boolean> WATCHDOG = Setting.of("watchdog", true, SettingText.bool(),
            Builder::watchdog);
    private static final Setting<Duration> STUCK_TASK = Setting.of("stuckTaskThreshold", Duration.ofSeconds(60),
            Builder.DURATION, Builder::stuckTaskThreshold);
    private static final Setting<Duration> SHUTDOWN_GRACE = Setting.of("shutdownGrace", Duration.ofSeconds(30),
            Builder.DURATION, Builder::shutdownGrace);
    /** The smallest body compressed; -1 for no compression. */
    private static final Setting<Integer> GZIP = Setting.of("gzip", -1, SettingText.size(), Builder::gzip);
    private static final Setting<Boolean> OPENAPI = Setting.of("openapi", true, SettingText.bool(), Builder::openapi);
    private static final Setting<String> OPENAPI_TITLE = Setting.of("openapiTitle", "Starling", SettingText.text(),
            Builder::openapiTitle);
    private static final Setting<String> OPENAPI_VERSION = Setting.of("openapiVersion", "0.1.0", SettingText.text(),
            Builder::openapiVersion);
    private static final Setting<List<String>> OPENAPI_SERVERS = Setting.of("openapiServers", List.of(),
            SettingText.list(), (b, urls) -> b.openapiServers(urls.toArray(String[]::new)));
    /** The server's TLS identity; null to serve clear-text HTTP. */
    private static final Setting<Tls> TLS = Setting.of("tls", null);
    private static final Setting<Duration> HANDSHAKE_TIMEOUT = Setting.of("tlsHandshakeTimeout",
            Duration.ofSeconds(10), Builder.DURATION, Builder::tlsHandshakeTimeout);
    private static final Setting<Integer> WS_MAX_MESSAGE = Setting.of("webSocketMaxMessageSize", 1024 * 1024,
            SettingText.size(), Builder::webSocketMaxMessageSize);
    private static final Setting<Integer> WS_SEND_BUFFER = Setting.of("webSocketSendBuffer", 256 * 1024,
            SettingText.size(), Builder::webSocketSendBuffer);
    private static final Setting<Duration> WS_IDLE = Setting.of("webSocketIdleTimeout", Duration.ofSeconds(60),
            Builder.DURATION, Builder::webSocketIdleTimeout);
    private static final Setting<Boolean> WS_COMPRESSION = Setting.of("webSocketCompression", true,
            SettingText.bool(), Builder::webSocketCompression);
    /** The origins allowed to open WebSockets besides the server's own; empty for same-origin only. */
    private static final Setting<List<String>> WS_ORIGINS = Setting.of("webSocketOrigins", List.of(),
            SettingText.list(), (b, origins) -> b.webSocketOrigins(origins.toArray(String[]::new)));
    /** The prefix a proxy serves the app under and strips; empty for none. */
    private static final Setting<String> ROOT_PATH = Setting.of("rootPath", "", SettingText.text(),
            Builder::rootPath);
    /** The peers whose forwarding headers are believed: addresses, CIDR ranges or *; none by default. */
    private static final Setting<List<String>> TRUSTED_PROXIES = Setting.of("trustedProxies", List.of(),
            SettingText.list(), (b, proxies) -> b.trustedProxies(proxies.toArray(String[]::new)));

    private final Object[] values;
    private final Map<String, Threadpool> pools;
    private final Map<String, Executor> executors;
    private final Map<String, CapacityLimiter> executorLimiters;
    private final List<Observer> observers;
    /** Where each setting read from outside the code came from, by setting name, in declaration order. */
    private final Map<String, String> origins;

    private Config(Builder b) {
        this.values = b.values.clone();
        this.pools = Map.copyOf(b.pools);
        this.executors = Map.copyOf(b.executors);
        this.executorLimiters = Map.copyOf(b.executorLimiters);
        this.observers = List.copyOf(b.observers);
        Map<String, String> from = new LinkedHashMap<>();
        for (Setting<?> setting : Setting.all()) {
            if (b.origins[setting.index()] != null) {
                from.put(setting.name(), b.origins[setting.index()]);
            }
        }
        this.origins = Collections.unmodifiableMap(from);
    }

    /** Returns a builder with every default. */
    public static Builder builder() { return new Builder(); }

    /** Returns the settings with every default. */
    public static Config create() { return builder().build(); }

    /** Returns the address to listen on. */
    public String host() { return HOST.in(values); }

    /** Returns the port to listen on; 0 picks a free one. */
    public int port() { return PORT.in(values); }

    /** Returns the number of event loops. */
    public int eventLoops() { return EVENT_LOOPS.in(values); }

    /** Returns the default threadpool that plain handlers and {@code runInThreadpool} use. */
    public Threadpool threadpool() { return THREADPOOL.in(values); }

    /** Returns the pool of {@link RunOnVirtualThread} handlers. */
    public Threadpool virtualThreads() { return VIRTUAL_THREADS.in(values); }

    /** Returns the named threadpools that Starling creates and owns; the app reads them when it is made. */
    Map<String, Threadpool> pools() { return pools; }

    /** Returns the named executors that the user owns; the app reads them when it is made. */
    Map<String, Executor> executors() { return executors; }

    /** Returns the limiter in front of each executor of {@link #executors()}, by name. */
    Map<String, CapacityLimiter> executorLimiters() { return executorLimiters; }

    /** Returns the observers that receive the app's events, in the order they were added. */
    List<Observer> observers() { return observers; }

    /** Returns how long a request may go unanswered before it gets 504; zero for no limit. */
    public Duration requestTimeout() { return REQUEST_TIMEOUT.in(values); }

    /** Returns the longest request line accepted. */
    public int maxRequestLineLength() { return MAX_REQUEST_LINE.in(values); }

    /** Returns the most bytes of headers accepted. */
    public int maxHeaderSize() { return MAX_HEADER_SIZE.in(values); }

    /** Returns the largest body accepted. */
    public int maxBodySize() { return MAX_BODY_SIZE.in(values); }

    /**
     * Returns the most bytes of request bodies the server holds at once, across all connections, each from its
     * first byte until its request is answered (by default a quarter of the JVM's maximum heap); a body that would
     * pass it is refused with 503.
     */
    public int maxBodyMemory() { return MAX_BODY_MEMORY.in(values); }

    /**
     * Returns the largest part of a {@code multipart/form-data} body kept in memory; a larger upload is spooled
     * to a temporary file (off the event loop) and deleted after the response.
     */
    public int maxPartMemory() { return MAX_PART_MEMORY.in(values); }

    /**
     * Returns the most fields and files one form body may hold (the parts of a {@code multipart/form-data} body,
     * the fields of an {@code application/x-www-form-urlencoded} one); past it reading the form answers 400.
     */
    public int maxFormParts() { return MAX_FORM_PARTS.in(values); }

    /** Returns the most parameters one query string may hold; past it reading the query answers 400. */
    public int maxQueryParameters() { return MAX_QUERY_PARAMETERS.in(values); }

    /** Returns how many pipelined requests may wait on one connection before reading pauses. */
    public int maxPipelinedRequests() { return MAX_PIPELINED.in(values); }

    /**
     * Returns how many connections may be open at once; past it the server stops accepting, and new connections
     * wait in the operating system's backlog until one closes.
     */
    public int maxConnections() { return MAX_CONNECTIONS.in(values); }

    /** Returns how long a connection may stay idle between requests. */
    public Duration idleTimeout() { return IDLE_TIMEOUT.in(values); }

    /** Returns how long a request's headers may take to arrive, from their first byte, before it gets 408. */
    public Duration requestHeaderTimeout() { return HEADER_TIMEOUT.in(values); }

    /** Returns how long a request's body may take to arrive, from the end of its headers, before it gets 408. */
    public Duration requestBodyTimeout() { return BODY_TIMEOUT.in(values); }

    /** Returns how long the socket may take none of a pending response before the connection is closed. */
    public Duration responseWriteTimeout() { return WRITE_TIMEOUT.in(values); }

    /** Returns how long user code may hold an event loop before the watchdog warns. */
    public Duration blockedLoopThreshold() { return BLOCKED_LOOP.in(values); }

    /** Returns whether the blocked-loop watchdog runs. */
    public boolean watchdog() { return WATCHDOG.in(values); }

    /** Returns how long an offloaded task may run before the watchdog reports it as stuck. */
    public Duration stuckTaskThreshold() { return STUCK_TASK.in(values); }

    /** Returns how long shutdown waits for in-flight requests. */
    public Duration shutdownGrace() { return SHUTDOWN_GRACE.in(values); }

    /** Returns the smallest response body that is compressed, when compression is on. */
    public OptionalInt gzip() {
        int minimum = GZIP.in(values);
        return minimum < 0 ? OptionalInt.empty() : OptionalInt.of(minimum);
    }

    /** Returns true when the app serves its OpenAPI document at {@code /openapi.json}. */
    public boolean openapi() { return OPENAPI.in(values); }

    /** Returns the title of the OpenAPI document ({@code info.title}). */
    public String openapiTitle() { return OPENAPI_TITLE.in(values); }

    /** Returns the version of the OpenAPI document ({@code info.version}). */
    public String openapiVersion() { return OPENAPI_VERSION.in(values); }

    /** Returns the identity the server shows over TLS, when it serves HTTPS. */
    public Optional<Tls> tls() { return Optional.ofNullable(TLS.in(values)); }

    /** Returns how long a client may take to complete the TLS handshake before the connection is closed. */
    public Duration tlsHandshakeTimeout() { return HANDSHAKE_TIMEOUT.in(values); }

    /**
     * Returns the server URLs given for the OpenAPI document, possibly none; the document lists
     * {@link #rootPath()} first when it is set and not among them.
     */
    public List<String> openapiServers() { return OPENAPI_SERVERS.in(values); }

    /**
     * Returns the path prefix under which a proxy serves the app and which it strips before a request arrives
     * (FastAPI's {@code root_path}), such as {@code /api}; empty (the default) for none.
     */
    public String rootPath() { return ROOT_PATH.in(values); }

    /**
     * Returns the peers whose forwarding headers ({@code Forwarded}, {@code X-Forwarded-For}, {@code -Proto},
     * {@code -Host}) are believed: IP addresses, CIDR ranges, or {@code *} for every peer; empty (the default)
     * for none.
     */
    public List<String> trustedProxies() { return TRUSTED_PROXIES.in(values); }

    /**
     * Returns, by setting name, the value and source of each setting read from outside the code (such as
     * {@code "9000 from STARLING_PORT"}); a value the code set afterwards is not listed.
     */
    Map<String, String> origins() { return origins; }

    /** Returns the largest WebSocket message accepted, whole; a larger one closes the socket with 1009. */
    public int webSocketMaxMessageSize() { return WS_MAX_MESSAGE.in(values); }

    /** Returns how many bytes a WebSocket may hold for a client that has not read them before sending waits. */
    public int webSocketSendBuffer() { return WS_SEND_BUFFER.in(values); }

    /**
     * Returns how long a WebSocket may stay silent: after half of it the server pings, and a client that has
     * sent nothing (not even the pong) by the end is closed with 1001.
     */
    public Duration webSocketIdleTimeout() { return WS_IDLE.in(values); }

    /** Returns true when WebSockets may compress messages (permessage-deflate) if the client offers it. */
    public boolean webSocketCompression() { return WS_COMPRESSION.in(values); }

    /**
     * Returns the origins ({@code https://app.example}) allowed to open WebSockets besides the server's own,
     * or {@code *} for any; empty (the default) allows only upgrade requests whose {@code Origin} names the
     * server's own host, or that send none (clients other than browsers).
     */
    public List<String> webSocketOrigins() { return WS_ORIGINS.in(values); }

    /** Collects settings; every setter checks its value at once and says what was wrong. */
    public static final class Builder {
        /** How a duration setting is written: the forms of {@code @Timeout}, or 0. */
        static final SettingText<Duration> DURATION = SettingText.of("a duration such as 500ms, 30s, 2m, 1h or PT30S",
                s -> s.equals("0") ? Duration.ZERO : Durations.read(s));

        private final Object[] values = Setting.defaults();
        private final Map<String, Threadpool> pools = new LinkedHashMap<>();
        private final Map<String, Executor> executors = new LinkedHashMap<>();
        private final Map<String, CapacityLimiter> executorLimiters = new LinkedHashMap<>();
        private final List<Observer> observers = new ArrayList<>();
        /** Where each setting's value was read from, when not from code: "9000 from STARLING_PORT". */
        private final String[] origins = new String[values.length];

        private Builder() {
        }

        /**
         * Sets every setting that the environment sets, over what was set before this call (so call it last):
         * from Java system properties ({@code -Dstarling.port=9000}) first, then environment variables
         * ({@code STARLING_PORT=9000}), then the properties file named by {@code STARLING_CONFIG} (or
         * {@code -Dstarling.config}), then {@code starling.properties} on the class path. docs/settings.md lists
         * every name. A value that is not one fails here with a sentence naming the variable or key; a
         * {@code STARLING_*} variable or {@code starling.*} key that names no setting is ignored with a warning
         * naming the nearest setting.
         *
         * <pre>{@code
         * Starling app = Starling.create(c -> c.port(8080).fromEnvironment());   // STARLING_PORT wins over 8080
         * }</pre>
         */
        public Builder fromEnvironment() {
            return fromEnvironment(System.getenv(), System.getProperties(),
                    Thread.currentThread().getContextClassLoader());
        }

        /** Same as {@link #fromEnvironment()}, from the given variables, system properties and class path. */
        Builder fromEnvironment(Map<String, String> environment, Properties system, ClassLoader classPath) {
            EnvironmentSettings.apply(this, EnvironmentSettings.standard(environment, system,
                    classPath != null ? classPath : Config.class.getClassLoader()));
            return this;
        }

        /**
         * Sets every setting that the properties file {@code file} sets ({@code starling.port=9000}, the keys of
         * {@link #fromEnvironment()}), over what was set before this call; keys outside {@code starling.*} are
         * left to the app. A file that does not exist or a value that is not one fails here with a sentence.
         */
        public Builder fromProperties(Path file) {
            Objects.requireNonNull(file, "The properties file must not be null.");
            EnvironmentSettings.apply(this, List.of(EnvironmentSettings.file(file, "")));
            return this;
        }

        /** Records that {@code setting}'s value came from {@code origin}, outside the code. */
        void origin(Setting<?> setting, String origin) {
            origins[setting.index()] = origin;
        }

        /** Sets the address to listen on. */
        public Builder host(String host) {
            return set(HOST, Objects.requireNonNull(host, "The host must not be null."));
        }

        /** Sets the port to listen on; 0 picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("A port is between 0 and 65535, not " + port + ".");
            }
            return set(PORT, port);
        }

        /** Sets the number of event loops. */
        public Builder eventLoops(int eventLoops) { return setPositive(EVENT_LOOPS, eventLoops); }

        /** Sets the default threadpool. */
        public Builder threadpool(Threadpool threadpool) {
            return set(THREADPOOL, Objects.requireNonNull(threadpool, "The threadpool must not be null."));
        }

        /** Sets the pool of {@link RunOnVirtualThread} handlers. */
        public Builder virtualThreads(Threadpool pool) {
            if (!pool.isVirtual()) {
                throw new IllegalArgumentException("virtualThreads needs a Threadpool.virtual(...), not " + pool + ".");
            }
            return set(VIRTUAL_THREADS, pool);
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

        /**
         * Registers an executor the caller owns behind {@code limiter}, which bounds how many tasks it runs at once.
         */
        public Builder executor(String name, Executor executor, CapacityLimiter limiter) {
            checkName(name);
            Objects.requireNonNull(limiter, "The limiter must not be null; every named executor has one.");
            if (!(limiter instanceof DefaultCapacityLimiter)) {
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
            return set(REQUEST_TIMEOUT, timeout);
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
        public Builder maxRequestLineLength(int bytes) { return setPositive(MAX_REQUEST_LINE, bytes); }

        /** Sets the most bytes of headers accepted (431 past it). */
        public Builder maxHeaderSize(int bytes) { return setPositive(MAX_HEADER_SIZE, bytes); }

        /** Sets the largest body accepted (413 past it). */
        public Builder maxBodySize(int bytes) { return setPositive(MAX_BODY_SIZE, bytes); }

        /**
         * Sets the most bytes of request bodies the server holds at once, across all connections, each from its
         * first byte until its request is answered (default a quarter of the maximum heap); a body that would pass
         * it gets 503 and its connection closes.
         */
        public Builder maxBodyMemory(int bytes) { return setPositive(MAX_BODY_MEMORY, bytes); }

        /** Sets the largest multipart part kept in memory (default 1 MiB); larger uploads are spooled to disk. */
        public Builder maxPartMemory(int bytes) { return setPositive(MAX_PART_MEMORY, bytes); }

        /** Sets the most fields and files one form body may hold (default 1,000, as Starlette's); 400 past it. */
        public Builder maxFormParts(int parts) { return setPositive(MAX_FORM_PARTS, parts); }

        /** Sets the most parameters one query string may hold (default 1,000); 400 past it. */
        public Builder maxQueryParameters(int parameters) { return setPositive(MAX_QUERY_PARAMETERS, parameters); }

        /** Sets how many pipelined requests may wait on one connection before reading pauses. */
        public Builder maxPipelinedRequests(int requests) { return setPositive(MAX_PIPELINED, requests); }

        /**
         * Sets how many connections may be open at once (default 10,000); past it the server stops accepting
         * until one closes. Keep it below the process's file-descriptor limit ({@code ulimit -n}).
         */
        public Builder maxConnections(int connections) { return setPositive(MAX_CONNECTIONS, connections); }

        /** Sets how long a connection may stay idle between requests before it is closed. */
        public Builder idleTimeout(Duration timeout) { return setPositive(IDLE_TIMEOUT, timeout); }

        /**
         * Sets how long the headers of a request may take to arrive, counted from the first byte of the request
         * (default 30 s): past it the client gets {@code 408 Request Timeout} and the connection is closed. It
         * stops a client that sends its headers a byte at a time (slowloris) from holding a connection forever.
         */
        public Builder requestHeaderTimeout(Duration timeout) { return setPositive(HEADER_TIMEOUT, timeout); }

        /**
         * Sets how long the body of a request may take to arrive in full, counted from the end of its headers
         * (default 60 s): past it the client gets {@code 408 Request Timeout} and the connection is closed. A
         * 1 MiB body (the default {@link #maxBodySize}) must arrive at 17 KiB/s or more; raise this with the
         * body limit for large uploads over slow links.
         */
        public Builder requestBodyTimeout(Duration timeout) { return setPositive(BODY_TIMEOUT, timeout); }

        /**
         * Sets how long a client may take none of a response that waits to be sent (default 60 s, like nginx's
         * {@code send_timeout}): when the socket took none of it between two of the connection's checks, which
         * run once per this timeout, the connection is closed and the request's work cancelled. A client that
         * reads slowly but steadily is not cut.
         */
        public Builder responseWriteTimeout(Duration timeout) { return setPositive(WRITE_TIMEOUT, timeout); }

        /** Sets how long user code may hold an event loop before the watchdog warns. */
        public Builder blockedLoopThreshold(Duration threshold) { return setPositive(BLOCKED_LOOP, threshold); }

        /** Turns the blocked-loop watchdog on or off. */
        public Builder watchdog(boolean on) { return set(WATCHDOG, on); }

        /** Sets how long an offloaded task may run on a platform worker before the watchdog reports it. */
        public Builder stuckTaskThreshold(Duration threshold) { return setPositive(STUCK_TASK, threshold); }

        /** Sets how long shutdown waits for in-flight requests before it interrupts them. */
        public Builder shutdownGrace(Duration grace) {
            Objects.requireNonNull(grace, "The grace period must not be null.");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("shutdownGrace cannot be negative, but " + grace + " was given.");
            }
            return set(SHUTDOWN_GRACE, grace);
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
            return set(GZIP, minimumBytes);
        }

        /** Serves the app's OpenAPI 3.1 document at {@code GET /openapi.json} (on by default) or not. */
        public Builder openapi(boolean on) { return set(OPENAPI, on); }

        /** Sets the title and version of the OpenAPI document (by default "Starling" and "0.1.0"). */
        public Builder openapiInfo(String title, String version) {
            if (title == null || title.isBlank() || version == null || version.isBlank()) {
                throw new IllegalArgumentException("The OpenAPI title and version must not be empty, but '" + title
                        + "' and '" + version + "' were given.");
            }
            set(OPENAPI_TITLE, title);
            return set(OPENAPI_VERSION, version);
        }

        private void openapiTitle(String title) {
            String from = origins[OPENAPI_VERSION.index()];
            openapiInfo(title, OPENAPI_VERSION.in(values));
            origins[OPENAPI_VERSION.index()] = from;   // the version is as it was, and so is where it came from
        }

        private void openapiVersion(String version) {
            String title = OPENAPI_TITLE.in(values);
            String from = origins[OPENAPI_TITLE.index()];
            openapiInfo(title, version);
            origins[OPENAPI_TITLE.index()] = from;   // the title is as it was, and so is where it came from
        }

        /** Lists the URLs of the servers in the OpenAPI document, in order; none by default. */
        public Builder openapiServers(String... urls) {
            for (String url : urls) {
                if (url == null || url.isBlank()) {
                    throw new IllegalArgumentException("An OpenAPI server URL must not be empty.");
                }
            }
            return set(OPENAPI_SERVERS, List.of(urls));
        }

        /**
         * Serves the app under {@code path}, a prefix that a proxy strips before the request arrives (FastAPI's
         * {@code root_path}): routes stay as declared, while the OpenAPI document lists {@code path} as its first
         * server, Swagger UI loads {@code path + "/openapi.json"}, and the URLs the app builds
         * ({@link Request#url()}, {@link Request#baseUrl()}, redirects) carry it. {@code "/api/"} is read as
         * {@code "/api"}; empty (the default) for none.
         */
        public Builder rootPath(String path) {
            Objects.requireNonNull(path, "The root path must not be null; give \"\" for none.");
            String p = path.strip().replaceAll("/+$", "");
            if (!p.isEmpty() && (!p.startsWith("/") || !p.matches("[A-Za-z0-9\\-._~%/:@]+")
                    || p.contains("//"))) {
                throw new IllegalArgumentException("The root path '" + path + "' must be empty or a path such as /api:"
                        + " starting with '/', of letters, digits and - . _ ~ % : @ / only, without '//'.");
            }
            return set(ROOT_PATH, p);
        }

        /**
         * Believes the forwarding headers ({@code Forwarded}, else {@code X-Forwarded-For}, {@code -Proto} and
         * {@code -Host}) of connections from these peers: IP addresses ({@code 10.0.0.1}, {@code ::1}), CIDR ranges
         * ({@code 10.0.0.0/8}, {@code fd00::/8}), or {@code *} for every peer (only when nothing but the proxy can
         * reach the server). By default none: forwarding headers are ignored, as uvicorn's
         * {@code --forwarded-allow-ips} and Quarkus' {@code quarkus.http.proxy.trusted-proxies} do. Host names are
         * not resolved. {@link Request#client()}, {@link Request#scheme()} and {@link Request#host()} use them.
         */
        public Builder trustedProxies(String... proxies) {
            Objects.requireNonNull(proxies, "The trusted proxies must not be null.");
            List<String> all = new ArrayList<>();
            for (String proxy : proxies) {
                Objects.requireNonNull(proxy, "A trusted proxy must not be null.");
                TrustedProxies.check(proxy);
                all.add(proxy.strip());
            }
            return set(TRUSTED_PROXIES, List.copyOf(all));
        }

        /**
         * Serves HTTPS (TLS 1.3 and 1.2 only) with {@code identity} instead of clear-text HTTP; the start-up line
         * says which TLS implementation runs (OpenSSL when netty-tcnative is on the class path, else the JDK's).
         */
        public Builder tls(Tls identity) {
            return set(TLS, Objects.requireNonNull(identity, "The TLS identity must not be null."));
        }

        /** Serves HTTPS with a PEM certificate chain (leaf first) and a PEM private key; see {@link Tls#fromPem}. */
        public Builder tls(Path certificateChainPem, Path privateKeyPem) {
            return tls(Tls.fromPem(certificateChainPem, privateKeyPem));
        }

        /** Serves HTTPS with the first private key entry of {@code store}; see {@link Tls#fromKeyStore}. */
        public Builder tls(KeyStore store, char[] password) { return tls(Tls.fromKeyStore(store, null, password)); }

        /**
         * Sets how long a client may take to complete the TLS handshake (default 10 s); past it the connection is
         * closed, so a client that connects and says nothing holds nothing.
         */
        public Builder tlsHandshakeTimeout(Duration timeout) { return setPositive(HANDSHAKE_TIMEOUT, timeout); }

        /** Sets the largest WebSocket message accepted, whole (default 1 MiB); a larger one is closed with 1009. */
        public Builder webSocketMaxMessageSize(int bytes) { return setPositive(WS_MAX_MESSAGE, bytes); }

        /**
         * Sets how many bytes sent on a WebSocket may wait for a client that has not read them (default 256 KiB);
         * past it a blocking send waits, and reading from the client pauses.
         */
        public Builder webSocketSendBuffer(int bytes) { return setPositive(WS_SEND_BUFFER, bytes); }

        /** Sets how long a WebSocket may stay silent (default 60 s); the server pings after half of it. */
        public Builder webSocketIdleTimeout(Duration timeout) { return setPositive(WS_IDLE, timeout); }

        /** Turns WebSocket compression (permessage-deflate, when the client offers it; on by default) on or off. */
        public Builder webSocketCompression(boolean on) { return set(WS_COMPRESSION, on); }

        /**
         * Allows these origins ({@code https://app.example}, or {@code *} for any) to open WebSockets besides the
         * server's own; an upgrade request from another origin is answered 403.
         */
        public Builder webSocketOrigins(String... origins) {
            Objects.requireNonNull(origins, "The origins must not be null.");
            List<String> all = new ArrayList<>();
            for (String origin : origins) {
                Objects.requireNonNull(origin, "An origin must not be null.");
                if (!origin.equals("*") && !origin.matches("[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#\\s]+")) {
                    throw new IllegalArgumentException("The WebSocket origin '" + origin + "' must be a scheme "
                            + "and host such as https://app.example (no path), or *.");
                }
                all.add(origin.toLowerCase(Locale.ROOT));
            }
            return set(WS_ORIGINS, List.copyOf(all));
        }

        /** Returns the settings. */
        public Config build() {
            return new Config(this);
        }

        private <T> Builder set(Setting<T> setting, T value) {
            setting.put(values, value);
            origins[setting.index()] = null;   // set by code; fromEnvironment records its own afterwards
            return this;
        }

        private Builder setPositive(Setting<Integer> setting, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(setting + " must be positive, but " + value + " was given.");
            }
            return set(setting, value);
        }

        private Builder setPositive(Setting<Duration> setting, Duration value) {
            Objects.requireNonNull(value, () -> setting + " must not be null; give a positive duration.");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(setting + " must be positive, but " + value + " was given.");
            }
            return set(setting, value);
        }
    }
}
