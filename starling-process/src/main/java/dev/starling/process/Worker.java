package dev.starling.process;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The main class of a worker JVM: reads tasks from stdin, runs them one at a time on the main thread and
 * writes results to stdout.
 *
 * <p>Arguments: the pool's name and the largest message in bytes. The protocol keeps the real stdout;
 * {@code System.out} is pointed at stderr so user prints cannot corrupt it, and {@code System.in} is empty.
 * The worker exits when stdin ends (the pool closed it or the parent died) or the parent process exits, so
 * it never outlives its pool.
 */
final class Worker {

    private static final Frames.Frame END = new Frames.Frame((byte) 0, 0, Frames.EMPTY, Frames.EMPTY);

    private static volatile boolean busy;

    private final String pool;
    private final long maxBytes;
    private final DataOutputStream out;
    private final long pid = ProcessHandle.current().pid();

    private Worker(String pool, long maxBytes, DataOutputStream out) {
        this.pool = pool;
        this.maxBytes = maxBytes;
        this.out = out;
    }

    /** Runs the worker until its stdin ends; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        String pool = args.length > 0 ? args[0] : "unnamed";
        long maxBytes = args.length > 1 ? Long.parseLong(args[1]) : 64L << 20;
        DataOutputStream out = new DataOutputStream(
                new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16));
        System.setOut(System.err);
        System.setIn(InputStream.nullInputStream());
        DataInputStream in = new DataInputStream(
                new BufferedInputStream(new FileInputStream(FileDescriptor.in), 1 << 16));
        Thread.currentThread().setName("starling-process-" + pool + "-worker");
        // Ctrl-C in a terminal signals the whole process group, workers included: the parent decides when a
        // worker ends (it closes stdin, or it exits), so a worker must not die of the parent's Ctrl-C first.
        try {
            Signal.handle(new Signal("INT"), SignalHandler.SIG_IGN);
        } catch (IllegalArgumentException reservedByTheJvm) {
            // With -Xrs among the pool's jvmOptions the JVM keeps its hands off SIGINT; nothing to undo then.
        }
        // stdin ending is the usual sign the parent is gone; this also covers a parent that left the pipe open
        // to another process somehow.
        ProcessHandle.current().parent().ifPresent(parent ->
                parent.onExit().thenRun(() -> Runtime.getRuntime().halt(1)));
        // A separate reader notices the end of stdin even while a task runs; the pool sends one message at a
        // time, so two slots are plenty.
        BlockingQueue<Frames.Frame> inbox = new ArrayBlockingQueue<>(2);
        Thread reader = Thread.ofPlatform().daemon().name("starling-process-" + pool + "-stdin").unstarted(() -> {
            try {
                for (Frames.Frame frame; (frame = Frames.read(in, 2 * maxBytes + (1 << 20))) != null; ) {
                    inbox.put(frame);
                }
            } catch (IOException | InterruptedException e) {
                System.err.println("Worker " + ProcessHandle.current().pid() + " of process pool '" + pool
                        + "' stops: it could not read from the pool (" + e + ").");
            }
            // The end of stdin while a task runs means the parent is gone: nobody wants the result.
            if (busy || !inbox.offer(END)) {
                Runtime.getRuntime().halt(0);
            }
        });
        reader.start();
        new Worker(pool, maxBytes, out).loop(inbox);
        System.exit(0);
    }

    private void loop(BlockingQueue<Frames.Frame> inbox) throws InterruptedException {
        for (Frames.Frame frame; (frame = inbox.take()) != END; ) {
            try {
                if (frame.kind() == Frames.INIT) {
                    initialize(frame);
                } else if (frame.kind() == Frames.TASK) {
                    run(frame);
                }
            } catch (IOException e) {
                // stdout is gone, so the parent is too.
                return;
            }
        }
    }

    private void initialize(Frames.Frame frame) throws IOException {
        if (frame.second().length == 0) {
            send(new Frames.Frame(Frames.READY, pid, Frames.EMPTY, Frames.EMPTY));
            return;
        }
        try {
            Object initializer = read(frame, "the initializer");
            ((ProcessPool.Initializer) initializer).run();
        } catch (Throwable t) {
            sendFailure(Frames.INIT_FAILED, 0, t);
            return;
        }
        send(new Frames.Frame(Frames.READY, pid, Frames.EMPTY, Frames.EMPTY));
    }

    private void run(Frames.Frame frame) throws IOException {
        Object task;
        Object result;
        try {
            task = read(frame, "a task");
        } catch (Throwable t) {
            sendFailure(Frames.FAILURE, frame.id(), t);
            return;
        }
        busy = true;
        try {
            Thread.interrupted();
            if (task instanceof Callable<?> callable) {
                result = callable.call();
            } else if (task instanceof Runnable runnable) {
                runnable.run();
                result = null;
            } else {
                throw new IllegalArgumentException("Process pool '" + pool + "' received a "
                        + task.getClass().getName() + ", which is neither a Callable nor a Runnable.");
            }
        } catch (Throwable t) {
            busy = false;
            sendFailure(Frames.FAILURE, frame.id(), t);
            return;
        }
        busy = false;
        byte[] bytes;
        try {
            bytes = Frames.serialize(result);
        } catch (NotSerializableException e) {
            sendFailure(Frames.FAILURE, frame.id(), new UncheckedIOException("Task " + ProcessPool.describe(task)
                    + " returned a " + result.getClass().getName() + ", which cannot be sent back from worker pid "
                    + pid + ": class " + e.getMessage() + " is not serializable.", e));
            return;
        } catch (IOException | RuntimeException e) {
            sendFailure(Frames.FAILURE, frame.id(), new UncheckedIOException("Task " + ProcessPool.describe(task)
                    + " returned a " + result.getClass().getName() + ", which could not be serialized in worker"
                    + " pid " + pid + " (" + e + ").", e instanceof IOException io ? io : new IOException(e)));
            return;
        }
        if (bytes.length > maxBytes) {
            sendFailure(Frames.FAILURE, frame.id(), new UncheckedIOException("Task " + ProcessPool.describe(task)
                    + " returned a " + result.getClass().getName() + " of " + bytes.length + " serialized bytes,"
                    + " more than the " + maxBytes + " bytes process pool '" + pool + "' allows (maxMessageBytes).",
                    new IOException("message too large")));
            return;
        }
        send(new Frames.Frame(Frames.RESULT, frame.id(), bytes, Frames.EMPTY));
    }

    private Object read(Frames.Frame frame, String what) throws Exception {
        String spec = new String(frame.first(), StandardCharsets.UTF_8);
        AllowList.Check check = AllowList.check(spec, maxBytes);
        try {
            return Frames.deserialize(frame.second(), check);
        } catch (Throwable e) {
            throw AllowList.failure(check, e, what + " in worker pid " + pid, pool);
        }
    }

    private void sendFailure(byte kind, long id, Throwable t) throws IOException {
        byte[] original;
        try {
            original = Frames.serialize(t);
        } catch (Exception | StackOverflowError e) {
            // The fallback below stands for it.
            original = Frames.EMPTY;
        }
        byte[] fallback;
        try {
            fallback = Frames.serialize(RemoteTaskException.of(t));
        } catch (Exception e) {
            fallback = Frames.serialize(new RemoteTaskException(t.getClass().getName(), null,
                    new StackTraceElement[0], null));
        }
        if (original.length > maxBytes) {
            original = Frames.EMPTY;
        }
        send(new Frames.Frame(kind, id, original, fallback));
    }

    private void send(Frames.Frame frame) throws IOException {
        Frames.write(out, frame);
    }
}
