package dev.starling.internal.params;

import dev.starling.AppState;
import dev.starling.BackgroundTasks;
import dev.starling.Depends;
import dev.starling.internal.routing.PathTemplate;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The parameters of one handler or provider method that are not bound from the request but injected:
 * dependencies ({@link Depends}) and {@link BackgroundTasks}. Built once, at registration, with every
 * provider found and every cycle refused.
 */
public final class Injection {

    /** The injection of a route that takes no dependencies. */
    public static final Injection NONE = new Injection(List.of());

    /**
     * One injected parameter: its index, and the provider (null for background tasks and the app state);
     * {@code cached} false when the parameter asks for a value of its own ({@code @Depends(useCache = false)}).
     */
    public record Slot(int index, Bound provider, boolean state, boolean cached) {
        Slot(int index, Bound provider) {
            this(index, provider, false, true);
        }

        Slot(int index, Bound provider, boolean state) {
            this(index, provider, state, true);
        }
    }

    /** A provider as one route uses it: its own binder and injection follow the route's path template. */
    public record Bound(Providers.Provider provider, Binder binder, Injection injection) {
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
            all.add(new Slot(-1, new Bound(provider, providers.binder(provider, template.names()),
                    of(provider.method(), template, providers))));
        }
        all.addAll(slots);
        return new Injection(List.copyOf(all));
    }

    /** Builds the injection of {@code method} used on a route with {@code template}. */
    public static Injection of(Method method, PathTemplate template, Providers providers) {
        return of(method, template, providers, new LinkedHashSet<>());
    }

    private static Injection of(Method method, PathTemplate template, Providers providers,
                                LinkedHashSet<Providers.Provider> path) {
        Parameter[] params = method.getParameters();
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < params.length; i++) {
            Parameter p = params[i];
            if (p.getType() == BackgroundTasks.class) {
                slots.add(new Slot(i, null));
            } else if (p.getType() == AppState.class) {
                slots.add(new Slot(i, null, true));
            } else if (p.getAnnotation(Depends.class) != null) {
                Providers.Provider provider = providers.find(method, p);
                if (path.contains(provider)) {
                    throw new IllegalArgumentException("The dependencies of " + Providers.where(method)
                            + " go round in a circle: " + path.stream().map(Providers.Provider::name)
                            .collect(Collectors.joining(" -> ")) + " -> " + provider.name() + ".");
                }
                path.add(provider);
                Bound bound = new Bound(provider, providers.binder(provider, template.names()),
                        of(provider.method(), template, providers, path));
                path.remove(provider);
                slots.add(new Slot(i, bound, false, p.getAnnotation(Depends.class).useCache()));
            }
        }
        return slots.isEmpty() ? NONE : new Injection(List.copyOf(slots));
    }
}
