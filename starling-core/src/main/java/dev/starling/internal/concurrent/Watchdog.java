package dev.starling.internal.concurrent;

import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the event loops for user code that runs longer than a threshold (asyncio's slow-callback warning,
 * Vert.x's blocked-thread checker), logging one warning per blocking episode with the loop's stack.
 */
public final class Watchdog {

    private static final Logger LOG = LoggerFactory.getLogger("dev.starling.watchdog");
    private static final int MAX_FRAMES = 40;

    private final long thresholdNanos;
    private final long stuckNanos;
    private final CopyOnWriteArrayList<LoopProbe> probes = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<WorkerThread> workers = new CopyOnWriteArrayList<>();
    private final AtomicLong blocked = new AtomicLong();
    private final AtomicLong stuck = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile dev.starling.Observer observer;

    /** Watches loops against {@code threshold} and platform workers against {@code stuckThreshold}. */
    public Watchdog(Duration threshold, Duration stuckThreshold) {
        this.thresholdNanos = threshold.toNanos();
        this.stuckNanos = stuckThreshold.toNanos();
        this.thread = new Thread(this::loop, "starling-watchdog");
        thread.setDaemon(true);
    }

    /** Sets who hears of blocked loops; null for nobody. */
    public void observer(dev.starling.Observer observer) {
        this.observer = observer;
    }

    public void start() {
        thread.start();
    }

    public void stop() {
        running = false;
        LockSupport.unpark(thread);
    }

    void watch(LoopProbe probe) {
        probes.add(probe);
    }

    void watch(WorkerThread worker) {
        workers.add(worker);
    }

    /** Returns how many times a worker task was seen running past the stuck-task threshold. */
    public long stuckCount() {
        return stuck.get();
    }

    /** Returns how many times user code was seen blocking a loop. */
    public long blockedCount() {
        return blocked.get();
    }

    private void loop() {
        long period = Math.max(Duration.ofMillis(5).toNanos(), thresholdNanos / 4);
        while (running) {
            LockSupport.parkNanos(this, period);
            long now = System.nanoTime();
            for (LoopProbe probe : probes) {
                check(probe, now);
            }
            for (WorkerThread worker : workers) {
                if (worker.getState() == Thread.State.TERMINATED) {
                    workers.remove(worker);
                } else {
                    check(worker, now);
                }
            }
        }
    }

    private void check(LoopProbe probe, long now) {
        long entered = probe.enteredAt();
        if (entered == 0L || entered == probe.reportedFor || now - entered < thresholdNanos) {
            return;
        }
        // What the loop is doing is read before its stack is taken: the loop runs on while the stack is built,
        // so a flag read afterwards would often be that of a later step (a submit just finished, say).
        String route = probe.route();
        boolean writing = probe.isWriting();
        String sending = probe.sendingTo();
        StackTraceElement[] stack = probe.thread().getStackTrace();
        // The loop may have moved on while the stack was taken; then the stack shows something else.
        if (probe.enteredAt() != entered) {
            return;
        }
        probe.reportedFor = entered;
        blocked.incrementAndGet();
        dev.starling.Observer o = observer;
        if (o != null) {
            Observers.loopBlocked(o, route == null ? "user code" : route, now - entered);
        }
        Throwable where = new BlockedLoop(stack);
        if (sending != null) {
            LOG.warn("Event loop {} has been sending a task of {} to executor '{}' for {} ms (threshold {} ms): not "
                            + "the route's own code but the executor's submit, which serializes the task (and all it "
                            + "captures) on the loop; keep what a remote task captures small. The loop is at:",
                    probe.thread().getName(), route == null ? "user code" : "route " + route, sending,
                    (now - entered) / 1_000_000, thresholdNanos / 1_000_000, where);
            return;
        }
        if (writing) {
            LOG.warn("Event loop {} has been writing the response of {} for {} ms (threshold {} ms): Starling's own "
                            + "work, encoding (and compressing) the body on the loop; stream a large body (an "
                            + "Iterator or Stream result) or send it as a file (the first response of a type also "
                            + "builds its JSON serializer). The loop is at:",
                    probe.thread().getName(), route == null ? "user code" : "route " + route,
                    (now - entered) / 1_000_000, thresholdNanos / 1_000_000, where);
            return;
        }
        LOG.warn("Event loop {} has been running {} for {} ms (threshold {} ms); blocking code belongs in a "
                        + "plain (offloaded) handler or runInThreadpool. The loop is at:",
                probe.thread().getName(), route == null ? "user code" : "route " + route,
                (now - entered) / 1_000_000, thresholdNanos / 1_000_000, where);
    }

    private void check(WorkerThread worker, long now) {
        long started = worker.taskStartedAt();
        if (started == 0L || started == worker.reportedFor || now - started < stuckNanos) {
            return;
        }
        StackTraceElement[] stack = worker.getStackTrace();
        if (worker.taskStartedAt() != started) {
            return;
        }
        worker.reportedFor = started;
        stuck.incrementAndGet();
        LOG.warn("Worker {} has been running {} for {} s (threshold {} s); it holds a threadpool token all along. "
                        + "The worker is at:", worker.getName(), worker.taskName(), (now - started) / 1_000_000_000L,
                stuckNanos / 1_000_000_000L, new BlockedLoop(stack));
    }

    /** Carries the loop thread's stack into the log line. */
    static final class BlockedLoop extends Throwable {
        private static final long serialVersionUID = 1L;

        BlockedLoop(StackTraceElement[] stack) {
            super("blocked here", null, false, true);
            int n = Math.min(stack.length, MAX_FRAMES);
            StackTraceElement[] top = new StackTraceElement[n];
            System.arraycopy(stack, 0, top, 0, n);
            setStackTrace(top);
        }
    }
}
