package dev.starling.internal.http;

import dev.starling.Config;
import dev.starling.Observer;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every connection of one server shares: the port to the pipeline, the in-flight count, the JSON mapper,
 * the observer (when anyone observes), the settings, the trusted proxies read from them, and the budget of
 * request body bytes being received.
 */
public record Shared(Port port, InFlight inFlight, JsonMapper json, Optional<Observer> observer, Config config,
                     TrustedProxies proxies, BodyBudget bodies) {

    /** Shares {@code config}'s trusted proxies, parsed once here, and a body budget of its maxBodyMemory. */
    public Shared(Port port, InFlight inFlight, JsonMapper json, Optional<Observer> observer, Config config) {
        this(port, inFlight, json, observer, config, TrustedProxies.of(config.trustedProxies()),
                new BodyBudget(config.maxBodyMemory()));
    }

    /** Checks that every part is given. */
    public Shared {
        Objects.requireNonNull(port, "The HTTP layer needs a port to the pipeline.");
        Objects.requireNonNull(inFlight, "The HTTP layer needs an in-flight count.");
        Objects.requireNonNull(json, "The HTTP layer needs a JSON mapper.");
        Objects.requireNonNull(observer, "The observer must be given as an Optional, not null.");
        Objects.requireNonNull(config, "The HTTP layer needs the config.");
        Objects.requireNonNull(proxies, "The HTTP layer needs the trusted proxies, TrustedProxies.NONE for none.");
        Objects.requireNonNull(bodies, "The HTTP layer needs a body budget.");
    }
}
