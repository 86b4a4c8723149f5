package dev.starling.internal.params;

import dev.starling.AppState;
import dev.starling.BackgroundTasks;
import dev.starling.Depends;
import dev.starling.Request;
import dev.starling.UploadedFile;
import dev.starling.WebSocketConnection;
import dev.starling.params.Body;
import dev.starling.params.Cookie;
import dev.starling.params.Default;
import dev.starling.params.Form;
import dev.starling.params.Header;
import dev.starling.params.Path;
import dev.starling.params.Query;
import dev.starling.security.Scopes;
import dev.starling.security.SecurityScopes;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The parameters of one handler method as Starling reads them, once, when the route is registered: where each
 * comes from, under which name, of which type, and with which default. The binder, Bean Validation and the
 * OpenAPI document all read this instead of the method's annotations; a parameter that cannot be bound fails
 * here, with a sentence naming class, method and parameter.
 *
 * @param method    the handler method
 * @param pathNames the names of the parameters of the route's path template
 * @param inputs    one input per parameter of {@code method}, in order
 * @param body      the index of the (first) {@code @Body} parameter, or -1
 * @param embedded  whether the body is a JSON object keyed by the names of the {@code @Body} parameters (several
 *                  of them, or one with {@code embed = true}), as FastAPI's embedded bodies
 */
public record ParameterModel(Method method, List<String> pathNames, List<Input> inputs, int body, boolean embedded) {

    /**
     * Where a parameter's value comes from: the path, query, a header, a cookie, a form field, an uploaded file
     * or the body, which the client sends; or the request itself, a {@code @Depends} dependency, the background
     * tasks, the app state, the open WebSocket or the required OAuth2 scopes, which Starling supplies.
     */
    public enum Source {
        PATH("path"), QUERY("query"), HEADER("header"), COOKIE("cookie"), FORM("body"), FILE("body"), BODY("body"),
        REQUEST(null), DEPENDENCY(null), BACKGROUND_TASKS(null), STATE(null), WEBSOCKET(null), SCOPES(null);

        final String location;

        Source(String location) {
            this.location = location;
        }

        /** Returns true when the client sends the value, so binding it can fail with a 422. */
        public boolean sent() {
            return location != null;
        }
    }

    /** Whether a parameter takes one value, an {@code Optional} of one, or a {@code List}. */
    public enum Shape { ONE, OPTIONAL, LIST }

    /**
     * One parameter of the handler.
     *
     * @param source       where its value comes from
     * @param name         its name as the client sends it (query key, header name, form field, key of an embedded
     *                     body...); null for a body read whole and for what is not sent (the request, dependencies,
     *                     background tasks, app state)
     * @param type         its declared class
     * @param genericType  its declared type, with type arguments
     * @param shape        one value, Optional or List
     * @param element      the class of one value: {@code type}, or the type argument of an Optional or List; for
     *                     the body, the raw class of the value read
     * @param elementType  the type of one value, with type arguments
     * @param required     whether a request must carry it: a path value always, the body or a file unless it
     *                     is an Optional or List, any other value unless it is an Optional or List or has a
     *                     {@code @Default}
     * @param defaultText  the text of its {@code @Default}, or null
     * @param defaultValue {@code defaultText} converted to {@code element}, or null
     * @param converter    turns one sent string into {@code element}; null for the body and what is not sent
     * @param annotations  its annotations, as declared
     * @param constraint   its first Jakarta constraint or {@code @Valid}, also on type arguments; null when none
     * @param where        "Parameter 'x' of Class.method(...)", for messages
     * @param annotatedType its declared type with its type annotations ({@code Optional<@Size(min = 2) String>})
     */
    public record Input(Source source, String name, Class<?> type, Type genericType, Shape shape, Class<?> element,
                        Type elementType, boolean required, String defaultText, Object defaultValue,
                        Converters.Converter converter, List<Annotation> annotations, Annotation constraint,
                        String where, AnnotatedType annotatedType) {

        /**
         * Returns FastAPI's location of its value in a 422, such as {@code ["query", "q"]} or {@code ["body", "item"]}
         * for a part of an embedded body; null for a body read whole.
         */
        List<Object> loc() {
            return name == null ? null : List.of(source.location, name);
        }

        /**
         * Returns the annotations on the type argument of an {@code Optional} or {@code List} parameter (the
         * {@code @Size} of {@code Optional<@Size(min = 2) String>}), which constrain each value; empty otherwise.
         */
        public List<Annotation> elementAnnotations() {
            return shape != Shape.ONE && annotatedType instanceof AnnotatedParameterizedType pt
                    ? List.of(pt.getAnnotatedActualTypeArguments()[0].getAnnotations()) : List.of();
        }
    }

