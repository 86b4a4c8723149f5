package dev.starling.internal.app;

import dev.starling.Observer;
import dev.starling.concurrent.CapacityLimiter;
import dev.starling.concurrent.Threadpool;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * What the config holds that only the app reads: the named pools it creates, the executors the user owns with
 * their limiters, and the observers.
 */
public record Registrations(Map<String, Threadpool> pools, Map<String, Executor> executors,
                            Map<String, CapacityLimiter> limiters, List<Observer> observers) {
}
