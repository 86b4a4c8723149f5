package dev.starling.internal.params;

import dev.starling.Request;
import dev.starling.UploadedFile;
import dev.starling.internal.params.ParameterModel.Input;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns a request into the argument array of one handler method. Built once per route, when the app is
 * built, from the method's {@link ParameterModel}: a parameter that cannot be bound fails there with a sentence
 * naming class, method and parameter.
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

    /** The sources of text values, as a request reads them: {@code first} the first value, {@code all} every one. */
    private enum Values {
        QUERY, HEADER, COOKIE, FORM;

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

    private static final Binder NONE = new Binder(null, new Param[0], false, null, null);
    private static final JsonMapper DEFAULT_JSON = JsonMapper.builder().build();

    private final ParameterModel model;
    private final Param[] params;
    private final boolean form;
    /** Some parameter reads the body (as JSON, text, bytes, a form or files), which must have no content coding. */
    private final boolean readsBody;
    private final BeanValidation.Checks checks;
    /** The parts of an embedded body (several {@code @Body} parameters), read together; null for other routes. */
    private final Bodies.Embedded embedded;

    private Binder(ParameterModel model, Param[] params, boolean form, BeanValidation.Checks checks,
                   Bodies.Embedded embedded) {
        this.model = model;
        this.params = params;
        this.form = form;
        this.readsBody = model != null && model.readsBody();
        this.checks = checks;
        this.embedded = embedded;
    }

    /** Returns the binder of a method with no parameters. */
    public static Binder none() {
        return NONE;
    }

    /** Returns the parameters of the handler method this binder binds, or null for a route without one. */
    public ParameterModel model() {
        return model;
    }

    /** Binds the arguments, or throws {@link ValidationFailure} listing every value that failed. */
    public Object[] bind(Request request) {
        if (params.length == 0) {
            return params;
        }
        if (readsBody) {
            ContentCoding.requireNone(request);
        }
        Object[] args = new Object[params.length];
        ValidationFailure.Collector errors = new ValidationFailure.Collector();
        for (int i = 0; i < params.length; i++) {
            args[i] = params[i].bind(request, errors);
        }
        if (embedded != null) {
            embedded.bind(request, args, errors);
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
        ParameterModel model = ParameterModel.of(method, pathNames);
        JsonMapper mapper = json == null ? DEFAULT_JSON : json;
        List<Input> inputs = model.inputs();
        Param[] params = new Param[inputs.size()];
        for (int i = 0; i < params.length; i++) {
            params[i] = model.embedded() && inputs.get(i).source() == ParameterModel.Source.BODY
                    ? (request, errors) -> null : param(inputs.get(i), mapper);
        }
        return new Binder(model, params, model.readsForm(), BeanValidation.checks(target, model, validatorAvailable),
                model.embedded() ? Bodies.embedded(model, mapper) : null);
    }

    /** Chooses how one parameter is bound, from where the model says it comes from. */
    private static Param param(Input input, JsonMapper json) {
        return switch (input.source()) {
            case REQUEST -> (request, errors) -> request;
            case WEBSOCKET -> (request, errors) -> request instanceof SocketSource source ? source.webSocket() : null;
            // Dependencies, background tasks, the app state and the scopes: filled in by the injection, after binding.
            case DEPENDENCY, BACKGROUND_TASKS, STATE, SCOPES -> (request, errors) -> null;
            case BODY -> Bodies.param(input, json);
            case FILE -> upload(input);
            case PATH -> path(input);
            case QUERY, HEADER, COOKIE, FORM -> multi(input);
        };
    }

    // ---- path, query, header, cookie and form values ----

    private static Param path(Input input) {
        String name = input.name();
        Converters.Converter converter = input.converter();
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

    private static Param multi(Input input) {
        // The model's source of the same name; per request the binder switches over these four alone.
        Values source = Values.valueOf(input.source().name());
        String name = input.name();
        String location = input.source().location;
        Converters.Converter converter = input.converter();
        Object defaultValue = input.defaultValue();
        return switch (input.shape()) {
            case ONE -> (request, errors) -> {
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

    private static Param upload(Input input) {
        String name = input.name();
        return switch (input.shape()) {
            case ONE -> (request, errors) -> {
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

    private static Object convert(Converters.Converter converter, String raw, String location, String name,
                                  ValidationFailure.Collector errors) {
        try {
            return converter.convert(raw);
        } catch (Converters.Invalid e) {
            errors.add(e.type, location, name, e.getMessage(), raw);
            return null;
        }
    }
}
