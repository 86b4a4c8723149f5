package dev.starling.internal.http;

import dev.starling.internal.concurrent.OffloadTask;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The offloaded tasks of one exchange, kept in its {@code tasks} field as null, one task or an array, and
 * updated by compare-and-set since workers add to it too; cancelled together when the client goes or the
 * request times out.
 */
final class TaskScope {

    private static final VarHandle TASKS;

    static {
        try {
            TASKS = MethodHandles.lookup().findVarHandle(Exchange.class, "tasks", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TaskScope() {
    }

    /** Adds {@code task} to the tasks of {@code exchange}. */
    static void add(Exchange exchange, OffloadTask<?> task) {
        for (;;) {
            Object current = exchange.tasks;
            Object next;
            if (current == null) {
                next = task;
            } else if (current instanceof OffloadTask<?> one) {
                next = new OffloadTask<?>[] {one, task};
            } else {
                OffloadTask<?>[] many = (OffloadTask<?>[]) current;
                OffloadTask<?>[] grown = Arrays.copyOf(many, many.length + 1);
                grown[many.length] = task;
                next = grown;
            }
            if (TASKS.compareAndSet(exchange, current, next)) {
                return;
            }
        }
    }

    /** Removes {@code task} from the tasks of {@code exchange}, when it is there. */
    static void remove(Exchange exchange, OffloadTask<?> task) {
        for (;;) {
            Object current = exchange.tasks;
            Object next;
            if (current == task) {
                next = null;
            } else if (current instanceof OffloadTask<?>[] many) {
                int i = Arrays.asList(many).indexOf(task);
                if (i < 0) {
                    return;
                }
                OffloadTask<?>[] shrunk = new OffloadTask<?>[many.length - 1];
                System.arraycopy(many, 0, shrunk, 0, i);
                System.arraycopy(many, i + 1, shrunk, i, many.length - i - 1);
                next = shrunk.length == 1 ? shrunk[0] : shrunk;
            } else {
                return;
            }
            if (TASKS.compareAndSet(exchange, current, next)) {
                return;
            }
        }
    }

    /** Cancels every task in {@code tasks} (a value once read from the field), interrupting those that run. */
    static void cancelAll(Object tasks) {
        if (tasks instanceof OffloadTask<?> one) {
            one.cancel(true);
        } else if (tasks instanceof OffloadTask<?>[] many) {
            for (OffloadTask<?> task : many) {
                task.cancel(true);
            }
        }
    }
}
