package dev.starling.internal.params;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.locks.ReentrantLock;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonPointer;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.Version;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JacksonModule;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.deser.CollectingProblemHandler;
import tools.jackson.databind.deser.SettableBeanProperty;
import tools.jackson.databind.deser.ValueInstantiator;
import tools.jackson.databind.deser.ValueInstantiators;
import tools.jackson.databind.deser.bean.PropertyValueBuffer;
import tools.jackson.databind.exc.CollectedProblem;
import tools.jackson.databind.exc.ValueInstantiationException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.util.ClassUtil;

/**
 * The Jackson side of {@link RecordFields}: a record is built only when its required components were sent, not
 * null, and a refused body is read with Jackson's problem collection (3.1+), so that every missing or {@code null}
 * required component, every value of the wrong type and every failing record constructor becomes one 422 entry,
 * in the order the body is read, instead of the first failure alone.
 *
 * <p>Per request a good body costs one pass over the creator properties of each record read (a bit set lookup
 * each); the readers, the mapper and every record's rule are made once. A refused body is read a second time,
 * collecting (a list and a per-call attribute), and an embedded body's parts are always read collecting.
 */
final class RequiredFields {

    /** The most problems one body reports; past them the read stops at the next one. */
    static final int MAX_PROBLEMS = 100;
    /** The message of a problem recorded for a required component the body lacks. */
    static final String MISSING = "Field required";
    /** How the message of a problem recorded for a failing record constructor starts. */
    static final String VALUE_ERROR = "Value error, ";

    /** The body mapper of each app mapper, made when its first route is added; weak, so a stopped app's go. */
    private static final Map<JsonMapper, JsonMapper> MAPPERS = new WeakHashMap<>();
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static final List<Class<?>> PRIMITIVE_ARRAYS = List.of(boolean[].class, byte[].class, short[].class,
            int[].class, long[].class, float[].class, double[].class, char[].class);

    private RequiredFields() {
    }

