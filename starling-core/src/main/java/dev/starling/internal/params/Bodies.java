package dev.starling.internal.params;

import dev.starling.Request;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.exc.CollectedProblem;
import tools.jackson.databind.exc.DeferredBindingException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.ValueInstantiationException;
import tools.jackson.databind.json.JsonMapper;

/** Binds {@code @Body} parameters: JSON through Jackson 3, or the raw bytes or text. */
final class Bodies {

    private static final List<Object> BODY = List.of("body");

    private Bodies() {
    }

    /** Returns how the body parameter {@code input} is bound, reading JSON with {@code json}. */
    static Binder.Param param(ParameterModel.Input input, JsonMapper json) {
        boolean optional = input.shape() == ParameterModel.Shape.OPTIONAL;
        Type type = input.elementType();
        Class<?> raw = input.element();
        Object absent = optional ? Optional.empty() : null;
        if (raw == byte[].class || raw == String.class) {
            boolean bytes = raw == byte[].class;
            return (request, errors) -> {
                byte[] body = body(request);
                if (body.length == 0) {
                    return missing(absent, errors);
                }
                Object value = bytes ? body.clone() : new String(body, StandardCharsets.UTF_8);
                return optional ? Optional.of(value) : value;
            };
        }
        RecordFields.check(type, input.where());
        ObjectReader reader = RequiredFields.reader(RequiredFields.mapper(json), json.constructType(type), false);
        return (request, errors) -> {
            byte[] body = body(request);
            if (body.length == 0) {
                return missing(absent, errors);
            }
            Optional<String> contentType = request.header("content-type");
            if (contentType.isPresent() && !isJson(contentType.get())) {
                notAnObject(new String(body, StandardCharsets.UTF_8), errors);
                return absent;
            }
            Object value;
            try {
                // A plain read first: a good body (the common case) pays nothing for collecting problems.
                value = reader.readValue(body);
            } catch (StreamReadException | StreamConstraintsException e) {
                failed(e, BODY, errors);
                return absent;
            } catch (JacksonException first) {
                // A bad one is read again, collecting every problem, so the 422 lists them all.
                try {
                    reader.readValueCollectingProblems(body);
                    failed(first, BODY, errors);
                } catch (JacksonException e) {
                    failed(e, BODY, errors);
                }
                return absent;
            }
            if (value == null) {
                return missing(absent, errors);
            }
            return optional ? Optional.of(value) : value;
        };
    }

    /** FastAPI reads a body with another content type as bytes, which a model then refuses. */
    private static void notAnObject(Object input, ValidationFailure.Collector errors) {
        errors.add("model_attributes_type", BODY, "Input should be a valid dictionary or object to extract fields "
                + "from", input, null);
    }

    /**
     * Turns a failed read into 422 entries: the problems collected, then what stopped the read, if anything;
     * {@code prefix} is where the value read sits in the body ({@code ["body"]}, or {@code ["body", "item"]} for a
     * part of an embedded body), for what Jackson locates relative to the value.
     */
    private static void failed(JacksonException e, List<Object> prefix, ValidationFailure.Collector errors) {
        if (e instanceof StreamReadException || e instanceof StreamConstraintsException) {
            // Past the parser's limits (nesting depth, number length) a body is refused like malformed JSON.
            jsonInvalid(e.getLocation(), String.valueOf(e.getOriginalMessage()), errors);
            return;
        }
        if (e instanceof DeferredBindingException deferred) {
            problems(deferred, errors);
            return;
        }
        for (Throwable suppressed : e.getSuppressed()) {
            if (suppressed instanceof DeferredBindingException deferred) {
                problems(deferred, errors);
            }
        }
        if (e instanceof MismatchedInputException m) {
            Object input = m instanceof InvalidFormatException f ? f.getValue() : null;
            typed(m.getTargetType(), input, loc(prefix, e), "Value error, " + e.getOriginalMessage(), errors);
        } else {
            String message = e instanceof ValueInstantiationException && e.getCause() != null
                    ? e.getCause().getMessage() : e.getOriginalMessage();
            errors.add("value_error", loc(prefix, e), "Value error, " + message, null, null);
        }
    }

    private static void jsonInvalid(TokenStreamLocation at, String error, ValidationFailure.Collector errors) {
        long offset = at == null ? -1 : at.getCharOffset();
        if (offset < 0 && at != null) {
            offset = at.getByteOffset();
        }
        errors.add("json_invalid", List.of("body", Math.max(offset, 0)), "JSON decode error", Map.of(),
                Map.of("error", error));
    }

