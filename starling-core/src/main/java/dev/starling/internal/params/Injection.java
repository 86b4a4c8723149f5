package dev.starling.internal.params;

import dev.starling.AppState;
import dev.starling.BackgroundTasks;
import dev.starling.Depends;
import dev.starling.internal.routing.PathTemplate;
import dev.starling.security.Scopes;
import dev.starling.security.SecurityScopes;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The parameters of one handler or provider method that are not bound from the request but injected:
 * dependencies ({@link Depends}), {@link BackgroundTasks}, the app state and the {@link SecurityScopes} required
 * along the chain. Built once, at registration, with every provider found, every cycle refused and every
 * {@link Scopes} checked to reach a security scheme.
 */
public final class Injection {

    /** The injection of a route that takes no dependencies. */
    public static final Injection NONE = new Injection(List.of());

    /**
     * One injected parameter: its index, and the provider (null for background tasks, the app state and the
     * scopes); {@code cached} false when the parameter asks for a value of its own
     * ({@code @Depends(useCache = false)}); {@code scopes} the value of a {@link SecurityScopes} parameter, else null.
     */
    public record Slot(int index, Bound provider, boolean state, boolean cached, SecurityScopes scopes) {
        Slot(int index, Bound provider) {
            this(index, provider, false, true, null);
        }

        Slot(int index, Bound provider, boolean state) {
            this(index, provider, state, true, null);
        }
    }

    /**
     * A provider as one route uses it: its own binder and injection follow the route's path template;
     * {@code scopes} are the OAuth2 scopes required of it (those of the dependencies above it, then its own
     * {@code @Scopes}); {@code cacheKey} is what one request caches its value under: the provider, or the provider
     * with its scopes when a {@link SecurityScopes} parameter below it makes the value depend on them.
     */
    public record Bound(Providers.Provider provider, Binder binder, Injection injection, List<String> scopes,
                        Object cacheKey) {

        /** Returns true when this provider is a security scheme or reaches one (or reads the required scopes). */
        boolean secures() {
            return provider.scheme() != null || injection.readsScopes() || injection.slots.stream()
                    .anyMatch(s -> s.provider() != null && s.provider().secures());
        }
    }

    /** The cache key of a provider whose value depends on the scopes required of it. */
    private record Scoped(Providers.Provider provider, Set<String> scopes) {
    }

    private final List<Slot> slots;

    private Injection(List<Slot> slots) {
        this.slots = slots;
    }

    /** Returns the injected parameters, in the order they are resolved. */
    public List<Slot> slots() {
        return slots;
    }

    /** Returns true when nothing is injected. */
    public boolean isEmpty() {
        return slots.isEmpty();
    }

    /**
     * Returns this injection preceded by the group dependencies {@code names} (run for their effect, values
     * discarded), as a route with {@code template} uses them.
     */
    public Injection after(List<String> names, PathTemplate template, Providers providers, String route) {
        if (names.isEmpty()) {
            return this;
        }
        List<Slot> all = new ArrayList<>();
        for (String name : names) {
            Providers.Provider provider = providers.named(name, route);
            all.add(new Slot(-1, bound(provider, template, providers, new LinkedHashSet<>(), List.of())));
        }
        all.addAll(slots);
        return new Injection(List.copyOf(all));
    }

    /** Returns true when some parameter here takes the required scopes. */
    private boolean readsScopes() {
        return slots.stream().anyMatch(s -> s.scopes() != null);
    }

    /** Returns true when some provider here or below takes the required scopes, so its value depends on them. */
    private boolean dependsOnScopes() {
        return readsScopes() || slots.stream().anyMatch(s -> s.provider() != null
                && s.provider().injection().dependsOnScopes());
    }

    /** Builds the injection of {@code method} used on a route with {@code template}. */
    public static Injection of(Method method, PathTemplate template, Providers providers) {
        return of(method, template, providers, new LinkedHashSet<>(), List.of());
    }

    /** Builds the injection of {@code method}, which the dependencies above require {@code scopes} of. */
    private static Injection of(Method method, PathTemplate template, Providers providers,
                                LinkedHashSet<Providers.Provider> path, List<String> scopes) {
        Parameter[] params = method.getParameters();
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < params.length; i++) {
            Parameter p = params[i];
            if (p.getType() == BackgroundTasks.class) {
                slots.add(new Slot(i, null));
            } else if (p.getType() == AppState.class) {
                slots.add(new Slot(i, null, true));
            } else if (p.getType() == SecurityScopes.class) {
                slots.add(new Slot(i, null, false, true, SecurityScopes.of(scopes)));
            } else if (p.getAnnotation(Depends.class) != null) {
                Providers.Provider provider = providers.find(method, p);
                if (path.contains(provider)) {
                    throw new IllegalArgumentException("The dependencies of " + Providers.where(method)
                            + " go round in a circle: " + path.stream().map(Providers.Provider::name)
                            .collect(Collectors.joining(" -> ")) + " -> " + provider.name() + ".");
                }
                List<String> own = own(method, p);
                List<String> required = new ArrayList<>(scopes);
                own.stream().filter(scope -> !required.contains(scope)).forEach(required::add);
                Bound bound = bound(provider, template, providers, path, List.copyOf(required));
                if (!own.isEmpty() && !bound.secures()) {
                    throw new IllegalArgumentException("Parameter '" + p.getName() + "' of " + Providers.where(method)
                            + " requires the scopes " + own + ", but its provider " + provider.name() + " reaches no "
                            + "security scheme and takes no SecurityScopes, so nothing would check them; depend on "
                            + "a provider that does, or remove @Scopes.");
                }
                slots.add(new Slot(i, bound, false, p.getAnnotation(Depends.class).useCache(), null));
            }
        }
        return slots.isEmpty() ? NONE : new Injection(List.copyOf(slots));
    }

    private static Bound bound(Providers.Provider provider, PathTemplate template, Providers providers,
                               LinkedHashSet<Providers.Provider> path, List<String> scopes) {
        path.add(provider);
        Injection injection = of(provider.method(), template, providers, path, scopes);
        path.remove(provider);
        Object key = injection.dependsOnScopes() ? new Scoped(provider, Set.copyOf(scopes)) : provider;
        return new Bound(provider, providers.binder(provider, template.names()), injection, scopes, key);
    }

    /** Returns the scopes of a parameter's {@link Scopes}, checked; empty without one. */
    private static List<String> own(Method method, Parameter p) {
        Scopes declared = p.getAnnotation(Scopes.class);
        if (declared == null) {
            return List.of();
        }
        String where = "Parameter '" + p.getName() + "' of " + Providers.where(method);
        if (declared.value().length == 0) {
            throw new IllegalArgumentException(where + " has @Scopes with no scope; name at least one, or remove it.");
        }
        try {
            return SecurityScopes.of(List.of(declared.value())).scopes();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " has @Scopes that cannot be sent: " + e.getMessage(), e);
        }
    }
}
