package dev.starling.internal.params;

import jakarta.validation.Configuration;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.MessageInterpolator;
import jakarta.validation.Path;
import jakarta.validation.Validation;
import jakarta.validation.ValidationException;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import jakarta.validation.executable.ExecutableValidator;
import jakarta.validation.metadata.MethodDescriptor;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Jakarta Validation (Hibernate Validator) behind the binder. Everything that names a {@code jakarta.*} type
 * is in {@link Checks}, which is loaded only when a route uses constraints and a provider is present; the
 * static methods here only look at annotation names, so core runs without the optional dependency.
 */
final class BeanValidation {

    static final String DEPENDENCY = "org.hibernate.validator:hibernate-validator (9.1.6.Final) and "
            + "org.glassfish.expressly:expressly (6.0.0)";

    private BeanValidation() {
    }

    /** Returns true when a Jakarta Validation provider (Hibernate Validator) is on the class path. */
    static boolean available() {
        try {
            Class.forName("jakarta.validation.Validation", false, BeanValidation.class.getClassLoader());
            Class.forName("org.hibernate.validator.HibernateValidator", false, BeanValidation.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Returns the first Jakarta constraint (or {@code @Valid}) on {@code element} or on the type arguments of its
     * type ({@code Optional<@Size(min = 2) String>}), by name; null when none.
     */
    static Annotation constraint(AnnotatedElement element) {
        for (Annotation a : element.getAnnotations()) {
            if (isConstraint(a)) {
                return a;
            }
        }
        AnnotatedType type = element instanceof Parameter p ? p.getAnnotatedType()
                : element instanceof Field f ? f.getAnnotatedType()
                : element instanceof RecordComponent c ? c.getAnnotatedType() : null;
        return type instanceof AnnotatedParameterizedType pt ? constraint(pt) : null;
    }

    private static Annotation constraint(AnnotatedParameterizedType type) {
        for (AnnotatedType argument : type.getAnnotatedActualTypeArguments()) {
            for (Annotation a : argument.getAnnotations()) {
                if (isConstraint(a)) {
                    return a;
                }
            }
            if (argument instanceof AnnotatedParameterizedType nested) {
                Annotation a = constraint(nested);
                if (a != null) {
                    return a;
                }
            }
        }
        return null;
    }

    private static boolean isConstraint(Annotation a) {
        Class<? extends Annotation> type = a.annotationType();
        if (type.getName().equals("jakarta.validation.Valid")) {
            return true;
        }
        for (Annotation meta : type.getAnnotations()) {
            if (meta.annotationType().getName().equals("jakarta.validation.Constraint")) {
                return true;
            }
        }
        // Repeatable constraints arrive in their container (@Pattern.List): look one level in.
        if (type.getSimpleName().equals("List") && type.getEnclosingClass() != null) {
            for (Annotation meta : type.getEnclosingClass().getAnnotations()) {
                if (meta.annotationType().getName().equals("jakarta.validation.Constraint")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Returns the first constraint on the fields, record components or class of {@code type}; null when none. */
    static Annotation constraintOnType(Class<?> type) {
        Annotation a = constraint(type);
        if (a != null) {
            return a;
        }
        if (type.isRecord()) {
            for (RecordComponent c : type.getRecordComponents()) {
                a = constraint(c);
                if (a != null) {
                    return a;
                }
            }
        }
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers()) && (a = constraint(f)) != null) {
                    return a;
                }
            }
        }
        return null;
    }

    /**
     * Returns the class whose constraints a JSON body is validated against: the body's type, or, for a list (or
     * map) of records, the record; null for a parameter that is not a JSON body.
     */
    static Class<?> validatedType(ParameterModel.Input input) {
        Class<?> type = ParameterModel.jsonType(input);
        if (type == null || !(input.genericType() instanceof ParameterizedType pt)) {
            return type;
        }
        Type[] arguments = pt.getActualTypeArguments();
        if (Collection.class.isAssignableFrom(type) && arguments.length == 1) {
            return Providers.raw(arguments[0]);
        }
        if (Map.class.isAssignableFrom(type) && arguments.length == 2) {
            return Providers.raw(arguments[1]);
        }
        return type;
    }

    /** The sentence for a route that uses constraints without a provider on the class path. */
    static String missing(String where, Annotation constraint) {
        return where + " uses Jakarta Validation (@" + constraint.annotationType().getSimpleName() + "), but no "
                + "Jakarta Validation provider is on the class path; add " + DEPENDENCY + " to your dependencies.";
    }

    /**
     * Returns the checks of the method {@code model} describes, called on {@code target}, or null when none of its
     * parameters nor its body is constrained; fails when something is but {@code validatorAvailable} is false.
     */
    static Checks checks(Object target, ParameterModel model, boolean validatorAvailable) {
        Annotation constraint = null;
        String constrained = null;
        for (ParameterModel.Input input : model.inputs()) {
            if (input.constraint() != null) {
                constraint = input.constraint();
                constrained = input.where();
                break;
            }
        }
        for (ParameterModel.Input input : model.inputs()) {
            Class<?> bodyType = validatedType(input);
            if (constraint == null && bodyType != null) {
                constraint = constraintOnType(bodyType);
                constrained = input.where() + " (its type " + bodyType.getSimpleName() + ")";
            }
        }
        if (constraint == null) {
            return null;
        }
        if (!validatorAvailable) {
            throw new IllegalArgumentException(missing(constrained, constraint));
        }
        Checks checks = new Checks(target, model);
        return checks.any() ? checks : null;
    }

    /** The validator and the checks of one route; built once when the route is added. */
    static final class Checks {
        private static final ValidatorFactory FACTORY = factory();
        private static final Validator VALIDATOR = FACTORY.getValidator();

        private final Object target;
        private final Method method;
        private final boolean parameters;
        private final List<List<Object>> locations;
        /** Per parameter: whether it is (a part of) the body, whose values a 422 shows as JSON, not as text. */
        private final boolean[] sentAsJson;
        /** Per parameter: the location of a body read as JSON whose type has constraints, else null. */
        private final List<Object>[] bodies;
        private final boolean bodyConstrained;
        private final ExecutableValidator executables = VALIDATOR.forExecutables();

        /** Checks the parameters of {@code model}'s method called on {@code target}, and its body. */
        Checks(Object target, ParameterModel model) {
            this.target = target;
            this.method = model.method();
            // A body sits at ["body"], a part of an embedded one at ["body", name]; what a cascade (@Valid) finds
            // inside it is left to the body's own validation below.
            this.locations = model.inputs().stream().map(i -> i.source() != ParameterModel.Source.BODY ? i.loc()
                    : i.name() == null ? List.<Object>of("body") : List.<Object>of("body", i.name())).toList();
            this.sentAsJson = new boolean[model.inputs().size()];
            for (int i = 0; i < sentAsJson.length; i++) {
                sentAsJson[i] = model.inputs().get(i).source() == ParameterModel.Source.BODY;
            }
            MethodDescriptor descriptor = VALIDATOR
                    .getConstraintsForClass(method.getDeclaringClass())
                    .getConstraintsForMethod(method.getName(), method.getParameterTypes());
            // Container element constraints (List<@Min(1) Integer>) do not count in hasConstrainedParameters().
            this.parameters = target != null && descriptor != null && (descriptor.hasConstrainedParameters()
                    || descriptor.getParameterDescriptors().stream()
                    .anyMatch(p -> !p.getConstrainedContainerElementTypes().isEmpty()));
            if (parameters) {
                // A constraint that fits no parameter type (@Size on an Optional) fails here, at start-up, rather
                // than as a 500 on every request: HV resolves validators from the declared types even for nulls.
                try {
                    executables.validateParameters(target, method, new Object[method.getParameterCount()]);
                } catch (ValidationException e) {
                    throw new IllegalArgumentException(method.getDeclaringClass().getName() + "." + method.getName()
                            + "(...) has a constraint that cannot be checked (" + e.getMessage() + "); on an Optional "
                            + "or a List, put the constraint on the type argument, such as "
                            + "Optional<@Size(min = 2) String>.", e);
                }
            }
            @SuppressWarnings("unchecked")
            List<Object>[] bodies = new List[model.inputs().size()];
            boolean any = false;
            for (int i = 0; i < bodies.length; i++) {
                ParameterModel.Input input = model.inputs().get(i);
                Class<?> bodyType = validatedType(input);
                if (bodyType != null && VALIDATOR.getConstraintsForClass(bodyType).isBeanConstrained()) {
                    // A part of an embedded body sits under its key: ["body", "item", ...].
                    bodies[i] = input.name() == null ? List.of("body") : List.of("body", input.name());
                    any = true;
                }
            }
            this.bodies = bodies;
            this.bodyConstrained = any;
        }

        /** Messages in English whatever the server's locale, as pydantic's are. */
        private static ValidatorFactory factory() {
            Configuration<?> config = Validation.byDefaultProvider().configure();
            MessageInterpolator english = config.getDefaultMessageInterpolator();
            return config.messageInterpolator(new MessageInterpolator() {
                @Override
                public String interpolate(String template, Context context) {
                    return english.interpolate(template, context, Locale.ENGLISH);
                }

                @Override
                public String interpolate(String template, Context context, Locale locale) {
                    return english.interpolate(template, context, Locale.ENGLISH);
                }
            }).buildValidatorFactory();
        }

        boolean any() {
            return parameters || bodyConstrained;
        }

        void validate(Object[] args, ValidationFailure.Collector errors) {
            if (parameters) {
                for (ConstraintViolation<Object> v : sorted(executables.validateParameters(target, method, args))) {
                    int index = -1;
                    boolean deeper = false;
                    Integer element = null;
                    for (Path.Node node : v.getPropertyPath()) {
                        if (node.getKind() == ElementKind.PARAMETER) {
                            index = node.as(Path.ParameterNode.class).getParameterIndex();
                        } else if (index >= 0 && node.getKind() == ElementKind.CONTAINER_ELEMENT) {
                            element = node.getIndex();          // List<@Min(1) Integer>: the value's position
                        } else if (index >= 0) {
                            deeper = true;
                        }
                    }
                    if (index < 0 || deeper || locations.get(index) == null) {
                        continue;       // cascaded into a bean (the body): reported by the body's validation
                    }
                    List<Object> loc = locations.get(index);
                    if (element != null) {
                        loc = new ArrayList<>(loc);
                        loc.add(element);
                    }
                    Object value = v.getInvalidValue() instanceof Optional<?> o ? o.orElse(null) : v.getInvalidValue();
                    add(v, loc, sentAsJson[index] ? value : text(value), errors);
                }
            }
            for (int i = 0; bodyConstrained && i < args.length; i++) {
                Object value = args[i] instanceof Optional<?> o ? o.orElse(null) : args[i];
                if (bodies[i] == null || value == null) {
                    continue;
                }
                // A body that is a list (or map) of records is validated record by record, as a record body is:
                // the validator finds nothing to check on the ArrayList itself.
                if (value instanceof Collection<?> all) {
                    int index = 0;
                    for (Object element : all) {
                        validateBody(element, with(bodies[i], index++), errors);
                    }
                } else if (value instanceof Map<?, ?> all) {
                    for (Map.Entry<?, ?> entry : all.entrySet()) {
                        validateBody(entry.getValue(), with(bodies[i], String.valueOf(entry.getKey())), errors);
                    }
                } else {
                    validateBody(value, bodies[i], errors);
                }
            }
        }

        private static List<Object> with(List<Object> loc, Object next) {
            List<Object> longer = new ArrayList<>(loc);
            longer.add(next);
            return longer;
        }

        private static void validateBody(Object value, List<Object> at, ValidationFailure.Collector errors) {
            if (value == null) {
                return;
            }
            for (ConstraintViolation<Object> v : sorted(VALIDATOR.validate(value))) {
                List<Object> loc = new ArrayList<>(at);
                for (Path.Node node : v.getPropertyPath()) {
                    if (node.getIndex() != null) {
                        loc.add(node.getIndex());
                    } else if (node.getKey() != null) {
                        loc.add(String.valueOf(node.getKey()));
                    }
                    if (node.getName() != null && !node.getName().startsWith("<")) {
                        loc.add(node.getName());
                    }
                }
                add(v, loc, v.getInvalidValue(), errors);
            }
        }

        /** Violations come as a set; sorted by path, the 422 lists them in a stable order. */
        private static List<ConstraintViolation<Object>> sorted(Set<ConstraintViolation<Object>> violations) {
            if (violations.isEmpty()) {
                return List.of();
            }
            List<ConstraintViolation<Object>> list = new ArrayList<>(violations);
            list.sort(Comparator.comparing((ConstraintViolation<Object> v) -> v.getPropertyPath().toString())
                    .thenComparing(v -> v.getConstraintDescriptor().getAnnotation().annotationType().getName()));
            return list;
        }

        private static void add(ConstraintViolation<?> v, List<Object> loc, Object input,
                                ValidationFailure.Collector errors) {
            Annotation a = v.getConstraintDescriptor().getAnnotation();
            errors.add(type(a, v.getInvalidValue(), v.getConstraintDescriptor().getAttributes()), loc,
                    v.getMessage(), input, null);
        }

        /** A parameter came as text, and FastAPI shows it so: a scalar value is given back as a string. */
        private static Object text(Object value) {
            if (value instanceof Optional<?> o) {
                value = o.orElse(null);
            }
            if (value == null || value instanceof Collection<?> || value instanceof Map<?, ?>) {
                return value;
            }
            return value instanceof Enum<?> e ? e.name() : String.valueOf(value);
        }

        /** Pydantic's error type for the common constraints, else the constraint's name in snake case. */
        private static String type(Annotation a, Object value, Map<String, Object> attributes) {
            String name = a.annotationType().getSimpleName();
            return switch (name) {
                case "Min", "DecimalMin", "PositiveOrZero" -> "greater_than_equal";
                case "Max", "DecimalMax", "NegativeOrZero" -> "less_than_equal";
                case "Positive" -> "greater_than";
                case "Negative" -> "less_than";
                case "Pattern" -> "string_pattern_mismatch";
                case "Size" -> {
                    int min = ((Number) attributes.getOrDefault("min", 0)).intValue();
                    int length = value instanceof CharSequence cs ? cs.length()
                            : value instanceof Collection<?> c ? c.size() : value instanceof Map<?, ?> m ? m.size() : 0;
                    String prefix = value instanceof CharSequence ? "string_" : "";
                    yield prefix + (length < min ? "too_short" : "too_long");
                }
                default -> snake(name);
            };
        }

        private static String snake(String name) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (Character.isUpperCase(c) && i > 0) {
                    out.append('_');
                }
                out.append(Character.toLowerCase(c));
            }
            return out.toString().toLowerCase(Locale.ROOT);
        }
    }
}
