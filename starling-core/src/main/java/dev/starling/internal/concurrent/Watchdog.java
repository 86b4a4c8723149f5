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
        // The baseline of a span that begins before the first look (a loop starts with its first connection, and
        // runs its request at once): the collectors' pauses until now stopped no code of this loop. The thread is
        // not started yet, so its CPU clock's baseline is 0. Published to the watchdog by the list's add.
        probe.pausesAtLook = Stalls.pauses();
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
            long pauses = Stalls.pauses();
            for (LoopProbe probe : probes) {
                check(probe, now, pauses);
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

    private void check(LoopProbe probe, long now, long pauses) {
        long entered = probe.enteredAt();
        long cpu = Stalls.cpu(probe.thread());
        if (entered != 0L && entered != probe.watchedSpan) {
            // A new span: it began after the last look, so what the clocks read then is its baseline.
            probe.watchedSpan = entered;
            probe.cpuBeforeSpan = probe.cpuAtLook;
            probe.pausesBeforeSpan = probe.pausesAtLook;
        }
        probe.cpuAtLook = cpu;
        probe.pausesAtLook = pauses;
        if (entered == 0L || entered == probe.reportedFor || now - entered < thresholdNanos) {
            return;
        }
        // What the loop is doing is read before its stack is taken: the loop runs on while the stack is built,
        // so a flag read afterwards would often be that of a later step (a submit just finished, say).
        String route = probe.route();
        boolean writing = probe.isWriting();
        String sending = probe.sendingTo();
        Thread.State state = probe.thread().getState();
        StackTraceElement[] stack = probe.thread().getStackTrace();
        // The loop may have moved on while the stack was taken; then the stack shows something else.
        if (probe.enteredAt() != entered) {
            return;
        }
        if (excused(probe, route, now - entered, cpu, pauses, state, stack)) {
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

    /**
     * Returns true when the span has not held the loop past the threshold once the time the loop was stopped
     * is taken out. A loop that is runnable (not in a socket or file read) held it at most for the CPU time it
     * had since the last look before the span: the rest it was preempted, by other threads or processes, or
     * paused by the JVM. A sleeping, waiting or reading loop held it all along but for the collector's pauses.
     * Later looks see the span grow; a route that goes on blocking is reported then.
     */
    private boolean excused(LoopProbe probe, String route, long span, long cpu, long pauses, Thread.State state,
                            StackTraceElement[] stack) {
        long paused = pauses - probe.pausesBeforeSpan;
        boolean runnable = cpu >= 0 && probe.cpuBeforeSpan >= 0 && Stalls.wantsCpu(state, stack);
        long held = runnable ? Math.min(span, cpu - probe.cpuBeforeSpan) : span - paused;
        if (held >= thresholdNanos) {
            return false;
        }
        if (probe.excusedFor != probe.watchedSpan && LOG.isDebugEnabled()) {
            probe.excusedFor = probe.watchedSpan;
            LOG.debug("Event loop {} has been in {} for {} ms, but for {} ms of it the loop was not running ({} ms "
                            + "of them the collector's pauses); not reported as blocking (threshold {} ms).",
                    probe.thread().getName(), route == null ? "user code" : "route " + route, span / 1_000_000,
                    (span - held) / 1_000_000, Math.min(paused, span - held) / 1_000_000, thresholdNanos / 1_000_000);
        }
        return true;
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
