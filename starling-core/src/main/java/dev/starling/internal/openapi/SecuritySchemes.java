package dev.starling.internal.openapi;

import dev.starling.internal.params.Injection;
import dev.starling.security.SecurityScheme;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The security part of the OpenAPI document, as FastAPI derives it: each route's {@code security} lists the
 * schemes its dependency graph reaches (the app's and router's {@code dependsOn} too), each once, with the
 * {@code @Scopes} required on the way to it; {@code components.securitySchemes} describes every scheme used.
 */
public final class SecuritySchemes {

    /** One scheme a route requires, with the scopes required of it in order. */
    public record Requirement(SecurityScheme<?> scheme, List<String> scopes) {
    }

    /** The schemes of the whole document, by name. */
    private final Map<String, Object> components = new TreeMap<>();

    SecuritySchemes() {
    }

    /** Returns the schemes {@code injection} reaches, in the order met (depth first), merged by scheme. */
    public static List<Requirement> of(Injection injection) {
        Map<String, Requirement> byName = new LinkedHashMap<>();
        collect(injection, byName);
        return List.copyOf(byName.values());
    }

    private static void collect(Injection injection, Map<String, Requirement> byName) {
        for (Injection.Slot slot : injection.slots()) {
            Injection.Bound bound = slot.provider();
            if (bound == null) {
                continue;
            }
            SecurityScheme<?> scheme = bound.provider().scheme();
            if (scheme != null) {
                Requirement known = byName.get(scheme.name());
                List<String> scopes = new ArrayList<>(known == null ? List.of() : known.scopes());
                bound.scopes().stream().filter(s -> !scopes.contains(s)).forEach(scopes::add);
                byName.put(scheme.name(), new Requirement(scheme, List.copyOf(scopes)));
            }
            collect(bound.injection(), byName);
        }
    }

    /** Adds {@code security} to {@code op} and its schemes to the components; nothing when there are none. */
    void describe(Map<String, Object> op, List<Requirement> requirements) {
        if (requirements.isEmpty()) {
            return;
        }
        List<Object> security = new ArrayList<>();
        for (Requirement r : requirements) {
            security.add(Map.of(r.scheme().name(), r.scopes()));
            components.put(r.scheme().name(), r.scheme().openapi());
        }
        op.put("security", security);
    }

    /** Returns {@code components.securitySchemes}, sorted by name; empty when no route is secured. */
    Map<String, Object> components() {
        return components;
    }
}
