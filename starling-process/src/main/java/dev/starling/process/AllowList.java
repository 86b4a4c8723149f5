package dev.starling.process;

import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The deserialization filter of a pool: patterns in {@link ObjectInputFilter.Config#createFilter} syntax
 * plus limits; a class no pattern allows is refused, and the refused class is remembered so the failure
 * can say how to allow it.
 */
final class AllowList {

    /** The deepest object graph either side reads; deeper graphs are refused. */
    static final int MAX_DEPTH = 1000;

    private static final ConcurrentHashMap<String, ObjectInputFilter> PARSED = new ConcurrentHashMap<>();

    private AllowList() {
    }

    /**
     * Returns a fresh check for one stream of at most {@code maxBytes}, using {@code spec} (patterns joined by
     * ';') parsed once per distinct spec.
     */
    static Check check(String spec, long maxBytes) {
        ObjectInputFilter patterns = PARSED.get(spec);
        if (patterns == null) {
            // Specs only grow by one package per new task package, so the cache stays small.
            if (PARSED.size() > 64) {
                PARSED.clear();
            }
            patterns = ObjectInputFilter.Config.createFilter(spec);
            PARSED.put(spec, patterns);
        }
        return new Check(patterns, maxBytes);
    }

    /**
     * Turns a failed read into the exception the task fails with: a sentence saying how to allow a refused
     * class, or the read error itself.
     */
    static UncheckedIOException failure(Check check, Throwable error, String what, String pool) {
        if (check.refusedClass != null) {
            String name = check.refusedClass;
            int hidden = name.indexOf("$$Lambda");
            String allow = hidden < 0 ? name : name.substring(0, hidden) + "*";
            String pattern = Frames.patternFor(name);
            return new UncheckedIOException("Class " + name + " was refused by the deserialization filter of"
                    + " process pool '" + pool + "' while reading " + what + "; allow it with"
                    + " ProcessPool.builder().allowClasses(\"" + allow + "\") or a pattern such as \"" + pattern
                    + "\".", new InvalidClassException(name, "refused by the pool's allow-list"));
        }
        if (check.overLimit) {
            return new UncheckedIOException("Reading " + what + " in process pool '" + pool + "' went past the"
                    + " deserialization limits (" + MAX_DEPTH + " levels deep, maxMessageBytes bytes, and no array"
                    + " longer than its message could hold).", new InvalidClassException("limits"));
        }
        return new UncheckedIOException("Could not read " + what + " in process pool '" + pool + "' (" + error
                + ").", error instanceof java.io.IOException io ? io : new java.io.IOException(error));
    }

    /** One stream's filter; not thread-safe, as a stream is read by one thread. */
    static final class Check implements ObjectInputFilter {

        private final ObjectInputFilter patterns;
        private final long maxBytes;
        /** The size of the message being read, which bounds every array in it; maxBytes until known. */
        private long messageBytes;
        String refusedClass;
        boolean overLimit;

        private Check(ObjectInputFilter patterns, long maxBytes) {
            this.patterns = patterns;
            this.maxBytes = maxBytes;
            this.messageBytes = maxBytes;
        }

        /** Sets the size of the message this check reads. */
        Check reading(long bytes) {
            this.messageBytes = Math.min(bytes, maxBytes);
            return this;
        }

        @Override
        public Status checkInput(FilterInfo info) {
            // Limits are checked here rather than in the spec so a refusal for size is not blamed on a class.
            if (info.depth() > MAX_DEPTH || info.streamBytes() > maxBytes) {
                overLimit = true;
                return Status.REJECTED;
            }
            Class<?> type = info.serialClass();
            // The array is allocated before its elements are read: a few bytes declaring a huge length must not
            // make this JVM allocate it. Every element takes at least its own size (a reference at least a
            // byte), so an array whose elements could not fit in the whole message is refused.
            if (info.arrayLength() >= 0 && type != null && type.isArray()
                    && info.arrayLength() > messageBytes / elementBytes(type.getComponentType())) {
                overLimit = true;
                return Status.REJECTED;
            }
            if (type == null) {
                return Status.UNDECIDED;
            }
            Status status = patterns.checkInput(info);
            if (status == Status.UNDECIDED) {
                Class<?> element = type;
                while (element.isArray()) {
                    element = element.getComponentType();
                }
                status = element.isPrimitive() ? Status.ALLOWED : Status.REJECTED;
            }
            if (status == Status.REJECTED && refusedClass == null) {
                Class<?> element = type;
                while (element.isArray()) {
                    element = element.getComponentType();
                }
                refusedClass = element.getName();
            }
            return status;
        }

        private static long elementBytes(Class<?> component) {
            if (component == long.class || component == double.class) {
                return 8;
            }
            if (component == int.class || component == float.class) {
                return 4;
            }
            if (component == short.class || component == char.class) {
                return 2;
            }
            return 1;
        }
    }
}
