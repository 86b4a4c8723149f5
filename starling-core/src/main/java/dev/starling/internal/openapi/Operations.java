package dev.starling.internal.openapi;

import dev.starling.internal.params.ParameterModel;
import dev.starling.internal.params.ParameterModel.Input;
import dev.starling.internal.params.ParameterModel.Shape;
import dev.starling.internal.params.ParameterModel.Source;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Describes the parameters, request body and responses of one handler method, from the {@link ParameterModel}
 * its binder binds with.
 */
final class Operations {

    private Operations() {
    }

    /**
     * Fills {@code op} with what the method {@code model} describes takes and returns, and with the path, query,
     * header, cookie and form values its {@code dependencies} read (an API key header on a router, paging values,
     * the OAuth2 password form).
     */
    static void describe(Map<String, Object> op, ParameterModel model, List<ParameterModel> dependencies,
                         Schemas schemas) {
        List<Input> inputs = new ArrayList<>(model.inputs());
        Set<String> seen = new HashSet<>();
        for (Input p : model.inputs()) {
            seen.add(p.source() + " " + p.name());
        }
        for (ParameterModel dependency : dependencies) {
            for (Input p : dependency.inputs()) {
                // Form fields too: a dependency such as the OAuth2 password form reads the route's form body.
                boolean value = p.source() == Source.PATH || p.source() == Source.QUERY
                        || p.source() == Source.HEADER || p.source() == Source.COOKIE || p.source() == Source.FORM;
                if (value && seen.add(p.source() + " " + p.name())) {
                    inputs.add(p);
                }
            }
        }
        List<Object> parameters = new ArrayList<>();
        Map<String, Object> formProperties = new LinkedHashMap<>();
        List<String> formRequired = new ArrayList<>();
        boolean multipart = false;
        Map<String, Object> body = null;
        Map<String, Object> embeddedProperties = new LinkedHashMap<>();
        List<String> embeddedRequired = new ArrayList<>();
        boolean bound = false;
        for (Input p : inputs) {
            if (!p.source().sent()) {
                continue;
            }
            bound = true;
            if (p.source() == Source.BODY && model.embedded()) {
                embeddedProperties.put(p.name(), schemas.annotated(p.annotatedType()));
                if (p.required()) {
                    embeddedRequired.add(p.name());
                }
                continue;
            }
            if (p.source() == Source.BODY) {
                body = body(p, schemas);
                continue;
            }
            String name = p.name();
            if (p.source() == Source.FILE) {
                multipart = true;
                Map<String, Object> file = Schemas.typed("string", "binary");
                formProperties.put(name, p.shape() == Shape.LIST ? Schemas.array(file) : file);
                if (p.required()) {
                    formRequired.add(name);
                }
                continue;
            }
            Map<String, Object> schema = valueSchema(p);
            if (p.defaultText() != null) {
                schema.put("default", defaultValue(p.defaultText(), schema));
            }
            if (p.source() == Source.FORM) {
                formProperties.put(name, schema);
                if (p.required()) {
                    formRequired.add(name);
                }
                continue;
            }
            Map<String, Object> parameter = new LinkedHashMap<>();
            parameter.put("name", name);
            parameter.put("in", p.source().name().toLowerCase(Locale.ROOT));
            parameter.put("required", p.required());
            if (p.annotations().stream().anyMatch(a -> a instanceof Deprecated)) {
                parameter.put("deprecated", true);
            }
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
        if (!embeddedProperties.isEmpty()) {
            body = embedded(model, embeddedProperties, embeddedRequired, schemas);
        }
        if (body != null) {
            op.put("requestBody", body);
        }
        Map<String, Object> responses = new LinkedHashMap<>();
        Responses.describe(responses, model.method(), schemas);
        if (bound) {
            Map<String, Object> ref = new LinkedHashMap<>();
            ref.put("$ref", "#/components/schemas/HTTPValidationError");
            Map<String, Object> invalid = content("application/json", ref);
            invalid.put("description", "Validation Error");
            responses.put("422", reorder(invalid));
            Documents.validationSchemas(schemas);
        }
        op.put("responses", responses);
        if (model.method().isAnnotationPresent(Deprecated.class)) {
            op.put("deprecated", true);
        }
    }

    /**
     * The request body of several {@code @Body} parameters: an object keyed by their names, named as FastAPI names
     * it ({@code Body_ItemsApi_create}) among the components.
     */
    private static Map<String, Object> embedded(ParameterModel model, Map<String, Object> properties,
                                                List<String> required, Schemas schemas) {
        String name = "Body_" + model.method().getDeclaringClass().getSimpleName() + "_" + model.method().getName();
        Map<String, Object> schema = Schemas.typed("object", null);
        schema.put("title", name);
        schema.put("properties", properties);
        if (!required.isEmpty()) {
            schema.put("required", required);
        }
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("$ref", "#/components/schemas/" + schemas.name(name, schema));
        Map<String, Object> body = content("application/json", ref);
        body.put("required", !required.isEmpty());
        return body;
    }

    private static Map<String, Object> body(Input p, Schemas schemas) {
        Type type = p.elementType();
        Map<String, Object> body;
        if (type == String.class) {
            body = content("text/plain", Schemas.typed("string", null));
        } else if (type == byte[].class) {
            body = content("application/octet-stream", Schemas.typed("string", "binary"));
        } else {
            body = content("application/json", schemas.annotated(p.annotatedType()));
        }
        body.put("required", p.required());
        return body;
    }

    private static Map<String, Object> valueSchema(Input p) {
        Map<String, Object> schema = Schemas.simple(p.element());
        if (schema == null) {
            schema = Schemas.typed("string", null);
        }
        // Optional<@Size(min = 2) String>, List<@Min(1) Integer>: the constraint is on each value.
        Schemas.constrain(schema, p.elementAnnotations());
        if (p.shape() == Shape.LIST) {
            schema = Schemas.array(schema);
        }
        Schemas.constrain(schema, p.annotations());
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
                return new BigDecimal(raw.trim());
            }
        } catch (NumberFormatException e) {
            return raw;
        }
        if ("boolean".equals(type)) {
            return Boolean.parseBoolean(raw.trim());
        }
        return raw;
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
