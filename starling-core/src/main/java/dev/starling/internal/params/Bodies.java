package dev.starling.internal.params;

import dev.starling.Request;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
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
        ObjectReader reader = json.readerFor(json.constructType(type))
                .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        return (request, errors) -> {
            byte[] body = body(request);
            if (body.length == 0) {
                return missing(absent, errors);
            }
            Optional<String> contentType = request.header("content-type");
            if (contentType.isPresent() && !isJson(contentType.get())) {
                // FastAPI reads a body with another content type as bytes, which a model then refuses.
                errors.add("model_attributes_type", BODY, "Input should be a valid dictionary or object to extract "
                        + "fields from", new String(body, StandardCharsets.UTF_8), null);
                return absent;
            }
            try {
                Object value = reader.readValue(body);
                if (value == null) {
                    return missing(absent, errors);
                }
                return optional ? Optional.of(value) : value;
            } catch (StreamReadException | StreamConstraintsException e) {
                // Past the parser's limits (nesting depth, number length) a body is refused like malformed JSON.
                long offset = e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
                if (offset < 0 && e.getLocation() != null) {
                    offset = e.getLocation().getByteOffset();
                }
                errors.add("json_invalid", List.of("body", Math.max(offset, 0)), "JSON decode error", Map.of(),
                        Map.of("error", String.valueOf(e.getOriginalMessage())));
                return absent;
            } catch (MismatchedInputException e) {
                mismatch(e, errors);
                return absent;
            } catch (JacksonException e) {
                errors.add("value_error", loc(e), "Value error, " + e.getOriginalMessage(), null, null);
                return absent;
            }
        };
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

    private static List<Object> loc(JacksonException e) {
        List<Object> loc = new ArrayList<>(4);
        loc.add("body");
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) {
                loc.add(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                loc.add(r.getIndex());
            }
        }
        return loc;
    }

    /** Maps a value of the wrong type to pydantic's entry for the target type. */
    private static void mismatch(MismatchedInputException e, ValidationFailure.Collector errors) {
        List<Object> loc = loc(e);
        Class<?> target = e.getTargetType();
        Object input = e instanceof InvalidFormatException f ? f.getValue() : null;
        boolean fromString = input instanceof String;
        String type;
        String msg;
        if (target == null) {
            type = "value_error";
            msg = "Value error, " + e.getOriginalMessage();
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
