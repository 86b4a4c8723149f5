package dev.starling.internal.params;

import dev.starling.Depends;
import dev.starling.Provides;
import dev.starling.Resource;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import tools.jackson.databind.json.JsonMapper;

/** The {@link Provides} methods an app knows: of the objects given to {@code providers(...)} and of each API. */
public final class Providers {

    /** One provider method, bound to its object; {@code scope} says when its value is closed. */
    public record Provider(String name, Method method, Object target, Class<?> valueType, boolean async,
                    Invoker invoker, Provides.Scope scope) {
        @Override
        public String toString() {
            return name;
        }
    }

    private final List<Provider> all;
    private final JsonMapper json;

    private Providers(List<Provider> all, JsonMapper json) {
        this.all = all;
        this.json = json;
    }

    /** Returns no providers yet; their {@code @Body} parameters will be read with {@code json}. */
    public static Providers empty(JsonMapper json) {
        return new Providers(List.of(), json);
    }

    /** Binds a provider's own parameters as a route with {@code pathNames} does: same JSON, same validation. */
    Binder binder(Provider provider, List<String> pathNames) {
        return Binder.of(provider.target(), provider.method(), pathNames, json);
    }

    /** Returns these providers plus the {@link Provides} methods of {@code source}. */
    public Providers with(Object source) {
        List<Provider> more = new ArrayList<>(all);
        for (Class<?> c = source.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.getAnnotation(Provides.class) != null) {
                    String where = where(m);
                    Type value = m.getGenericReturnType();
                    boolean async = CompletionStage.class.isAssignableFrom(m.getReturnType());
                    if (m.getReturnType() == void.class) {
                        throw new IllegalArgumentException(where + " is a @Provides method but returns nothing; a "
                                + "provider returns the value it provides.");
                    }
                    more.add(new Provider(m.getDeclaringClass().getSimpleName() + "." + m.getName(), m, source,
                            raw(unwrap(value)), async, Invoker.of(source, m, where),
                            m.getAnnotation(Provides.class).scope()));
                }
            }
        }
        return new Providers(List.copyOf(more), json);
    }

    /** Finds the provider of a {@link Depends} parameter, by name or else by type; fails with a sentence. */
    Provider find(Method method, Parameter p) {
        String name = p.getAnnotation(Depends.class).value();
        List<Provider> candidates = all.stream()
                .filter(pr -> name.isEmpty() ? box(p.getType()).isAssignableFrom(box(pr.valueType()))
                        : pr.method().getName().equals(name))
                .toList();
        String param = "Parameter '" + p.getName() + "' of " + where(method);
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException(param + " depends on " + (name.isEmpty()
                    ? "a provider of " + p.getType().getSimpleName() : "the provider '" + name + "'")
                    + ", but there is none; add a @Provides method to the API object or to an object given to "
                    + "Starling.providers(...) before including the routes.");
        }
        if (candidates.size() > 1) {
            throw new IllegalArgumentException(param + " depends on a " + p.getType().getSimpleName()
                    + ", which several providers make (" + candidates.stream().map(Provider::name)
                    .collect(Collectors.joining(", ")) + "); name one with @Depends(\"method\").");
        }
        Provider found = candidates.get(0);
        if (!box(p.getType()).isAssignableFrom(box(found.valueType()))) {
            throw new IllegalArgumentException(param + " is a " + p.getType().getSimpleName() + ", but its provider "
                    + found.name() + " makes a " + found.valueType().getSimpleName() + ".");
        }
        return found;
    }

    /** Finds the provider method called {@code name}, for a group dependency of {@code route}. */
    Provider named(String name, String route) {
        List<Provider> found = all.stream().filter(pr -> pr.method().getName().equals(name)).toList();
        if (found.size() != 1) {
            throw new IllegalArgumentException("The route " + route + " depends on the provider '" + name + "', but "
                    + (found.isEmpty() ? "there is none" : "there are " + found.size() + " of that name")
                    + "; register exactly one @Provides method '" + name + "' with Starling.providers(...) before "
                    + "including the routes.");
        }
        return found.get(0);
    }

    /** Looks through CompletionStage and Resource to the type handlers receive. */
    private static Type unwrap(Type type) {
        if (type instanceof ParameterizedType pt && pt.getRawType() instanceof Class<?> raw
                && (CompletionStage.class.isAssignableFrom(raw) || raw == Resource.class)) {
            return unwrap(pt.getActualTypeArguments()[0]);
        }
        return type;
    }

    private static Class<?> raw(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType pt && pt.getRawType() instanceof Class<?> c) {
            return c;
        }
        return Object.class;
    }

    private static Class<?> box(Class<?> type) {
        if (!type.isPrimitive()) {
            return type;
        }
        return MethodType.methodType(type).wrap().returnType();
    }

    public static String where(Method m) {
        return m.getDeclaringClass().getName() + "." + m.getName() + "(...)";
    }
}
