package dev.starling.internal.concurrent;

import dev.starling.Observer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls observers so that one that throws is logged and ignored, never breaking the work it observes. */
public final class Observers {

    private static final Logger LOG = LoggerFactory.getLogger(Observers.class);

    private Observers() {
    }

    /** Returns one observer for all of {@code observers}, or null when there are none. */
    public static Observer of(List<Observer> observers) {
        if (observers.isEmpty()) {
            return null;
        }
        if (observers.size() == 1) {
            return observers.get(0);
        }
        List<Observer> all = List.copyOf(observers);
        return new Observer() {
            @Override
            public void requestEnded(String method, String route, int status, long nanos) {
                all.forEach(o -> Observers.requestEnded(o, method, route, status, nanos));
            }

            @Override
            public void taskEnded(String executor, long waitNanos, long runNanos, Outcome outcome) {
                all.forEach(o -> Observers.ended(o, executor, waitNanos, runNanos, outcome));
            }

            @Override
            public void taskRefused(String executor, Refusal reason) {
                all.forEach(o -> Observers.refused(o, executor, reason));
            }

            @Override
            public void loopBlocked(String route, long nanos) {
                all.forEach(o -> Observers.loopBlocked(o, route, nanos));
            }

            @Override
            public void loopLag(String loop, long nanos) {
                all.forEach(o -> Observers.loopLag(o, loop, nanos));
            }
        };
    }

    static void ended(Observer observer, String executor, long waitNanos, long runNanos, Observer.Outcome outcome) {
        try {
            observer.taskEnded(executor, waitNanos, runNanos, outcome);
        } catch (Throwable t) {
            failed(observer, t);
        }
    }

    static void refused(Observer observer, String executor, Observer.Refusal reason) {
        try {
            observer.taskRefused(executor, reason);
        } catch (Throwable t) {
            failed(observer, t);
        }
    }

    /** Reports a request that has been answered. */
    public static void requestEnded(Observer observer, String method, String route, int status, long nanos) {
        try {
            observer.requestEnded(method, route, status, nanos);
        } catch (Throwable t) {
            failed(observer, t);
        }
    }

    /** Reports a blocked loop. */
    public static void loopBlocked(Observer observer, String route, long nanos) {
        try {
            observer.loopBlocked(route, nanos);
        } catch (Throwable t) {
            failed(observer, t);
        }
    }

    /** Reports a loop's lag. */
    public static void loopLag(Observer observer, String loop, long nanos) {
        try {
            observer.loopLag(loop, nanos);
        } catch (Throwable t) {
            failed(observer, t);
        }
    }

    private static void failed(Observer observer, Throwable t) {
        LOG.warn("The observer {} threw; the event is dropped.", observer.getClass().getName(), t);
    }
}
