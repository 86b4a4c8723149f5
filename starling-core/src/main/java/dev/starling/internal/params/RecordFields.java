package dev.starling.internal.params;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.starling.params.Default;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which components of a record read from a JSON body are required, the one rule that both the body's decoding
 * ({@link RequiredFields}) and its schema's {@code required} follow, as pydantic's model fields: a component is
 * optional when its type is {@code Optional}, when it is annotated {@code @Nullable} (any annotation of that simple
 * name: JSpecify's, Jakarta's, JSR 305's...) or when it has a {@link Default}; every other one, primitives
 * included, is required, and a body that lacks it or sends {@code null} for it is refused with a 422. A
 * {@code @Default} one may be left out, but {@code null} for it is refused too unless it is {@code @Nullable}.
 *
 * <p>A record with a {@code @JsonCreator} of its own is decoded the way that creator says: nothing is required
 * of it here.
 *
 * @param type       the record
 * @param components its components, in declaration order
 * @param checked    false when the record has a {@code @JsonCreator} other than its canonical constructor
 */
public record RecordFields(Class<?> type, List<Component> components, boolean checked) {

    /**
     * One component of the record.
     *
     * @param name         its name in JSON: the component's, or its {@code @JsonProperty}'s
     * @param component    the component
     * @param field        its field, which carries the declaration annotations a record component does not keep
     * @param required     whether a body must send it, not null
     * @param defaultText  the text of its {@code @Default}, or null
     * @param defaultValue {@code defaultText} converted to the component's type, or null
     * @param nullable     whether a body may send {@code null} for it: an {@code Optional} or {@code @Nullable} one
     */
    public record Component(String name, RecordComponent component, Field field, boolean required,
                            String defaultText, Object defaultValue, boolean nullable) {

        /** Returns true when the component's type is a primitive, which has no null. */
        boolean primitive() {
            return component.getType().isPrimitive();
        }
    }

    private static final ClassValue<RecordFields> CACHE = new ClassValue<>() {
        @Override
        protected RecordFields computeValue(Class<?> type) {
            return read(type);
        }
    };

    /** Returns the components of {@code record}; fails with a sentence when a {@code @Default} cannot be used. */
    public static RecordFields of(Class<?> record) {
        if (!record.isRecord()) {
            throw new IllegalArgumentException(record.getName() + " is not a record.");
        }
        return CACHE.get(record);
    }

    /** Returns the JSON names of the required components, in declaration order. */
    public List<String> required() {
        List<String> names = new ArrayList<>();
        for (Component c : components) {
            if (c.required()) {
                names.add(c.name());
            }
        }
        return names;
    }

    /**
     * Reads every record {@code type} reaches (through components, lists, maps, arrays and optionals), so that a bad
     * {@code @Default} on any of them fails when the route is added; {@code where} starts the sentence.
     */
    static void check(Type type, String where) {
        try {
            visit(type, new HashSet<>());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " reads " + e.getMessage(), e);
        }
    }

    private static void visit(Type type, Set<Class<?>> seen) {
        if (type instanceof ParameterizedType pt) {
            visit(pt.getRawType(), seen);
            for (Type argument : pt.getActualTypeArguments()) {
                visit(argument, seen);
            }
        } else if (type instanceof GenericArrayType g) {
            visit(g.getGenericComponentType(), seen);
        } else if (type instanceof WildcardType w) {
            visit(w.getUpperBounds()[0], seen);
        } else if (type instanceof Class<?> c) {
            if (c.isArray()) {
                visit(c.getComponentType(), seen);
            } else if (c.isRecord() && seen.add(c)) {
                for (Component component : of(c).components()) {
                    visit(component.component().getGenericType(), seen);
                }
            }
        }
    }

    private static RecordFields read(Class<?> type) {
        boolean checked = !ownCreator(type);
        List<Component> components = new ArrayList<>();
        for (RecordComponent rc : type.getRecordComponents()) {
            Field field = field(type, rc);
            JsonProperty renamed = annotation(JsonProperty.class, rc, field);
            String name = renamed != null && !renamed.value().isEmpty() ? renamed.value() : rc.getName();
            Default dflt = rc.getAnnotation(Default.class);
            Object value = dflt == null ? null : defaultValue(type, rc, dflt.value());
            boolean nullable = rc.getType() == Optional.class || nullable(rc, field);
            components.add(new Component(name, rc, field, checked && !nullable && dflt == null,
                    dflt == null ? null : dflt.value(), value, nullable));
        }
        return new RecordFields(type, List.copyOf(components), checked);
    }

    private static Object defaultValue(Class<?> type, RecordComponent rc, String text) {
        String where = type.getName() + ", whose component '" + rc.getName() + "' has @Default(\"" + text + "\")";
        Converters.Converter converter = Converters.forType(rc.getType());
        if (converter == null) {
            throw new IllegalArgumentException(where + "; a default is written as text, so it works only on a "
                    + "component of type String, a number, boolean, UUID, a java.time type or an enum, not "
                    + rc.getGenericType().getTypeName() + ".");
        }
        try {
            return converter.convert(text);
        } catch (Converters.Invalid e) {
            throw new IllegalArgumentException(where + ", which is not a valid " + rc.getType().getSimpleName()
                    + ": " + e.getMessage() + ".");
        }
    }

    /** True when a constructor other than the canonical one, or a static method, is Jackson's creator. */
    private static boolean ownCreator(Class<?> type) {
        Class<?>[] canonical = new Class<?>[type.getRecordComponents().length];
        for (int i = 0; i < canonical.length; i++) {
            canonical[i] = type.getRecordComponents()[i].getType();
        }
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (c.isAnnotationPresent(JsonCreator.class) && !Arrays.equals(c.getParameterTypes(), canonical)) {
                return true;
            }
        }
        for (Method m : type.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && m.isAnnotationPresent(JsonCreator.class)) {
                return true;
            }
        }
        return false;
    }

    private static Field field(Class<?> type, RecordComponent rc) {
        try {
            return type.getDeclaredField(rc.getName());
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("The record " + type.getName() + " has no field for its component '"
                    + rc.getName() + "'.", e);
        }
    }

    private static <A extends Annotation> A annotation(Class<A> type, AnnotatedElement... elements) {
        for (AnnotatedElement e : elements) {
            A a = e.getAnnotation(type);
            if (a != null) {
                return a;
            }
        }
        return null;
    }

    /** True when the component, its field or its type carries an annotation named {@code Nullable}. */
    static boolean nullable(RecordComponent rc, Field field) {
        return named("Nullable", rc.getAnnotations()) || named("Nullable", field.getAnnotations())
                || named("Nullable", rc.getAnnotatedType().getAnnotations());
    }

    private static boolean named(String simpleName, Annotation[] annotations) {
        for (Annotation a : annotations) {
            if (a.annotationType().getSimpleName().equals(simpleName)) {
                return true;
            }
        }
        return false;
    }
}
