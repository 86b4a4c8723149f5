package dev.starling.internal.binding;

import dev.starling.Request;
import dev.starling.params.Header;
import dev.starling.params.Path;
import dev.starling.params.Query;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a request into the argument array of one handler method. Built once per route, when the app is
 * built; a parameter that cannot be bound fails there with a sentence naming class, method and parameter.
 */
public final class Binder {

    /** Binds one parameter; conversion failures go to the collector. */
    private interface Param {
        Object bind(Request request, ValidationFailure.Collector errors);
    }

    private enum Shape { REQUIRED, OPTIONAL, LIST }

    private static final Binder NONE = new Binder(new Param[0]);

    private final Param[] params;

    private Binder(Param[] params) {
        this.params = params;
    }

    /** Returns the binder of a method with no parameters. */
    public static Binder none() {
        return NONE;
    }

    /** Binds the arguments, or throws {@link ValidationFailure} listing every value that failed. */
    public Object[] bind(Request request) {
        if (params.length == 0) {
            return params;
        }
        Object[] args = new Object[params.length];
        ValidationFailure.Collector errors = new ValidationFailure.Collector();
        for (int i = 0; i < params.length; i++) {
            args[i] = params[i].bind(request, errors);
        }
        errors.throwIfAny();
        return args;
    }

    /** Builds the binder of {@code method}, whose path template declares {@code pathNames}. */
    public static Binder of(Method method, List<String> pathNames) {
        Parameter[] declared = method.getParameters();
        Param[] params = new Param[declared.length];
        for (int i = 0; i < declared.length; i++) {
            params[i] = param(method, declared[i], pathNames);
        }
        return new Binder(params);
    }

    private static Param param(Method method, Parameter p, List<String> pathNames) {
        if (p.getType() == Request.class) {
            return (request, errors) -> request;
        }
        if (!p.isNamePresent() && p.getAnnotation(Path.class) == null && p.getAnnotation(Query.class) == null
                && p.getAnnotation(Header.class) == null) {
            throw new IllegalArgumentException(where(method, p) + " has no name at run time; compile with "
                    + "'-parameters' or name it with @Path, @Query or @Header.");
        }
        Path path = p.getAnnotation(Path.class);
        Query query = p.getAnnotation(Query.class);
        Header header = p.getAnnotation(Header.class);
        int annotations = (path != null ? 1 : 0) + (query != null ? 1 : 0) + (header != null ? 1 : 0);
        if (annotations > 1) {
            throw new IllegalArgumentException(where(method, p) + " has more than one of @Path, @Query and @Header; "
                    + "a parameter comes from one place.");
        }
        if (path != null || (annotations == 0 && pathNames.contains(p.getName()))) {
            String name = path != null && !path.value().isEmpty() ? path.value() : p.getName();
            if (!pathNames.contains(name)) {
                throw new IllegalArgumentException(where(method, p) + " is bound to the path parameter '" + name
                        + "', but the path template has " + (pathNames.isEmpty() ? "no parameters" : pathNames) + ".");
            }
            Converters.Converter converter = Converters.forType(p.getType());
            if (converter == null) {
                throw new IllegalArgumentException(where(method, p) + " is a path parameter of type "
                        + p.getType().getSimpleName() + ", which Starling cannot convert from a string; use String, "
                        + "a number, boolean, UUID or an enum.");
            }
            return (request, errors) -> {
                String raw = request.pathParam(name).orElse("");
                try {
                    return converter.convert(raw);
                } catch (Converters.Invalid e) {
                    errors.add(e.type, "path", name, e.getMessage(), raw);
                    return null;
                }
            };
        }
        if (header != null) {
            String name = !header.value().isEmpty() ? header.value() : kebab(p.getName());
            return multi(method, p, "header", name);
        }
        String name = query != null && !query.value().isEmpty() ? query.value() : p.getName();
        if (query == null && shape(p) == Shape.REQUIRED && Converters.forType(p.getType()) == null) {
            throw new IllegalArgumentException(where(method, p) + " of type " + p.getType().getSimpleName()
                    + " is not a path parameter (the template has " + (pathNames.isEmpty() ? "none" : pathNames)
                    + ") and cannot be a query parameter; request bodies come with @Body in a later version, so "
                    + "take the Request and read its body for now.");
        }
        return multi(method, p, "query", name);
    }

    private static Param multi(Method method, Parameter p, String location, String name) {
        Shape shape = shape(p);
        Class<?> element = shape == Shape.REQUIRED ? p.getType() : typeArgument(method, p);
        Converters.Converter converter = Converters.forType(element);
        if (converter == null) {
            throw new IllegalArgumentException(where(method, p) + " is a " + location + " parameter of type "
                    + element.getSimpleName() + ", which Starling cannot convert from a string; use String, a number, "
                    + "boolean, UUID, an enum, or Optional/List of those.");
        }
        boolean header = location.equals("header");
        return switch (shape) {
            case REQUIRED -> (request, errors) -> {
                Optional<String> raw = header ? request.header(name) : request.query(name);
                if (raw.isEmpty()) {
                    errors.add("missing", location, name, "Field required", null);
                    return null;
                }
                return convert(converter, raw.get(), location, name, errors);
            };
            case OPTIONAL -> (request, errors) -> {
                Optional<String> raw = header ? request.header(name) : request.query(name);
                return raw.map(v -> convert(converter, v, location, name, errors));
            };
            case LIST -> (request, errors) -> {
                List<String> raw = header ? request.headers(name) : request.queryAll(name);
                List<Object> values = new ArrayList<>(raw.size());
                for (String v : raw) {
                    values.add(convert(converter, v, location, name, errors));
                }
                return List.copyOf(values.stream().filter(java.util.Objects::nonNull).toList());
            };
        };
    }

    private static Object convert(Converters.Converter converter, String raw, String location, String name,
                                  ValidationFailure.Collector errors) {
        try {
            return converter.convert(raw);
        } catch (Converters.Invalid e) {
            errors.add(e.type, location, name, e.getMessage(), raw);
            return null;
        }
    }

    private static Shape shape(Parameter p) {
        if (p.getType() == Optional.class) {
            return Shape.OPTIONAL;
        }
        if (p.getType() == List.class) {
            return Shape.LIST;
        }
        return Shape.REQUIRED;
    }

    private static Class<?> typeArgument(Method method, Parameter p) {
        Type type = p.getParameterizedType();
        if (type instanceof ParameterizedType pt && pt.getActualTypeArguments()[0] instanceof Class<?> c) {
            return c;
        }
        throw new IllegalArgumentException(where(method, p) + " is a raw or wildcard " + p.getType().getSimpleName()
                + "; give its element type, such as " + p.getType().getSimpleName() + "<String>.");
    }

    /** Turns {@code userAgent} into {@code user-agent}, as FastAPI turns {@code user_agent} into a header name. */
    static String kebab(String name) {
        StringBuilder out = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0) {
                    out.append('-');
                }
                out.append(Character.toLowerCase(c));
            } else {
                out.append(c == '_' ? '-' : c);
            }
        }
        return out.toString();
    }

    static String where(Method method, Parameter p) {
        return "Parameter '" + (p.isNamePresent() ? p.getName() : p.toString()) + "' of "
                + method.getDeclaringClass().getName() + "." + method.getName() + "(...)";
    }
}
