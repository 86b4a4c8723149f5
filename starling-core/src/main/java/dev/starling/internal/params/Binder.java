package dev.starling.internal.params;

import dev.starling.Request;
import dev.starling.UploadedFile;
import dev.starling.params.Body;
import dev.starling.params.Cookie;
import dev.starling.params.Default;
import dev.starling.params.Form;
import dev.starling.params.Header;
import dev.starling.params.Path;
import dev.starling.params.Query;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns a request into the argument array of one handler method. Built once per route, when the app is
 * built; a parameter that cannot be bound fails there with a sentence naming class, method and parameter.
 *
 * <p>Binding runs on the event loop, except for a route that takes form fields or files of a
 * {@code multipart/form-data} request: {@link #decodesOffLoop} says so, and the dispatcher then decodes the body
 * (spooling large parts to disk) off the loop before calling {@link #bind}.
 */
public final class Binder {

    /** Binds one parameter; conversion failures go to the collector. */
    interface Param {
        Object bind(Request request, ValidationFailure.Collector errors);
    }

    private enum Shape { REQUIRED, OPTIONAL, LIST }

    /** Where a simple value comes from; {@code all} returns every value, {@code first} the first one. */
    private enum Source {
        QUERY("query"), HEADER("header"), COOKIE("cookie"), FORM("body");

        final String location;

        Source(String location) {
            this.location = location;
        }

        Optional<String> first(Request r, String name) {
            return switch (this) {
                case QUERY -> r.query(name);
                case HEADER -> r.header(name);
                case COOKIE -> r.cookie(name);
                case FORM -> r.form(name);
            };
        }

        List<String> all(Request r, String name) {
            return switch (this) {
                case QUERY -> r.queryAll(name);
                case HEADER -> r.headers(name);
                case COOKIE -> r.cookie(name).map(List::of).orElse(List.of());
                case FORM -> r.formAll(name);
            };
        }
    }

    /** What the parameters of one method being read tell about the whole binder. */
    private static final class Site {
        final Object target;
        final Method method;
        final List<String> pathNames;
        final JsonMapper json;
        final List<List<Object>> locations;
        boolean form;
        int body = -1;
        Class<?> bodyType;

        Site(Object target, Method method, List<String> pathNames, JsonMapper json) {
            this.target = target;
            this.method = method;
            this.pathNames = pathNames;
            this.json = json;
            this.locations = new ArrayList<>(java.util.Collections.nCopies(method.getParameterCount(), null));
        }
    }

    private static final Binder NONE = new Binder(null, new Param[0], false, null);
    private static final JsonMapper DEFAULT_JSON = JsonMapper.builder().build();

    private final Method method;
    private final Param[] params;
    private final boolean form;
    private final BeanValidation.Checks checks;

    private Binder(Method method, Param[] params, boolean form, BeanValidation.Checks checks) {
        this.method = method;
        this.params = params;
        this.form = form;
        this.checks = checks;
    }

    /** Returns the binder of a method with no parameters. */
    public static Binder none() {
        return NONE;
    }

    /** Returns the handler method this binder reads the parameters of, or null for a route without one. */
    public Method method() {
        return method;
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
        if (checks != null && errors.isEmpty()) {
            checks.validate(args, errors);
        }
        errors.throwIfAny();
        return args;
    }

    /**
     * Returns true when binding {@code request} needs its {@code multipart/form-data} body decoded first, which
     * may write to disk: the caller decodes it off the event loop ({@link FormData.Source#formData}) before
     * {@link #bind}.
     */
    public boolean decodesOffLoop(Request request) {
        return form && request instanceof FormData.Source source && !source.formDecoded()
                && FormData.isMultipart(request.header("content-type").orElse(null));
    }

    /** Builds the binder of {@code method}, whose path template declares {@code pathNames}, with a default mapper. */
    public static Binder of(Method method, List<String> pathNames) {
        return of(null, method, pathNames, DEFAULT_JSON);
    }

    /**
     * Builds the binder of {@code method} called on {@code target} (null for a static method or when parameter
     * constraints need not be checked), reading JSON bodies with {@code json}.
     */
    public static Binder of(Object target, Method method, List<String> pathNames, JsonMapper json) {
        return of(target, method, pathNames, json, BeanValidation.available());
    }

    /** Same as {@link #of(Object, Method, List, JsonMapper)}, told whether a validator is on the class path. */
    public static Binder of(Object target, Method method, List<String> pathNames, JsonMapper json,
                            boolean validatorAvailable) {
        Site site = new Site(target, method, pathNames, json == null ? DEFAULT_JSON : json);
        Parameter[] declared = method.getParameters();
        Param[] params = new Param[declared.length];
        Annotation constraint = null;
        String constrained = null;
        for (int i = 0; i < declared.length; i++) {
            params[i] = param(site, declared[i], i);
            if (constraint == null) {
                constraint = BeanValidation.constraint(declared[i]);
                constrained = where(method, declared[i]);
            }
        }
        if (constraint == null && site.bodyType != null) {
            constraint = BeanValidation.constraintOnType(site.bodyType);
            constrained = where(method, declared[site.body]) + " (its type " + site.bodyType.getSimpleName() + ")";
        }
        BeanValidation.Checks checks = null;
        if (constraint != null) {
            if (!validatorAvailable) {
                throw new IllegalArgumentException(BeanValidation.missing(constrained, constraint));
            }
            checks = new BeanValidation.Checks(target, method, site.locations, site.body, site.bodyType);
            if (!checks.any()) {
                checks = null;
            }
        }
        return new Binder(method, params, site.form, checks);
    }

    /**
     * Chooses how one parameter is bound. This is the one place that knows the parameter kinds: a new kind is
     * one more branch here, returning its {@link Param}.
     */
    private static Param param(Site site, Parameter p, int index) {
        Method method = site.method;
        if (p.getType() == Request.class) {
            return (request, errors) -> request;
        }
        if (Injection.isInjected(p)) {
            // Dependencies and background tasks are filled in by the injection, after binding.
            return (request, errors) -> null;
        }
        if (p.getAnnotation(Body.class) != null) {
            if (site.body >= 0) {
                throw new IllegalArgumentException(where(method, p) + " is a second @Body parameter; a request has "
                        + "one body, so take it as one record.");
            }
            site.body = index;
            Bodies.Bound bound = Bodies.param(p, where(method, p), site.json);
            site.bodyType = bound.validatedType();
            return bound.param();
        }
        if (isUpload(p)) {
            return upload(site, p, index);
        }
        return value(site, p, index);
    }

    // ---- path, query, header, cookie and form values ----

    private static Param value(Site site, Parameter p, int index) {
        Method method = site.method;
        Path path = p.getAnnotation(Path.class);
        Query query = p.getAnnotation(Query.class);
        Header header = p.getAnnotation(Header.class);
        Cookie cookie = p.getAnnotation(Cookie.class);
        Form form = p.getAnnotation(Form.class);
        int annotations = (path != null ? 1 : 0) + (query != null ? 1 : 0) + (header != null ? 1 : 0)
                + (cookie != null ? 1 : 0) + (form != null ? 1 : 0);
        if (!p.isNamePresent() && annotations == 0) {
            throw new IllegalArgumentException(where(method, p) + " has no name at run time; compile with "
                    + "'-parameters' or name it with @Path, @Query, @Header, @Cookie or @Form.");
        }
        if (annotations > 1) {
            throw new IllegalArgumentException(where(method, p) + " has more than one of @Path, @Query, @Header, "
                    + "@Cookie and @Form; a parameter comes from one place.");
        }
        Default dflt = p.getAnnotation(Default.class);
        if (path != null || (annotations == 0 && site.pathNames.contains(p.getName()))) {
            String name = path != null && !path.value().isEmpty() ? path.value() : p.getName();
            if (!site.pathNames.contains(name)) {
                throw new IllegalArgumentException(where(method, p) + " is bound to the path parameter '" + name
                        + "', but the path template has " + (site.pathNames.isEmpty() ? "no parameters"
                        : site.pathNames) + ".");
            }
            if (dflt != null) {
                throw new IllegalArgumentException(where(method, p) + " is a path parameter with @Default; a path "
                        + "value is always present, so remove @Default.");
            }
            Converters.Converter converter = Converters.forType(p.getType());
            if (converter == null) {
                throw new IllegalArgumentException(where(method, p) + " is a path parameter of type "
                        + p.getType().getSimpleName() + ", which Starling cannot convert from a string; use String, "
                        + "a number, boolean, UUID, a java.time type or an enum.");
            }
            site.locations.set(index, List.of("path", name));
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
            return multi(site, p, index, Source.HEADER, name);
        }
        if (cookie != null) {
            return multi(site, p, index, Source.COOKIE, !cookie.value().isEmpty() ? cookie.value() : p.getName());
        }
        if (form != null) {
            site.form = true;
            return multi(site, p, index, Source.FORM, !form.value().isEmpty() ? form.value() : p.getName());
        }
        String name = query != null && !query.value().isEmpty() ? query.value() : p.getName();
        if (query == null && shape(p) == Shape.REQUIRED && Converters.forType(p.getType()) == null) {
            throw new IllegalArgumentException(where(method, p) + " of type " + p.getType().getSimpleName()
                    + " is not a path parameter (the template has " + (site.pathNames.isEmpty() ? "none"
                    : site.pathNames) + ") and cannot be a query parameter; annotate it with @Body to read it from "
                    + "the JSON body.");
        }
        return multi(site, p, index, Source.QUERY, name);
    }

    private static Param multi(Site site, Parameter p, int index, Source source, String name) {
        Method method = site.method;
        String location = source.location;
        Shape shape = shape(p);
        Class<?> element = shape == Shape.REQUIRED ? p.getType() : typeArgument(method, p);
        Converters.Converter converter = Converters.forType(element);
        if (converter == null) {
            throw new IllegalArgumentException(where(method, p) + " is a " + source.name().toLowerCase(java.util.Locale.ROOT)
                    + " parameter of type " + element.getSimpleName() + ", which Starling cannot convert from a "
                    + "string; use String, a number, boolean, UUID, a java.time type, an enum, or Optional/List of "
                    + "those.");
        }
        site.locations.set(index, List.of(location, name));
        Default dflt = p.getAnnotation(Default.class);
        Object fallback = null;
        if (dflt != null) {
            try {
                fallback = converter.convert(dflt.value());
            } catch (Converters.Invalid e) {
                throw new IllegalArgumentException(where(method, p) + " has @Default(\"" + dflt.value() + "\"), which "
                        + "is not a valid " + element.getSimpleName() + ": " + e.getMessage() + ".");
            }
        }
        Object defaultValue = fallback;
        return switch (shape) {
            case REQUIRED -> (request, errors) -> {
                Optional<String> raw = source.first(request, name);
                if (raw.isEmpty()) {
                    if (defaultValue != null) {
                        return defaultValue;
                    }
                    errors.add("missing", location, name, "Field required", null);
                    return null;
                }
                return convert(converter, raw.get(), location, name, errors);
            };
            case OPTIONAL -> {
                Optional<Object> absent = Optional.ofNullable(defaultValue);
                yield (request, errors) -> {
                    Optional<String> raw = source.first(request, name);
                    return raw.isEmpty() ? absent : Optional.ofNullable(convert(converter, raw.get(), location, name,
                            errors));
                };
            }
            case LIST -> {
                List<Object> absent = defaultValue == null ? List.of() : List.of(defaultValue);
                yield (request, errors) -> {
                    List<String> raw = source.all(request, name);
                    if (raw.isEmpty()) {
                        return absent;
                    }
                    List<Object> values = new ArrayList<>(raw.size());
                    for (String v : raw) {
                        Object converted = convert(converter, v, location, name, errors);
                        if (converted != null) {
                            values.add(converted);
                        }
                    }
                    return List.copyOf(values);
                };
            }
        };
    }

    // ---- uploaded files ----

    private static boolean isUpload(Parameter p) {
        if (p.getType() == UploadedFile.class) {
            return true;
        }
        return (p.getType() == List.class || p.getType() == Optional.class)
                && p.getParameterizedType() instanceof ParameterizedType pt
                && pt.getActualTypeArguments()[0] == UploadedFile.class;
    }

    private static Param upload(Site site, Parameter p, int index) {
        Form form = p.getAnnotation(Form.class);
        if (!p.isNamePresent() && (form == null || form.value().isEmpty())) {
            throw new IllegalArgumentException(where(site.method, p) + " has no name at run time; compile with "
                    + "'-parameters' or name it with @Form(\"file\").");
        }
        String name = form != null && !form.value().isEmpty() ? form.value() : p.getName();
        site.form = true;
        site.locations.set(index, List.of("body", name));
        return switch (shape(p)) {
            case REQUIRED -> (request, errors) -> {
                List<UploadedFile> files = request.files(name);
                if (files.isEmpty()) {
                    errors.add("missing", "body", name, "Field required", null);
                    return null;
                }
                return files.get(0);
            };
            case OPTIONAL -> (request, errors) -> request.files(name).stream().findFirst();
            case LIST -> (request, errors) -> request.files(name);
        };
    }

    // ---- helpers ----

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

    static Class<?> typeArgument(Method method, Parameter p) {
        Type type = p.getParameterizedType();
        if (type instanceof ParameterizedType pt && pt.getActualTypeArguments()[0] instanceof Class<?> c) {
            return c;
        }
        throw new IllegalArgumentException(where(method, p) + " is a raw or wildcard " + p.getType().getSimpleName()
                + "; give its element type, such as " + p.getType().getSimpleName() + "<String>.");
    }

    /** Turns {@code userAgent} into {@code user-agent}, as FastAPI turns {@code user_agent} into a header name. */
    public static String kebab(String name) {
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
