package dev.starling.internal.openapi;

import dev.starling.internal.params.RecordFields;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedArrayType;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Turns Java types into JSON Schema (as OpenAPI 3.1 uses it), collecting the schemas of records in
 * {@code components/schemas} and referring to them with {@code $ref}.
 */
final class Schemas {

    private final Map<String, Object> components = new TreeMap<>();
    private final Map<Class<?>, String> names = new LinkedHashMap<>();

    /** Returns the named schemas collected so far, sorted by name. */
    Map<String, Object> components() {
        return components;
    }

    /** Adds a schema under {@code name}, as the validation error schemas are added. */
    void put(String name, Map<String, Object> schema) {
        components.put(name, schema);
    }

    /** Returns the schema of {@code type}; a record is added to the components and referenced. */
    Map<String, Object> of(Type type) {
        if (type instanceof WildcardType w) {
            return of(w.getUpperBounds()[0]);
        }
        if (type instanceof GenericArrayType g) {
            return array(of(g.getGenericComponentType()));
        }
        if (type instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            Type[] args = p.getActualTypeArguments();
            if (raw == Optional.class) {
                return of(args[0]);
            }
            if (Collection.class.isAssignableFrom(raw)) {
                Map<String, Object> s = array(of(args[0]));
                if (Set.class.isAssignableFrom(raw)) {
                    s.put("uniqueItems", true);
                }
                return s;
            }
            if (Map.class.isAssignableFrom(raw)) {
                Map<String, Object> s = object();
                s.put("additionalProperties", of(args[1]));
                return s;
            }
            return of(raw);
        }
        if (!(type instanceof Class<?> c)) {
            return new LinkedHashMap<>();
        }
        Map<String, Object> simple = simple(c);
        if (simple != null) {
            return simple;
        }
        if (c == byte[].class) {
            return typed("string", "byte");
        }
        if (c.isArray()) {
            return array(of(c.getComponentType()));
        }
        if (Map.class.isAssignableFrom(c)) {
            Map<String, Object> s = object();
            s.put("additionalProperties", new LinkedHashMap<>());
            return s;
        }
        if (Collection.class.isAssignableFrom(c)) {
            return array(new LinkedHashMap<>());
        }
        if (c.isRecord()) {
            return ref(c);
        }
        return new LinkedHashMap<>();
    }

    /** Returns the schema of a value read from a string (path, query, header, cookie, form), or null. */
    static Map<String, Object> simple(Class<?> c) {
        if (c == int.class || c == Integer.class || c == short.class || c == Short.class || c == byte.class
                || c == Byte.class) {
            return typed("integer", "int32");
        }
        if (c == long.class || c == Long.class) {
            return typed("integer", "int64");
        }
        if (c == BigInteger.class) {
            return typed("integer", null);
        }
        if (c == double.class || c == Double.class) {
            return typed("number", "double");
        }
        if (c == float.class || c == Float.class) {
            return typed("number", "float");
        }
        if (c == BigDecimal.class) {
            return typed("number", null);
        }
        if (c == boolean.class || c == Boolean.class) {
            return typed("boolean", null);
        }
        if (c == String.class || c == char.class || c == Character.class || CharSequence.class.isAssignableFrom(c)) {
            return typed("string", null);
        }
        if (c == UUID.class) {
            return typed("string", "uuid");
        }
        if (c == LocalDate.class) {
            return typed("string", "date");
        }
        if (c == LocalTime.class || c == OffsetTime.class) {
            return typed("string", "time");
        }
        if (c == Instant.class || c == LocalDateTime.class || c == OffsetDateTime.class
                || c == ZonedDateTime.class) {
            return typed("string", "date-time");
        }
        if (c == Duration.class) {
            return typed("string", "duration");
        }
        if (c.isEnum()) {
            Map<String, Object> s = typed("string", null);
            List<String> values = new ArrayList<>();
            for (Object constant : c.getEnumConstants()) {
                values.add(((Enum<?>) constant).name());
            }
            s.put("enum", values);
            return s;
        }
        return null;
    }

    /** Adds {@code schema} under {@code name}, or under {@code name} with a number when that is taken; returns it. */
    String name(String name, Map<String, Object> schema) {
        String candidate = name;
        for (int n = 2; components.containsKey(candidate); n++) {
            candidate = name + n;
        }
        components.put(candidate, schema);
        return candidate;
    }

