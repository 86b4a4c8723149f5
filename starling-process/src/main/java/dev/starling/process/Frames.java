package dev.starling.process;

import dev.starling.concurrent.SerializableCallable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.StreamCorruptedException;
import java.lang.invoke.SerializedLambda;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;

/**
 * The wire format between the pool and its workers: length-prefixed frames over the worker's stdin and
 * stdout, each a kind, a task id and two byte sections whose meaning depends on the kind.
 */
final class Frames {

    /** Parent to worker: the filter and the serialized initializer (empty for none). */
    static final byte INIT = 1;
    /** Parent to worker: the filter and the serialized task. */
    static final byte TASK = 2;
    /** Worker to parent: the initializer ran; the worker takes tasks. */
    static final byte READY = 3;
    /** Worker to parent: the initializer threw; the sections are as in {@link #FAILURE}. */
    static final byte INIT_FAILED = 4;
    /** Worker to parent: the serialized result. */
    static final byte RESULT = 5;
    /** Worker to parent: the serialized exception (empty when it would not serialize) and its fallback. */
    static final byte FAILURE = 6;

    static final byte[] EMPTY = new byte[0];

    private static final int HEADER = 1 + 8 + 4 + 4;

    private static volatile boolean prepared;

    record Frame(byte kind, long id, byte[] first, byte[] second) {
    }

    private Frames() {
    }

    static void write(DataOutputStream out, Frame frame) throws IOException {
        out.writeInt(HEADER + frame.first().length + frame.second().length);
        out.writeByte(frame.kind());
        out.writeLong(frame.id());
        out.writeInt(frame.first().length);
        out.write(frame.first());
        out.writeInt(frame.second().length);
        out.write(frame.second());
        out.flush();
    }

    /** Reads the next frame, or returns null at a clean end of stream. */
    static Frame read(DataInputStream in, long maxFrameBytes) throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        if (length < HEADER || length > maxFrameBytes) {
            throw new StreamCorruptedException("A frame of " + length + " bytes arrived; frames are between "
                    + HEADER + " and " + maxFrameBytes + " bytes.");
        }
        byte kind = in.readByte();
        long id = in.readLong();
        byte[] first = section(in, length - HEADER);
        byte[] second = section(in, length - HEADER - first.length);
        return new Frame(kind, id, first, second);
    }

    private static byte[] section(DataInputStream in, int room) throws IOException {
        int size = in.readInt();
        if (size < 0 || size > room) {
            throw new StreamCorruptedException("A frame section of " + size + " bytes does not fit its frame.");
        }
        byte[] bytes = new byte[size];
        in.readFully(bytes);
        return bytes;
    }

    static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /**
     * Serializes {@code value} and adds to {@code patterns} an allow-list pattern for the package of every
     * class in it, including the class that defines a serialized lambda.
     */
    static byte[] serialize(Object value, Set<String> patterns) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (Recording out = new Recording(bytes, patterns)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /**
     * Serializes, once per JVM, a sample task shaped like those {@code Concurrency.runInExecutor} sends (a
     * serializable lambda that captures a map): Java serialization's one-time set-up (its classes, the
     * descriptors of {@code SerializedLambda} and {@code HashMap}, the reflective accessors it spins, the
     * first serializable lambda) then happens while the pool is built, not on the event loop of its first
     * task; it took 13 to 40 ms there in a cold JVM on a 2-core VM, depending on the load.
     */
    static void prepare() {
        if (prepared) {
            return;
        }
        HashMap<String, String> captured = new HashMap<>();
        captured.put("sample", "sample");
        SerializableCallable<Object> sample = () -> captured;
        try {
            serialize(sample, new HashSet<>());
        } catch (IOException e) {
            // Cannot happen with these classes; the first real task would only be slower.
        }
        prepared = true;   // two pools built at once may both do it, harmlessly
    }

    /** Returns the allow-list pattern that covers {@code className} and the lambdas it defines. */
    static String patternFor(String className) {
        int hidden = className.indexOf("$$Lambda");
        String name = hidden < 0 ? className : className.substring(0, hidden);
        int dot = name.lastIndexOf('.');
        // A class in the unnamed package: a prefix also covers its lambdas' hidden classes (Name$$Lambda/0x...).
        return dot < 0 ? name + "*" : name.substring(0, dot) + ".*";
    }

    private static final class Recording extends ObjectOutputStream {

        private final Set<String> patterns;

        Recording(OutputStream out, Set<String> patterns) throws IOException {
            super(out);
            this.patterns = patterns;
            enableReplaceObject(true);
        }

        @Override
        protected Object replaceObject(Object obj) {
            if (obj instanceof SerializedLambda lambda) {
                patterns.add(patternFor(lambda.getCapturingClass().replace('/', '.')));
            }
            Class<?> type = obj.getClass();
            while (type.isArray()) {
                type = type.getComponentType();
            }
            if (!type.isPrimitive()) {
                patterns.add(patternFor(type.getName()));
            }
            return obj;
        }
    }

    static Object deserialize(byte[] bytes, AllowList.Check filter) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            in.setObjectInputFilter(filter.reading(bytes.length));
            return in.readObject();
        }
    }
}
