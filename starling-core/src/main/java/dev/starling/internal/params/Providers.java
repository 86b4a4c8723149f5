package dev.starling.internal.params;

import dev.starling.Depends;
import dev.starling.Provides;
import dev.starling.Resource;
import dev.starling.security.SecurityScheme;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import tools.jackson.databind.json.JsonMapper;

/**
 * The providers an app knows: the {@link Provides} methods of the objects given to {@code providers(...)} and of
 * each API, the security schemes given there, and the built-in OAuth2 password form.
 */
public final class Providers {

    /**
     * One provider, bound to its object: a {@code @Provides} method, or a {@link SecurityScheme} (then
     * {@code scheme} is set and {@code method} is a stand-in whose parameters the binder reads). {@code key} is the
     * name {@code @Depends("name")}, {@code dependsOn} and overrides use; {@code optionalOf} is the class inside an
     * {@code Optional} value, when known; {@code scope} says when its value is closed.
     */
    public record Provider(String name, String key, Method method, Object target, Class<?> valueType,
                           Class<?> optionalOf, boolean async, Invoker invoker, Provides.Scope scope,
                           SecurityScheme<?> scheme) {
        @Override
        public String toString() {
            return name;
        }

        /** Returns true when its value fits a parameter of {@code type} whose Optional holds {@code element}. */
        boolean fits(Class<?> type, Class<?> element) {
            return box(type).isAssignableFrom(box(valueType))
                    && (element == null || optionalOf == null || element.isAssignableFrom(optionalOf));
        }

        /** Returns a test's stand-in value as this provider's parameters receive it. */
        public Object adapt(Object replacement) {
            return scheme != null && valueType == Optional.class && !(replacement instanceof Optional<?>)
                    ? Optional.ofNullable(replacement) : replacement;
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
        // Built in: the OAuth2 password form, which any route can take as a dependency.
        return new Providers(List.of(), json).with(new PasswordForms());
    }

    /** Binds a provider's own parameters as a route with {@code pathNames} does: same JSON, same validation. */
    Binder binder(Provider provider, List<String> pathNames) {
        return Binder.of(provider.target(), provider.method(), pathNames, json);
    }

    /** Returns these providers plus the {@link Provides} methods of {@code source}. */
    public Providers with(Object source) {
        List<Provider> more = new ArrayList<>(all);
        if (source instanceof SecurityScheme<?> scheme) {
            for (Provider p : all) {
                if (p.scheme() != null && p.key().equals(scheme.name())) {
                    throw new IllegalArgumentException("A security scheme named '" + scheme.name() + "' is "
                            + "already registered (" + p.scheme() + "); give one of them another name with "
                            + "SecurityScheme.named(...).");
                }
            }
            more.addAll(SchemeProviders.of(scheme));
            return new Providers(List.copyOf(more), json);
        }
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
                    Type unwrapped = unwrap(value);
                    more.add(new Provider(m.getDeclaringClass().getSimpleName() + "." + m.getName(), m.getName(), m,
                            source, raw(unwrapped), optionalOf(unwrapped), async, Invoker.of(source, m, where),
                            m.getAnnotation(Provides.class).scope(), null));
                }
            }
        }
        return new Providers(List.copyOf(more), json);
    }

    /** Finds the provider of a {@link Depends} parameter, by name or else by type; fails with a sentence. */
    Provider find(Method method, Parameter p) {
        String name = p.getAnnotation(Depends.class).value();
        Class<?> element = p.getType() == Optional.class ? optionalOf(p.getParameterizedType()) : null;
        List<Provider> candidates = all.stream()
                .filter(pr -> name.isEmpty() ? pr.fits(p.getType(), element) : pr.key().equals(name))
                .toList();
        if (!name.isEmpty() && candidates.size() == 2 && candidates.get(0).scheme() != null
                && candidates.get(0).scheme() == candidates.get(1).scheme()) {
            // A scheme answers both ways: its Optional provider for an Optional parameter, else the one that fails.
            boolean optional = p.getType() == Optional.class;
            candidates = candidates.stream().filter(pr -> (pr.valueType() == Optional.class) == optional).toList();
        }
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
                    .collect(Collectors.joining(", ")) + "); name one with @Depends(\""
                    + (candidates.stream().anyMatch(c -> c.scheme() != null) ? "name" : "method") + "\").");
        }
        Provider found = candidates.get(0);
        if (!found.fits(p.getType(), element)) {
            throw new IllegalArgumentException(param + " is a " + described(p.getType(), element) + ", but its "
                    + "provider " + found.name() + " makes a " + described(found.valueType(), found.optionalOf()) + ".");
        }
        return found;
    }

    /** Finds the provider called {@code name} (a method's or a scheme's), for a group dependency of {@code route}. */
    Provider named(String name, String route) {
        // A group dependency runs for its effect: a scheme's failing provider, not its Optional one.
        List<Provider> found = all.stream().filter(pr -> pr.key().equals(name))
                .filter(pr -> pr.scheme() == null || pr.valueType() != Optional.class).toList();
        if (found.size() != 1) {
            throw new IllegalArgumentException("The route " + route + " depends on the provider '" + name + "', but "
                    + (found.isEmpty() ? "there is none" : "there are " + found.size() + " of that name")
                    + "; register exactly one @Provides method or security scheme '" + name + "' with "
                    + "Starling.providers(...) before including the routes.");
        }
        return found.get(0);
    }

    private static String described(Class<?> type, Class<?> element) {
        return element == null ? type.getSimpleName() : type.getSimpleName() + "<" + element.getSimpleName() + ">";
    }

    /** Returns the class an {@code Optional<X>} type holds, or null when it is no such type or X is unknown. */
    private static Class<?> optionalOf(Type type) {
        if (type instanceof ParameterizedType pt && pt.getRawType() == Optional.class) {
            Type arg = pt.getActualTypeArguments()[0];
            Class<?> c = raw(arg);
            return c == Object.class && !(arg instanceof Class<?>) ? null : c;
        }
        return null;
    }

    /** Looks through CompletionStage and Resource to the type handlers receive. */
    private static Type unwrap(Type type) {
        if (type instanceof ParameterizedType pt && pt.getRawType() instanceof Class<?> raw
                && (CompletionStage.class.isAssignableFrom(raw) || raw == Resource.class)) {
            return unwrap(pt.getActualTypeArguments()[0]);
        }
        return type;
    }

    /** Returns the class of {@code type}, or of its raw type when it is parameterized; Object otherwise. */
    static Class<?> raw(Type type) {
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