    /**
     * Returns the schema of a type with its type annotations: the Jakarta constraints on a type argument
     * ({@code List<@Pattern(regexp = "[a-z]+") String>}, {@code Optional<@Size(min = 2) String>}) constrain the
     * schema of each value, as Hibernate Validator checks each value.
     */
    Map<String, Object> annotated(AnnotatedType type) {
        Map<String, Object> schema;
        if (type instanceof AnnotatedParameterizedType p && p.getType() instanceof ParameterizedType pt
                && pt.getRawType() instanceof Class<?> raw) {
            AnnotatedType[] args = p.getAnnotatedActualTypeArguments();
            if (raw == Optional.class) {
                schema = new LinkedHashMap<>(annotated(args[0]));
            } else if (Collection.class.isAssignableFrom(raw)) {
                schema = array(annotated(args[0]));
                if (Set.class.isAssignableFrom(raw)) {
                    schema.put("uniqueItems", true);
                }
            } else if (Map.class.isAssignableFrom(raw)) {
                schema = object();
                schema.put("additionalProperties", annotated(args[1]));
            } else {
                schema = new LinkedHashMap<>(of(type.getType()));
            }
        } else if (type instanceof AnnotatedArrayType a && a.getType() != byte[].class) {
            schema = array(annotated(a.getAnnotatedGenericComponentType()));
        } else {
            schema = new LinkedHashMap<>(of(type.getType()));
        }
        constrain(schema, List.of(type.getAnnotations()));
        return schema;
    }

    private Map<String, Object> ref(Class<?> record) {
        String name = names.get(record);
        if (name == null) {
            name = record.getSimpleName();
            int n = 2;
            while (names.containsValue(name)) {
                name = record.getSimpleName() + n++;
            }
            names.put(record, name);
            Map<String, Object> s = object();
            s.put("title", record.getSimpleName());
            Map<String, Object> properties = new LinkedHashMap<>();
            s.put("properties", properties);
            components.put(name, s);
            // The same rule the body's decoding enforces: what is listed required, a body must send, not null.
            RecordFields fields = RecordFields.of(record);
            for (RecordFields.Component c : fields.components()) {
                Map<String, Object> property = annotated(c.component().getAnnotatedType());
                constrain(property, c.component(), c.field());
                if (c.defaultValue() != null) {
                    property.put("default", c.defaultValue() instanceof Number || c.defaultValue() instanceof Boolean
                            ? c.defaultValue() : c.defaultValue() instanceof Enum<?> e ? e.name()
                            : String.valueOf(c.defaultValue()));
                }
                if (c.field().isAnnotationPresent(Deprecated.class)) {
                    property.put("deprecated", true);
                }
                properties.put(c.name(), property);
            }
            List<String> required = fields.required();
            if (!required.isEmpty()) {
                s.put("required", required);
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("$ref", "#/components/schemas/" + name);
        return r;
    }

    /**
     * Adds the JSON Schema keywords of the Jakarta constraints on {@code elements} to {@code schema}; the
     * annotations are read by name, so no validation API needs to be on the class path.
     */
    static void constrain(Map<String, Object> schema, AnnotatedElement... elements) {
        for (AnnotatedElement e : elements) {
            if (e != null) {
                constrain(schema, List.of(e.getAnnotations()));
            }
        }
    }

    /** Adds the JSON Schema keywords of the Jakarta constraints among {@code annotations} to {@code schema}. */
    static void constrain(Map<String, Object> schema, List<Annotation> annotations) {
        for (Annotation a : annotations) {
            String type = a.annotationType().getName();
            if (!type.startsWith("jakarta.validation.constraints.")) {
                continue;
            }
            boolean array = "array".equals(schema.get("type"));
            switch (type.substring("jakarta.validation.constraints.".length())) {
                case "Min" -> schema.put("minimum", value(a, "value"));
                case "Max" -> schema.put("maximum", value(a, "value"));
                case "DecimalMin" -> schema.put("minimum", new BigDecimal((String) value(a, "value")));
                case "DecimalMax" -> schema.put("maximum", new BigDecimal((String) value(a, "value")));
                case "Positive" -> schema.put("exclusiveMinimum", 0);
                case "PositiveOrZero" -> schema.put("minimum", 0);
                case "Negative" -> schema.put("exclusiveMaximum", 0);
                case "NegativeOrZero" -> schema.put("maximum", 0);
                case "Pattern" -> schema.put("pattern", value(a, "regexp"));
                case "Email" -> schema.put("format", "email");
                case "NotBlank", "NotEmpty" -> schema.put(array ? "minItems" : "minLength", 1);
                case "Size" -> {
                    int min = (Integer) value(a, "min");
                    int max = (Integer) value(a, "max");
                    if (min > 0) {
                        schema.put(array ? "minItems" : "minLength", min);
                    }
                    if (max < Integer.MAX_VALUE) {
                        schema.put(array ? "maxItems" : "maxLength", max);
                    }
                }
                default -> { }
            }
        }
    }

    private static Object value(Annotation a, String name) {
        try {
            return a.annotationType().getMethod(name).invoke(a);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("The constraint " + a + " has no readable '" + name + "'.", e);
        }
    }

    static Map<String, Object> typed(String type, String format) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", type);
        if (format != null) {
            s.put("format", format);
        }
        return s;
    }

    static Map<String, Object> array(Map<String, Object> items) {
        Map<String, Object> s = typed("array", null);
        s.put("items", items);
        return s;
    }

    private static Map<String, Object> object() {
        return typed("object", null);
    }
}
