package dev.starling.internal.app;

import dev.starling.Observer;
import dev.starling.internal.concurrent.Observers;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/**
 * Measures how late an event loop runs its scheduled tasks: a task due every {@link #PERIOD_MILLIS} ms reports
 * how long after its due time it ran. Runs only when someone observes the app.
 */
final class LoopLag implements Runnable {

    static final long PERIOD_MILLIS = 100;

    private final EventLoop loop;
    private final Observer observer;
    private String name;
    private long due;

    private LoopLag(EventLoop loop, Observer observer) {
        this.loop = loop;
        this.observer = observer;
    }

    static void start(EventLoop loop, Observer observer) {
        new LoopLag(loop, observer).schedule();
    }

    private void schedule() {
        if (loop.isShuttingDown()) {
            return;
        }
        due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS);
        loop.schedule(this, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void run() {
        if (name == null) {
            name = Thread.currentThread().getName();
        }
        Observers.loopLag(observer, name, Math.max(0, System.nanoTime() - due));
        schedule();
    }
}