    /** One entry per problem Jackson collected; their locations are absolute in the body. */
    private static void problems(DeferredBindingException e, ValidationFailure.Collector errors) {
        problems(e, errors, Integer.MAX_VALUE);
    }

    /** As {@link #problems(DeferredBindingException, ValidationFailure.Collector)}, while {@code errors} has room. */
    private static void problems(DeferredBindingException e, ValidationFailure.Collector errors, int until) {
        for (CollectedProblem problem : e.getProblems()) {
            if (errors.size() >= until) {
                return;
            }
            List<Object> loc = RequiredFields.loc(problem.getPath());
            String message = problem.getMessage();
            if (RequiredFields.MISSING.equals(message)) {
                errors.add("missing", loc, "Field required", null, null);
            } else if (message != null && message.startsWith(RequiredFields.VALUE_ERROR)) {
                errors.add("value_error", loc, message, null, null);
            } else {
                typed(problem.getTargetType() == null ? null : problem.getTargetType().getRawClass(),
                        problem.getRawValue(), loc, "Value error, " + message, errors);
            }
        }
    }

    /**
     * Returns the reader of an embedded body: one JSON object whose keys are the names of the {@code @Body}
     * parameters of {@code model}, each part read by its own reader as the parser passes it, in one pass.
     */
    static Embedded embedded(ParameterModel model, JsonMapper json) {
        JsonMapper mapper = RequiredFields.mapper(json);
        List<Integer> indexes = new ArrayList<>();
        List<ParameterModel.Input> parts = new ArrayList<>();
        for (int i = 0; i < model.inputs().size(); i++) {
            ParameterModel.Input input = model.inputs().get(i);
            if (input.source() == ParameterModel.Source.BODY) {
                indexes.add(i);
                parts.add(input);
            }
        }
        int n = parts.size();
        Embedded e = new Embedded(n, mapper.reader());
        for (int k = 0; k < n; k++) {
            ParameterModel.Input part = parts.get(k);
            RecordFields.check(part.elementType(), part.where());
            e.indexes[k] = indexes.get(k);
            e.names[k] = part.name();
            e.readers[k] = RequiredFields.reader(mapper, json.constructType(part.elementType()), true);
            e.optional[k] = part.shape() == ParameterModel.Shape.OPTIONAL;
            e.byName.put(part.name(), k);
        }
        return e;
    }

    /** The parts of an embedded body: where each goes in the arguments, its key, reader and whether it may lack. */
    static final class Embedded {
        private final int[] indexes;
        private final String[] names;
        private final ObjectReader[] readers;
        private final boolean[] optional;
        private final Map<String, Integer> byName = new HashMap<>();
        /** Makes the parser of the whole body, which each part's reader reads on from. */
        private final ObjectReader parser;

        private Embedded(int parts, ObjectReader parser) {
            this.indexes = new int[parts];
            this.names = new String[parts];
            this.readers = new ObjectReader[parts];
            this.optional = new boolean[parts];
            this.parser = parser;
        }

        /** Reads the body of {@code request} into {@code args}; what fails goes to {@code errors}. */
        void bind(Request request, Object[] args, ValidationFailure.Collector errors) {
            Object[] values = new Object[names.length];
            byte[] body = body(request);
            Optional<String> contentType = request.header("content-type");
            if (body.length == 0) {
                missingParts(new boolean[names.length], errors);
            } else if (contentType.isPresent() && !isJson(contentType.get())) {
                notAnObject(new String(body, StandardCharsets.UTF_8), errors);
            } else {
                read(body, values, errors);
            }
            for (int k = 0; k < names.length; k++) {
                if (values[k] == null && optional[k]) {
                    values[k] = Optional.empty();
                }
                args[indexes[k]] = values[k];
            }
        }

