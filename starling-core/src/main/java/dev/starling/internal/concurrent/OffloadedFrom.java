package dev.starling.internal.concurrent;

/** The caller's stack at the moment of the offload, attached to a failing task's exception. */
final class OffloadedFrom extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Whether tasks capture their call site at all; {@code -Dstarling.offload.callSite=false} turns it off. */
    static final boolean ENABLED =
            !"false".equalsIgnoreCase(System.getProperty("starling.offload.callSite", "true"));

    OffloadedFrom(String threadName, String poolName) {
        super("The task was offloaded to '" + poolName + "' from thread '" + threadName + "' here.");
    }

    /** Adds {@code callSite} to {@code error} as a suppressed exception; either may be null. */
    static void attach(Throwable error, OffloadedFrom callSite) {
        if (error != null && callSite != null && error != callSite) {
            error.addSuppressed(callSite);
        }
    }
}