    /** Returns the app's mapper with the module that checks record components; made once per app mapper. */
    static JsonMapper mapper(JsonMapper app) {
        LOCK.lock();   // at registration only; a lock rather than a monitor, which would pin a virtual thread
        try {
            return MAPPERS.computeIfAbsent(app, json -> {
                JsonMapper.Builder builder = json.rebuild().addModule(new Module());
                // A null in an int[] would reach the problem handler as a null for int[], whose answer Jackson
                // then refuses (an Integer is no int[]); failing such nulls as contents is one entry at the index.
                for (Class<?> array : PRIMITIVE_ARRAYS) {
                    builder.withConfigOverride(array,
                            o -> o.setNullHandling(JsonSetter.Value.forContentNulls(Nulls.FAIL)));
                }
                return builder.build();
            });
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * Returns the reader of bodies of {@code type}, with problem collection, from a mapper made by {@link #mapper};
     * a {@code part} of an embedded body is followed by more of the body, which the reader must leave alone.
     */
    static ObjectReader reader(JsonMapper mapper, JavaType type, boolean part) {
        ObjectReader reader = mapper.readerFor(type)
                .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        if (part) {
            reader = reader.without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        }
        return reader.problemCollectingReader(new Problems());
    }

    /** Returns FastAPI's location of a problem: {@code ["body", "address", "city"]}, array positions as numbers. */
    static List<Object> loc(JsonPointer path) {
        List<Object> loc = new ArrayList<>(4);
        loc.add("body");
        for (JsonPointer p = path; p != null && !p.matches(); p = p.tail()) {
            loc.add(p.mayMatchElement() ? (Object) p.getMatchingIndex() : p.getMatchingProperty());
        }
        return loc;
    }

    /** Adds a problem at {@code path}, unless the body already has as many as it may report. */
    private static boolean record(DeserializationContext ctxt, JsonPointer path, String message, JavaType target,
                                  Object raw) {
        List<CollectedProblem> bucket = CollectingProblemHandler.getBucket(ctxt);
        if (bucket == null || bucket.size() >= MAX_PROBLEMS) {
            return false;
        }
        JsonParser p = ctxt.getParser();
        bucket.add(new CollectedProblem(path, message, target, p == null ? null : p.currentTokenLocation(), raw,
                p == null ? null : p.currentToken()));
        return true;
    }

    private static JsonPointer here(DeserializationContext ctxt) {
        JsonParser p = ctxt.getParser();
        return p == null ? JsonPointer.empty() : p.streamReadContext().pathAsPointer();
    }

    /**
     * Collects what Jackson's own handler collects (strings and numbers that are no valid value), and on top what
     * would stop the read: a {@code null} for a primitive, a value of the wrong shape, a failing constructor.
     * Unknown properties are skipped, as pydantic ignores extra fields.
     */
    static final class Problems extends CollectingProblemHandler {

        Problems() {
            super(MAX_PROBLEMS);
        }

        @Override
        public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, ValueDeserializer<?> deserializer,
                                             Object bean, String name) {
            return false;   // not handled: FAIL_ON_UNKNOWN_PROPERTIES is off, so Jackson skips it
        }

        @Override
        public Object handleNullForPrimitives(DeserializationContext ctxt, Class<?> type, JsonParser p,
                                              ValueDeserializer<?> deserializer, String message) {
            return record(ctxt, here(ctxt), message, ctxt.constructType(type), null)
                    ? ClassUtil.defaultValue(type) : NOT_HANDLED;
        }

        @Override
        public Object handleUnexpectedToken(DeserializationContext ctxt, JavaType type, JsonToken token, JsonParser p,
                                            String message) {
            if (!record(ctxt, here(ctxt), message == null ? "unexpected " + token : message, type, null)) {
                return NOT_HANDLED;
            }
            p.skipChildren();
            return type.isPrimitive() ? ClassUtil.defaultValue(type.getRawClass()) : null;
        }

        @Override
        public Object handleMissingInstantiator(DeserializationContext ctxt, Class<?> type,
                                                ValueInstantiator instantiator, JsonParser p, String message) {
            if (!record(ctxt, here(ctxt), message, ctxt.constructType(type), null)) {
                return NOT_HANDLED;
            }
            p.skipChildren();
            return null;
        }

        @Override
        public Object handleInstantiationProblem(DeserializationContext ctxt, Class<?> type, Object argument,
                                                 Throwable t) {
            // A record's constructor refused the values, as a pydantic validator raises a ValueError.
            // Jackson hands over the constructor's exception wrapped; its message is the constructor's own.
            Throwable cause = t instanceof ValueInstantiationException && t.getCause() != null ? t.getCause() : t;
            return record(ctxt, objectPath(ctxt), VALUE_ERROR + cause.getMessage(), ctxt.constructType(type), null)
                    && !type.isPrimitive() ? null : NOT_HANDLED;
        }
    }

    /**
     * Where the object being built sits: when Jackson builds a record it has read the object's end, so the
     * parser's context is already the parent's, whose current name or index is this object's place; a build
     * before the end (all creator properties seen) sits on the next property name, inside the object.
     */
    private static JsonPointer objectPath(DeserializationContext ctxt) {
        JsonParser p = ctxt.getParser();
        if (p == null) {
            return JsonPointer.empty();
        }
        TokenStreamContext c = p.streamReadContext();
        if (p.currentToken() == JsonToken.PROPERTY_NAME && c.getParent() != null) {
            c = c.getParent();
        }
        return c.pathAsPointer();
    }

    /** Registers {@link Checked} for every record that {@link RecordFields} checks. */
    private static final class Module extends JacksonModule {
        @Override
        public String getModuleName() {
            return "starling-required-fields";
        }

        @Override
        public Version version() {
            return Version.unknownVersion();
        }

        @Override
        public void setupModule(SetupContext context) {
            context.addValueInstantiators(new ValueInstantiators() {
                @Override
                public ValueInstantiator findValueInstantiator(DeserializationConfig config,
                                                               BeanDescription.Supplier description) {
                    return null;
                }

                @Override
                public ValueInstantiator modifyValueInstantiator(DeserializationConfig config,
                                                                 BeanDescription.Supplier description,
                                                                 ValueInstantiator instantiator) {
                    Class<?> type = description.getBeanClass();
                    if (!type.isRecord()) {
                        return instantiator;
                    }
                    RecordFields fields = RecordFields.of(type);
                    return fields.checked() ? new Checked(instantiator, fields) : instantiator;
                }
            });
        }
    }

    /** Builds a record only when every required component was sent, not null; fills in {@code @Default}s. */
    static final class Checked extends ValueInstantiator.Delegating {
        private static final long serialVersionUID = 1L;
        private final transient RecordFields fields;

        Checked(ValueInstantiator delegate, RecordFields fields) {
            super(delegate);
            this.fields = fields;
        }

        @Override
        public ValueInstantiator createContextual(DeserializationContext ctxt, BeanDescription.Supplier description) {
            ValueInstantiator contextual = delegate().createContextual(ctxt, description);
            return contextual == delegate() ? this : new Checked(contextual, fields);
        }

        @Override
        public Object createFromObjectWith(DeserializationContext ctxt, SettableBeanProperty[] props,
                                           PropertyValueBuffer buffer) {
            List<RecordFields.Component> components = fields.components();
            if (props.length != components.size()) {
                return delegate().createFromObjectWith(ctxt, props, buffer);   // a creator of Jackson's own
            }
            boolean failed = false;
            boolean defaults = false;
            JsonPointer at = null;
            for (SettableBeanProperty prop : props) {
                RecordFields.Component c = components.get(prop.getCreatorIndex());
                if (!buffer.hasParameter(prop)) {
                    if (c.defaultValue() != null) {
                        defaults = true;
                    } else if (c.required()) {
                        at = at == null ? objectPath(ctxt) : at;
                        failed = true;
                        if (!record(ctxt, at.appendProperty(prop.getName()), MISSING, prop.getType(), null)
                                && CollectingProblemHandler.getBucket(ctxt) == null) {
                            return ctxt.reportInputMismatch(prop, MISSING);
                        }
                    }
                } else if ((c.required() || c.defaultValue() != null && !c.nullable()) && !c.primitive()
                        && buffer.getParameter(ctxt, prop) == null) {
                    // A @Default may be left out; sent, it is a value of the component's type, as in pydantic.
                    at = at == null ? objectPath(ctxt) : at;
                    failed = true;
                    JsonPointer path = at.appendProperty(prop.getName());
                    if (!reported(ctxt, path) && !record(ctxt, path, "null", prop.getType(), null)
                            && CollectingProblemHandler.getBucket(ctxt) == null) {
                        return ctxt.reportInputMismatch(prop, "Input should not be null");
                    }
                }
            }
            if (failed) {
                return null;   // the read fails with the problems; a record built of nulls could only throw
            }
            if (!defaults) {
                return delegate().createFromObjectWith(ctxt, props, buffer);
            }
            Object[] args = buffer.getParameters(ctxt, props);
            for (SettableBeanProperty prop : props) {
                RecordFields.Component c = components.get(prop.getCreatorIndex());
                if (c.defaultValue() != null && !buffer.hasParameter(prop)) {
                    args[prop.getCreatorIndex()] = c.defaultValue();
                }
            }
            return delegate().createFromObjectWith(ctxt, args);
        }

        /** True when a problem at or under {@code path} is recorded already (a nested record that failed). */
        private static boolean reported(DeserializationContext ctxt, JsonPointer path) {
            List<CollectedProblem> bucket = CollectingProblemHandler.getBucket(ctxt);
            if (bucket == null) {
                return false;
            }
            String prefix = path.toString();
            for (CollectedProblem problem : bucket) {
                String at = problem.getPath().toString();
                if (at.equals(prefix) || at.startsWith(prefix + "/")) {
                    return true;
                }
            }
            return false;
        }
    }
}