        private void read(byte[] body, Object[] values, ValidationFailure.Collector errors) {
            boolean[] seen = new boolean[names.length];
            // Each part is read with a bucket of its own: the body's limit is kept here, over all of them.
            int until = errors.size() + RequiredFields.MAX_PROBLEMS;
            try (JsonParser p = parser.createParser(body)) {
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_NULL) {
                    missingParts(seen, errors);
                    return;
                }
                if (t != JsonToken.START_OBJECT) {
                    notAnObject(null, errors);
                    return;
                }
                while ((t = p.nextToken()) == JsonToken.PROPERTY_NAME) {
                    if (errors.size() >= until) {
                        return;   // a key sent again and again must not add entries without end
                    }
                    Integer k = byName.get(p.currentName());
                    p.nextToken();
                    if (k == null) {
                        p.skipChildren();   // a key that is no part, as pydantic ignores extra fields
                        continue;
                    }
                    seen[k] = true;
                    List<Object> at = List.of("body", names[k]);
                    try {
                        Object value = readers[k].readValueCollectingProblems(p);
                        if (value == null && !optional[k]) {
                            typed(readers[k].getValueType().getRawClass(), null, at, "Value error, null", errors);
                        }
                        values[k] = value == null ? null : optional[k] ? Optional.of(value) : value;
                    } catch (DeferredBindingException e) {
                        problems(e, errors, until);   // the part was read to its end: the next key follows
                    } catch (StreamReadException | StreamConstraintsException e) {
                        throw e;
                    } catch (JacksonException e) {
                        failed(e, at, errors);
                        return;                // the parser stopped inside the part
                    }
                }
                if (p.nextToken() != null) {
                    jsonInvalid(p.currentTokenLocation(), "Unexpected content after the body's object", errors);
                    return;
                }
                missingParts(seen, errors);
            } catch (JacksonException e) {
                failed(e, BODY, errors);
            }
        }

        private void missingParts(boolean[] seen, ValidationFailure.Collector errors) {
            for (int k = 0; k < names.length; k++) {
                if (!seen[k] && !optional[k]) {
                    errors.add("missing", List.of("body", names[k]), "Field required", null, null);
                }
            }
        }
    }

    private static byte[] body(Request request) {
        return request instanceof FormData.Source source ? source.rawBody() : request.body();
    }

    private static Object missing(Object absent, ValidationFailure.Collector errors) {
        if (absent == null) {
            errors.add("missing", BODY, "Field required", null, null);
        }
        return absent;
    }

    /** FastAPI's {@code application/json} test: the main type is application and the subtype json or +json. */
    static boolean isJson(String contentType) {
        int semi = contentType.indexOf(';');
        String media = (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        return media.equals("application/json") || (media.startsWith("application/") && media.endsWith("+json"));
    }

    private static List<Object> loc(List<Object> prefix, JacksonException e) {
        List<Object> loc = new ArrayList<>(prefix.size() + 3);
        loc.addAll(prefix);
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) {
                loc.add(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                loc.add(r.getIndex());
            }
        }
        return loc;
    }

    /**
     * Adds pydantic's entry for a value that is not a valid {@code target} ({@code null} when unknown, which gives
     * {@code fallback}); {@code input} is the value sent, when Jackson kept it.
     */
    static void typed(Class<?> target, Object input, List<Object> loc, String fallback,
                      ValidationFailure.Collector errors) {
        boolean fromString = input instanceof String;
        String type;
        String msg;
        if (target == null) {
            type = "value_error";
            msg = fallback;
        } else if (isInteger(target)) {
            type = fromString ? "int_parsing" : "int_type";
            msg = fromString ? "Input should be a valid integer, unable to parse string as an integer"
                    : "Input should be a valid integer";
        } else if (isNumber(target)) {
            type = fromString ? "float_parsing" : "float_type";
            msg = fromString ? "Input should be a valid number, unable to parse string as a number"
                    : "Input should be a valid number";
        } else if (target == boolean.class || target == Boolean.class) {
            type = fromString ? "bool_parsing" : "bool_type";
            msg = fromString ? "Input should be a valid boolean, unable to interpret input"
                    : "Input should be a valid boolean";
        } else if (target == String.class || target == char.class || target == Character.class) {
            type = "string_type";
            msg = "Input should be a valid string";
        } else if (target.isEnum()) {
            type = "enum";
            msg = "Input should be one of the values of " + target.getSimpleName();
        } else if (target.isArray() || Collection.class.isAssignableFrom(target)) {
            type = "list_type";
            msg = "Input should be a valid list";
        } else if (target.getName().startsWith("java.time.")) {
            type = "value_error";
            msg = "Input should be a valid ISO-8601 " + target.getSimpleName();
        } else {
            type = loc.size() == 1 ? "model_attributes_type" : "model_type";
            msg = loc.size() == 1 ? "Input should be a valid dictionary or object to extract fields from"
                    : "Input should be a valid dictionary or instance of " + target.getSimpleName();
        }
        errors.add(type, loc, msg, input, null);
    }

    private static boolean isInteger(Class<?> t) {
        return t == int.class || t == Integer.class || t == long.class || t == Long.class || t == short.class
                || t == Short.class || t == byte.class || t == Byte.class || t == BigInteger.class;
    }

    private static boolean isNumber(Class<?> t) {
        return t == double.class || t == Double.class || t == float.class || t == Float.class
                || t == BigDecimal.class;
    }
}
