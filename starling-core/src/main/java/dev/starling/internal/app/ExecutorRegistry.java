package dev.starling.internal.app;

import dev.starling.Config;
import dev.starling.Observer;
import dev.starling.concurrent.CapacityLimiter;
import dev.starling.concurrent.RemoteExecutor;
import dev.starling.concurrent.Threadpool;
import dev.starling.internal.concurrent.DefaultCapacityLimiter;
import dev.starling.internal.concurrent.RemoteCall;
import dev.starling.internal.concurrent.Watchdog;
import dev.starling.internal.concurrent.WorkerPool;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The executors of one app by name: the default threadpool, the virtual threads, and the named pools and
 * executors of the config, each with its limiter; where a declared route runs is looked up here.
 */
final class ExecutorRegistry {

    private final WorkerPool defaultPool;
    private final WorkerPool virtualPool;
    private final Map<String, WorkerPool> named = new LinkedHashMap<>();

    ExecutorRegistry(Config config, Registrations registrations, Watchdog watchdog, Observer observer) {
        this.defaultPool = WorkerPool.create("default", config.threadpool(), watchdog);
        this.virtualPool = WorkerPool.create("virtual", config.virtualThreads(), watchdog);
        registrations.pools().forEach((name, spec) -> named.put(name, WorkerPool.create(name,
                spec.namePrefix().equals(Threadpool.platform(1).namePrefix())
                        || spec.namePrefix().equals(Threadpool.virtual(1).namePrefix())
                        ? spec.namePrefix("starling-" + name + "-") : spec, watchdog)));
        registrations.executors().forEach((name, executor) -> named.put(name, WorkerPool.wrap(name, executor,
                (DefaultCapacityLimiter) registrations.limiters().get(name))));
        if (registrations.executors().values().stream().anyMatch(RemoteExecutor.class::isInstance)) {
            // Java serialization's one-time set-up belongs here, not on the loop of the first remote call.
            RemoteCall.prepare();
        }
        Map<String, WorkerPool> registry = new LinkedHashMap<>();
        registry.put("default", defaultPool);
        registry.put("virtual", virtualPool);
        registry.putAll(named);
        Map<String, WorkerPool> all = Collections.unmodifiableMap(registry);
        all.values().forEach(p -> p.registry(all));
        all.values().forEach(p -> p.observer(observer));
    }

    /** Returns the default threadpool. */
    WorkerPool defaultPool() {
        return defaultPool;
    }

    /** Returns the pool a route declared with {@code where} runs on: null for the loop. */
    WorkerPool forRoute(MethodRoutes.Declared d) {
        return switch (d.where()) {
            case LOOP -> null;
            case DEFAULT -> defaultPool;
            case VIRTUAL -> virtualPool;
            case NAMED -> {
                WorkerPool p = named.get(d.executor());
                if (p == null) {
                    throw new IllegalArgumentException(d.name() + " runs on the executor '" + d.executor()
                            + "', but no executor has that name; register it with Config.Builder.executor(\""
                            + d.executor() + "\", ...)" + (named.isEmpty() ? "." : " (known: " + named.keySet()
                            + ")."));
                }
                if (p.isRemote()) {
                    throw new IllegalArgumentException(d.name() + " runs on the executor '" + d.executor()
                            + "', which runs tasks in another JVM; a handler runs in this one. Offload the heavy"
                            + " part from the handler with Concurrency.runInExecutor(\"" + d.executor()
                            + "\", task) instead.");
                }
                yield p;
            }
        };
    }

    /** Returns the limiter of every executor by name, {@code "default"} and {@code "virtual"} first. */
    Map<String, CapacityLimiter> limiters() {
        Map<String, CapacityLimiter> all = new LinkedHashMap<>();
        all.put("default", defaultPool.limiter());
        all.put("virtual", virtualPool.limiter());
        named.forEach((name, pool) -> {
            if (pool.limiter() != null) {
                all.put(name, pool.limiter());
            }
        });
        return Collections.unmodifiableMap(all);
    }

    /** Returns the limiter of the executor called {@code executor}, when it has one. */
    Optional<CapacityLimiter> limiter(String executor) {
        WorkerPool pool = "default".equals(executor) ? defaultPool : "virtual".equals(executor) ? virtualPool
                : named.get(executor);
        return Optional.ofNullable(pool == null ? null : pool.limiter());
    }

    /** Shuts every pool down, interrupting what still runs. */
    void shutdownNow() {
        defaultPool.shutdownNow();
        virtualPool.shutdownNow();
        named.values().forEach(WorkerPool::shutdownNow);
    }
}
