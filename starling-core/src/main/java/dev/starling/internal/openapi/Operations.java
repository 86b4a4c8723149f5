package dev.starling.internal.openapi;

import dev.starling.Request;
import dev.starling.UploadedFile;
import dev.starling.internal.params.Injection;
import dev.starling.internal.params.Binder;
import dev.starling.params.Body;
import dev.starling.params.Cookie;
import dev.starling.params.Default;
import dev.starling.params.Form;
import dev.starling.params.Header;
import dev.starling.params.Path;
import dev.starling.params.Query;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.concurrent.Flow;
import java.util.concurrent.CompletionStage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Describes the parameters, request body and responses of one handler method, reading its signature the way
 * {@link Binder} binds it.
 */
final class Operations {

    private Operations() {
    }

    /** Fills {@code op} with what {@code method}, under a template with {@code pathNames}, takes and returns. */
    static void describe(Map<String, Object> op, Method method, List<String> pathNames, Schemas schemas) {
        List<Object> parameters = new ArrayList<>();
        Map<String, Object> formProperties = new LinkedHashMap<>();
        List<String> formRequired = new ArrayList<>();
        boolean multipart = false;
        Map<String, Object> body = null;
        boolean bound = false;
        for (Parameter p : method.getParameters()) {
            if (p.getType() == Request.class || Injection.isInjected(p)) {
                continue;
            }
            bound = true;
            if (p.getAnnotation(Body.class) != null) {
                body = body(p, schemas);
                continue;
            }
            if (isUpload(p)) {
                multipart = true;
                Form form = p.getAnnotation(Form.class);
                String name = form != null && !form.value().isEmpty() ? form.value() : p.getName();
                Map<String, Object> file = Schemas.typed("string", "binary");
                formProperties.put(name, p.getType() == List.class ? Schemas.array(file) : file);
                if (p.getType() == UploadedFile.class) {
                    formRequired.add(name);
                }
                continue;
            }
            Path path = p.getAnnotation(Path.class);
            Header header = p.getAnnotation(Header.class);
            Cookie cookie = p.getAnnotation(Cookie.class);
            Form form = p.getAnnotation(Form.class);
            Query query = p.getAnnotation(Query.class);
            String in;
            String name;
            if (path != null || (header == null && cookie == null && form == null && query == null
                    && pathNames.contains(p.getName()))) {
                in = "path";
                name = path != null && !path.value().isEmpty() ? path.value() : p.getName();
            } else if (header != null) {
                in = "header";
                name = !header.value().isEmpty() ? header.value() : Binder.kebab(p.getName());
            } else if (cookie != null) {
                in = "cookie";
                name = !cookie.value().isEmpty() ? cookie.value() : p.getName();
            } else if (form != null) {
                in = "form";
                name = !form.value().isEmpty() ? form.value() : p.getName();
            } else {
                in = "query";
                name = query != null && !query.value().isEmpty() ? query.value() : p.getName();
            }
            Map<String, Object> schema = valueSchema(p);
            Default dflt = p.getAnnotation(Default.class);
            if (dflt != null) {
                schema.put("default", defaultValue(dflt.value(), schema));
            }
            boolean required = in.equals("path")
                    || (dflt == null && p.getType() != Optional.class && p.getType() != List.class);
            if (in.equals("form")) {
                formProperties.put(name, schema);
                if (required) {
                    formRequired.add(name);
                }
                continue;
            }
            Map<String, Object> parameter = new LinkedHashMap<>();
            parameter.put("name", name);
            parameter.put("in", in);
            parameter.put("required", required);
            parameter.put("schema", schema);
            parameters.add(parameter);
        }
        if (!parameters.isEmpty()) {
            op.put("parameters", parameters);
        }
        if (!formProperties.isEmpty()) {
            Map<String, Object> schema = Schemas.typed("object", null);
            schema.put("properties", formProperties);
            if (!formRequired.isEmpty()) {
                schema.put("required", formRequired);
            }
            body = content(multipart ? "multipart/form-data" : "application/x-www-form-urlencoded", schema);
            body.put("required", !formRequired.isEmpty());
        }
        if (body != null) {
            op.put("requestBody", body);
        }
        Map<String, Object> responses = new LinkedHashMap<>();
        response(responses, method.getGenericReturnType(), schemas);
        if (bound) {
            Map<String, Object> ref = new LinkedHashMap<>();
            ref.put("$ref", "#/components/schemas/HTTPValidationError");
            Map<String, Object> invalid = content("application/json", ref);
            invalid.put("description", "Validation Error");
            responses.put("422", reorder(invalid));
            Documents.validationSchemas(schemas);
        }
        op.put("responses", responses);
    }

