package dev.starling.internal.concurrent;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;

/** Finds the event loop the current thread belongs to. */
public final class Loops {

    private Loops() {
    }

    /** Returns the event loop whose thread is the current thread, or null when the current thread is no loop. */
    public static EventExecutor current() {
        EventExecutor executor = ThreadExecutorMap.currentExecutor();
        return executor != null && executor.inEventLoop() ? executor : null;
    }
}
