package dev.starling.internal.app;

import dev.starling.Config;
import dev.starling.Observer;
import dev.starling.Starling;
import dev.starling.Tls;
import dev.starling.internal.concurrent.LoopThread;
import dev.starling.internal.concurrent.Watchdog;
import dev.starling.internal.http.HttpServer;
import dev.starling.internal.http.InFlight;
import dev.starling.internal.http.Shared;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops one app: start-up (watchdog, loops, the built-in routes, the start-up hooks, then the
 * listening socket) and a graceful stop (stop accepting, drain in-flight requests for the grace period, close
 * connections, run the shutdown hooks, shut the pools and loops down). An app starts once and stops once.
 */
final class ServerLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(Starling.class);

    enum State { NEW, STARTED, STOPPING, STOPPED }

    private final Config config;
    private final Shared shared;
    private final Watchdog watchdog;
    private final ExecutorRegistry executors;
    private final Lifespan lifespan;
    /** Builds what can only be built once the routes are fixed (the OpenAPI document); runs at start. */
    private final Runnable beforeStart;
    private final ReentrantLock lock = new ReentrantLock();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile State state = State.NEW;
    private HttpServer server;
    private int boundPort = -1;

    ServerLifecycle(Config config, Shared shared, Watchdog watchdog, ExecutorRegistry executors, Lifespan lifespan,
                    Runnable beforeStart) {
        this.config = config;
        this.shared = shared;
        this.watchdog = watchdog;
        this.executors = executors;
        this.lifespan = lifespan;
        this.beforeStart = beforeStart;
    }

    /** Throws {@code IllegalStateException} with {@code message} once the app has started. */
    void requireNew(String message) {
        if (state != State.NEW) {
            throw new IllegalStateException(message);
        }
    }

    /** Starts serving on {@code port} and returns once the socket listens. */
    void start(int port) {
        lock.lock();
        try {
            if (state != State.NEW) {
                throw new IllegalStateException("This app has already been started; an app starts once.");
            }
            LoggingCheck.warnIfNoBackend(System.err);
            if (watchdog != null) {
                watchdog.start();
            }
            server = new HttpServer(shared, config.eventLoops(),
                    LoopThread.factory("starling-loop-", executors.defaultPool(), watchdog));
            try {
                beforeStart.run();
            } catch (RuntimeException e) {
                shutdownResources();
                throw new IllegalStateException("The OpenAPI document could not be built, so the app does not start ("
                        + e + ").", e);
            }
            try {
                lifespan.starting(server.nextLoop());
            } catch (Exception e) {
                shutdownResources();
                throw new IllegalStateException("A start-up hook failed, so the app does not start (" + e + ").", e);
            }
            try {
                boundPort = server.bind(config.host(), port);
            } catch (Exception e) {
                shutdownResources();
                throw new IllegalStateException("Starling could not listen on " + config.host() + ":" + port
                        + " (" + e + ").", e);
            }
            Optional<Observer> observer = shared.observer();
            observer.ifPresent(o -> server.forEachLoop(loop -> LoopLag.start(loop, o)));
            state = State.STARTED;
            LOG.info("Starling is serving on {}://{}:{} ({} event loops on {}{}, {})",
                    config.tls().isPresent() ? "https" : "http", config.host(), boundPort, config.eventLoops(),
                    server.transport(), server.tlsProvider().map(p -> ", TLS by " + p).orElse(""),
                    config.threadpool());
        } finally {
            lock.unlock();
        }
    }

    /** Starts serving on {@code port} and blocks until the app is stopped or the JVM exits. */
    void run(int port) {
        start(port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(config.shutdownGrace()), "starling-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(config.shutdownGrace());
        }
    }

    /** Returns the port the app listens on. */
    int port() {
        if (boundPort < 0) {
            throw new IllegalStateException("The app is not listening yet; call start() first.");
        }
        return boundPort;
    }

    /** Serves new connections with {@code identity}; see {@link HttpServer#reloadTls}. */
    void reloadTls(Tls identity) {
        Objects.requireNonNull(identity, "The TLS identity must not be null.");
        lock.lock();
        try {
            if (state != State.STARTED) {
                throw new IllegalStateException("The app is not serving (it is " + state.toString().toLowerCase(Locale.ROOT) + "), so it has no TLS identity to replace.");
            }
            server.reloadTls(identity);
        } finally {
            lock.unlock();
        }
        LOG.info("New connections are served with the TLS identity {}.", identity);
    }

    /** Stops gracefully, waiting up to {@code grace} for in-flight requests; returns when it is done. */
    void stop(Duration grace) {
        boolean alreadyStopping = false;
        lock.lock();
        try {
            if (state == State.STOPPING || state == State.STOPPED) {
                alreadyStopping = true;
            }
            if (state == State.NEW) {
                state = State.STOPPED;
                shutdownResources();
                stopped.countDown();
                return;
            }
            if (!alreadyStopping) {
                state = State.STOPPING;
            }
        } finally {
            lock.unlock();
        }
        if (alreadyStopping) {
            // Another stop is draining (a shutdown hook and an explicit close, say): return when it is done.
            awaitStopped();
            return;
        }
        // Draining first, so that every response written from now on says it closes the connection.
        server.stopAccepting();
        InFlight inFlight = shared.inFlight();
        try {
            if (!inFlight.awaitIdle(grace.toNanos())) {
                LOG.warn("Shutdown grace period of {} ms is over; {} request(s) still in flight are cancelled.",
                        grace.toMillis(), inFlight.count());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.closeConnections();
        for (Lifespan.Started hook : lifespan.shutdownHooks()) {
            try {
                Lifespan.run(hook, server.nextLoop());
            } catch (Exception e) {
                LOG.error("A shutdown hook failed; the others still run.", e);
            }
        }
        shutdownResources();
        state = State.STOPPED;
        stopped.countDown();
        LOG.info("Starling has stopped.");
    }

    private void awaitStopped() {
        boolean interrupted = false;
        while (true) {
            try {
                stopped.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void shutdownResources() {
        executors.shutdownNow();
        if (server != null) {
            server.shutdownLoops();
        }
        if (watchdog != null) {
            watchdog.stop();
        }
    }
}