    private static Map<String, Object> body(Parameter p, Schemas schemas) {
        Type type = p.getParameterizedType();
        boolean optional = p.getType() == Optional.class;
        if (optional && type instanceof ParameterizedType pt) {
            type = pt.getActualTypeArguments()[0];
        }
        Map<String, Object> body;
        if (type == String.class) {
            body = content("text/plain", Schemas.typed("string", null));
        } else if (type == byte[].class) {
            body = content("application/octet-stream", Schemas.typed("string", "binary"));
        } else {
            Map<String, Object> schema = new LinkedHashMap<>(schemas.of(type));
            body = content("application/json", schema);
        }
        body.put("required", !optional);
        return body;
    }

    private static void response(Map<String, Object> responses, Type type, Schemas schemas) {
        if (type instanceof ParameterizedType pt
                && CompletionStage.class.isAssignableFrom((Class<?>) pt.getRawType())) {
            type = pt.getActualTypeArguments()[0];
        }
        Class<?> raw = type instanceof ParameterizedType pt ? (Class<?>) pt.getRawType()
                : type instanceof Class<?> c ? c : Object.class;
        if (raw == void.class || raw == Void.class) {
            Map<String, Object> none = new LinkedHashMap<>();
            none.put("description", "No Content");
            responses.put("204", none);
            return;
        }
        Map<String, Object> ok;
        if (raw == String.class || CharSequence.class.isAssignableFrom(raw)) {
            ok = content("text/plain", Schemas.typed("string", null));
        } else if (raw == byte[].class) {
            ok = content("application/octet-stream", Schemas.typed("string", "binary"));
        } else if (raw == dev.starling.FileResponse.class) {
            ok = content("application/octet-stream", Schemas.typed("string", "binary"));
        } else if (raw == Object.class || raw == dev.starling.Response.class
                || java.util.Iterator.class.isAssignableFrom(raw) || java.util.stream.Stream.class.isAssignableFrom(raw)
                || Flow.Publisher.class.isAssignableFrom(raw)) {
            ok = new LinkedHashMap<>();
        } else {
            ok = content("application/json", new LinkedHashMap<>(schemas.of(type)));
        }
        ok.put("description", "Successful Response");
        responses.put("200", reorder(ok));
    }

    private static Map<String, Object> valueSchema(Parameter p) {
        Class<?> element = p.getType();
        boolean list = element == List.class;
        if ((element == Optional.class || list) && p.getParameterizedType() instanceof ParameterizedType pt
                && pt.getActualTypeArguments()[0] instanceof Class<?> c) {
            element = c;
        }
        Map<String, Object> schema = Schemas.simple(element);
        if (schema == null) {
            schema = Schemas.typed("string", null);
        }
        if (list) {
            schema = Schemas.array(schema);
        }
        Schemas.constrain(schema, p);
        return schema;
    }

    private static Object defaultValue(String raw, Map<String, Object> schema) {
        Object type = schema.get("type");
        if ("array".equals(type)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> items = (Map<String, Object>) schema.get("items");
            return List.of(defaultValue(raw, items));
        }
        try {
            if ("integer".equals(type)) {
                return Long.parseLong(raw.trim());
            }
            if ("number".equals(type)) {
                return new java.math.BigDecimal(raw.trim());
            }
        } catch (NumberFormatException e) {
            return raw;
        }
        if ("boolean".equals(type)) {
            return Boolean.parseBoolean(raw.trim());
        }
        return raw;
    }

    private static boolean isUpload(Parameter p) {
        if (p.getType() == UploadedFile.class) {
            return true;
        }
        return (p.getType() == List.class || p.getType() == Optional.class)
                && p.getParameterizedType() instanceof ParameterizedType pt
                && pt.getActualTypeArguments()[0] == UploadedFile.class;
    }

    /** Returns {@code {"content": {mediaType: {"schema": schema}}}}. */
    static Map<String, Object> content(String mediaType, Map<String, Object> schema) {
        Map<String, Object> media = new LinkedHashMap<>();
        media.put("schema", schema);
        Map<String, Object> content = new LinkedHashMap<>();
        content.put(mediaType, media);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("content", content);
        return out;
    }

    /** Puts {@code description} first, as OpenAPI documents usually read. */
    static Map<String, Object> reorder(Map<String, Object> response) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("description", response.get("description"));
        response.forEach((k, v) -> out.putIfAbsent(k, v));
        return out;
    }
}