    /** Returns true when some parameter is a form field or an uploaded file, so the body is decoded as a form. */
    boolean readsForm() {
        for (Input input : inputs) {
            if (input.source() == Source.FORM || input.source() == Source.FILE) {
                return true;
            }
        }
        return false;
    }

    /** Returns true when some parameter reads the body: a {@code @Body}, a form field or an uploaded file. */
    boolean readsBody() {
        for (Input input : inputs) {
            if (input.source() == Source.BODY || input.source() == Source.FORM || input.source() == Source.FILE) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns the class whose constraints apply to the body parameter {@code input} read as JSON, or null (not a
     * body, or bytes or text).
     */
    static Class<?> jsonType(Input input) {
        if (input.source() != Source.BODY) {
            return null;
        }
        Class<?> type = input.element();
        return type == byte[].class || type == String.class ? null : type;
    }

    /** Reads the parameters of {@code method}, on a route whose path template declares {@code pathNames}. */
    public static ParameterModel of(Method method, List<String> pathNames) {
        Parameter[] declared = method.getParameters();
        int bodies = 0;
        boolean embed = false;
        for (Parameter p : declared) {
            Body b = p.getAnnotation(Body.class);
            if (b != null) {
                bodies++;
                embed |= b.embed();
            }
        }
        boolean embedded = bodies > 1 || embed;
        List<Input> inputs = new ArrayList<>(declared.length);
        int body = -1;
        for (int i = 0; i < declared.length; i++) {
            Input input = read(new Declared(method, declared[i], pathNames), embedded);
            if (input.source() == Source.BODY && body < 0) {
                body = i;
            }
            inputs.add(input);
        }
        return new ParameterModel(method, List.copyOf(pathNames), List.copyOf(inputs), body, embedded);
    }

    /** One parameter being read. */
    private record Declared(Method method, Parameter p, List<String> pathNames) {
        String where() {
            return "Parameter '" + (p.isNamePresent() ? p.getName() : p.toString()) + "' of "
                    + method.getDeclaringClass().getName() + "." + method.getName() + "(...)";
        }

        Input input(Source source, String name, Shape shape, Class<?> element, Type elementType, boolean required,
                    String defaultText, Object defaultValue, Converters.Converter converter) {
            return new Input(source, name, p.getType(), p.getParameterizedType(), shape, element, elementType,
                    required, defaultText, defaultValue, converter, List.of(p.getAnnotations()),
                    BeanValidation.constraint(p), where(), p.getAnnotatedType());
        }

        Input notSent(Source source) {
            return input(source, null, Shape.ONE, p.getType(), p.getParameterizedType(), false, null, null, null);
        }
    }

    /**
     * Tells where one parameter comes from. This is the one place that knows the parameter kinds: a new kind is
     * one more branch here and one more {@link Source}.
     */
    private static Input read(Declared d, boolean embedded) {
        Parameter p = d.p();
        if (p.getType() == Request.class) {
            return d.notSent(Source.REQUEST);
        }
        if (p.getType() == WebSocketConnection.class) {
            return d.notSent(Source.WEBSOCKET);
        }
        // In the order Injection resolves them: a BackgroundTasks or AppState parameter is never a dependency.
        if (p.getType() == BackgroundTasks.class) {
            return d.notSent(Source.BACKGROUND_TASKS);
        }
        if (p.getType() == AppState.class) {
            return d.notSent(Source.STATE);
        }
        if (p.getAnnotation(Scopes.class) != null && p.getAnnotation(Depends.class) == null) {
            throw new IllegalArgumentException(d.where() + " has @Scopes but is not a dependency; scopes are "
                    + "required of a security dependency, as in @Depends @Scopes(\"items\") User user.");
        }
        if (p.getType() == SecurityScopes.class) {
            return d.notSent(Source.SCOPES);
        }
        if (p.getAnnotation(Depends.class) != null) {
            return d.notSent(Source.DEPENDENCY);
        }
        if (p.getAnnotation(Body.class) != null) {
            return body(d, embedded);
        }
        if (isUpload(p)) {
            return upload(d);
        }
        return value(d);
    }

    private static Input body(Declared d, boolean embedded) {
        Parameter p = d.p();
        boolean optional = p.getType() == Optional.class;
        Type type = p.getParameterizedType();
        if (optional) {
            if (!(type instanceof ParameterizedType pt)) {
                throw new IllegalArgumentException(d.where() + " is a raw Optional; give its type, such as "
                        + "Optional<Item>.");
            }
            type = pt.getActualTypeArguments()[0];
        }
        Class<?> raw = type instanceof Class<?> c ? c
                : type instanceof ParameterizedType pt && pt.getRawType() instanceof Class<?> c ? c : null;
        if (raw == null) {
            throw new IllegalArgumentException(d.where() + " is a @Body of type " + type.getTypeName() + ", which "
                    + "Starling cannot read; use a record, a class, a List or Map of those, byte[] or String.");
        }
        String name = null;
        if (embedded) {
            if (raw == byte[].class || raw == String.class) {
                throw new IllegalArgumentException(d.where() + " is a @Body " + raw.getSimpleName() + " in an "
                        + "embedded body (several @Body parameters, or embed = true), which is one JSON object keyed "
                        + "by their names; take the raw " + (raw == String.class ? "text" : "bytes")
                        + " as the only @Body, or read the part as JSON.");
            }
            if (!d.p().isNamePresent()) {
                throw new IllegalArgumentException(d.where() + " has no name at run time (its class was compiled "
                        + "without '-parameters'); the parts of an embedded body are keyed by their parameters' "
                        + "names, so compile with '-parameters'.");
            }
            name = d.p().getName();
        }
        return d.input(Source.BODY, name, optional ? Shape.OPTIONAL : Shape.ONE, raw, type, !optional, null, null,
                null);
    }

    // ---- path, query, header, cookie and form values ----

    private static Input value(Declared d) {
        Parameter p = d.p();
        List<String> pathNames = d.pathNames();
        Path path = p.getAnnotation(Path.class);
        Query query = p.getAnnotation(Query.class);
        Header header = p.getAnnotation(Header.class);
        Cookie cookie = p.getAnnotation(Cookie.class);
        Form form = p.getAnnotation(Form.class);
        int annotations = (path != null ? 1 : 0) + (query != null ? 1 : 0) + (header != null ? 1 : 0)
                + (cookie != null ? 1 : 0) + (form != null ? 1 : 0);
        if (!p.isNamePresent() && annotations == 0) {
            throw new IllegalArgumentException(d.where() + " has no name at run time; compile with "
                    + "'-parameters' or name it with @Path, @Query, @Header, @Cookie or @Form.");
        }
        if (annotations > 1) {
            throw new IllegalArgumentException(d.where() + " has more than one of @Path, @Query, @Header, "
                    + "@Cookie and @Form; a parameter comes from one place.");
        }
        Default dflt = p.getAnnotation(Default.class);
        if (path != null || (annotations == 0 && pathNames.contains(p.getName()))) {
            String name = named(d, path != null ? path.value() : "", "@Path");
            if (!pathNames.contains(name)) {
                throw new IllegalArgumentException(d.where() + " is bound to the path parameter '" + name
                        + "', but the path template has " + (pathNames.isEmpty() ? "no parameters"
                        : pathNames) + ".");
            }
            if (dflt != null) {
                throw new IllegalArgumentException(d.where() + " is a path parameter with @Default; a path "
                        + "value is always present, so remove @Default.");
            }
            Converters.Converter converter = Converters.forType(p.getType());
            if (converter == null) {
                throw new IllegalArgumentException(d.where() + " is a path parameter of type "
                        + p.getType().getSimpleName() + ", which Starling cannot convert from a string; use String, "
                        + "a number, boolean, UUID, a java.time type or an enum.");
            }
            return d.input(Source.PATH, name, Shape.ONE, p.getType(), p.getParameterizedType(), true, null, null,
                    converter);
        }
        if (header != null) {
            String name = !header.value().isEmpty() ? header.value() : kebab(named(d, "", "@Header"));
            return multi(d, Source.HEADER, name, dflt);
        }
        if (cookie != null) {
            return multi(d, Source.COOKIE, named(d, cookie.value(), "@Cookie"), dflt);
        }
        if (form != null) {
            return multi(d, Source.FORM, named(d, form.value(), "@Form"), dflt);
        }
        String name = named(d, query != null ? query.value() : "", "@Query");
        if (query == null && shape(p) == Shape.ONE && Converters.forType(p.getType()) == null) {
            throw new IllegalArgumentException(d.where() + " of type " + p.getType().getSimpleName()
                    + " is not a path parameter (the template has " + (pathNames.isEmpty() ? "none"
                    : pathNames) + ") and cannot be a query parameter; annotate it with @Body to read it from "
                    + "the JSON body.");
        }
        return multi(d, Source.QUERY, name, dflt);
    }

    /**
     * Returns the name a value is sent under: the annotation's, else the parameter's own, which exists only when
     * the class was compiled with {@code -parameters} (without it Java calls the parameter {@code arg0}).
     */
    private static String named(Declared d, String given, String annotation) {
        if (!given.isEmpty()) {
            return given;
        }
        if (!d.p().isNamePresent()) {
            throw new IllegalArgumentException(d.where() + " has no name at run time (its class was compiled "
                    + "without '-parameters', so Java calls it " + d.p().getName() + "); compile with "
                    + "'-parameters' or give the name, as in " + annotation + "(\"name\").");
        }
        return d.p().getName();
    }

    private static Input multi(Declared d, Source source, String name, Default dflt) {
        Parameter p = d.p();
        Shape shape = shape(p);
        Class<?> element = shape == Shape.ONE ? p.getType() : typeArgument(d);
        Converters.Converter converter = Converters.forType(element);
        if (converter == null) {
            throw new IllegalArgumentException(d.where() + " is a " + source.name().toLowerCase(Locale.ROOT)
                    + " parameter of type " + element.getSimpleName() + ", which Starling cannot convert from a "
                    + "string; use String, a number, boolean, UUID, a java.time type, an enum, or Optional/List of "
                    + "those.");
        }
        Object fallback = null;
        if (dflt != null) {
            try {
                fallback = converter.convert(dflt.value());
            } catch (Converters.Invalid e) {
                throw new IllegalArgumentException(d.where() + " has @Default(\"" + dflt.value() + "\"), which "
                        + "is not a valid " + element.getSimpleName() + ": " + e.getMessage() + ".");
            }
        }
        Type elementType = shape == Shape.ONE ? p.getParameterizedType() : element;
        return d.input(source, name, shape, element, elementType, dflt == null && shape == Shape.ONE,
                dflt == null ? null : dflt.value(), fallback, converter);
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

    private static Input upload(Declared d) {
        Parameter p = d.p();
        Form form = p.getAnnotation(Form.class);
        if (!p.isNamePresent() && (form == null || form.value().isEmpty())) {
            throw new IllegalArgumentException(d.where() + " has no name at run time; compile with "
                    + "'-parameters' or name it with @Form(\"file\").");
        }
        String name = form != null && !form.value().isEmpty() ? form.value() : p.getName();
        Shape shape = shape(p);
        return d.input(Source.FILE, name, shape, UploadedFile.class, UploadedFile.class, shape == Shape.ONE, null,
                null, null);
    }

    // ---- helpers ----

    private static Shape shape(Parameter p) {
        if (p.getType() == Optional.class) {
            return Shape.OPTIONAL;
        }
        if (p.getType() == List.class) {
            return Shape.LIST;
        }
        return Shape.ONE;
    }

    private static Class<?> typeArgument(Declared d) {
        Parameter p = d.p();
        Type type = p.getParameterizedType();
        if (type instanceof ParameterizedType pt && pt.getActualTypeArguments()[0] instanceof Class<?> c) {
            return c;
        }
        throw new IllegalArgumentException(d.where() + " is a raw or wildcard " + p.getType().getSimpleName()
                + "; give its element type, such as " + p.getType().getSimpleName() + "<String>.");
    }

    /** Turns {@code userAgent} into {@code user-agent}, as FastAPI turns {@code user_agent} into a header name. */
    private static String kebab(String name) {
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
}
