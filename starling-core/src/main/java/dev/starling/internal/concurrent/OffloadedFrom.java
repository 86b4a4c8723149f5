package dev.starling.internal.concurrent;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The caller's stack at the moment of the offload, attached to a failing task's exception.
 *
 * <p>Taking a stack trace on every offload cost more than the rest of the offload (9 µs of the loop's CPU and
 * 1.5 KB per request on case D; see starling-bench/results/2026-12-03-issue17-profiles.md), so the stack is taken
 * the first time a callable's class is offloaded from a route and kept: the class pins where in the source the
 * offload is written, and the route the way to it. Later offloads of that code from that route carry only the
 * thread's name, and their message says the stack is the first one's. Outside a request nothing pins the way to
 * the code (a helper's lambda is one class for all its callers), so every offload there takes its own stack.
 */
final class OffloadedFrom extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Whether tasks capture their call site at all; {@code -Dstarling.offload.callSite=false} turns it off. */
    static final boolean ENABLED =
            !"false".equalsIgnoreCase(System.getProperty("starling.offload.callSite", "true"));

    /** How many stacks one callable class keeps, one per route; past this, each offload takes its own. */
    static final int SITES_PER_CLASS = 64;

    private static final ClassValue<ConcurrentHashMap<String, Stack>> SEEN = new ClassValue<>() {
        @Override
        protected ConcurrentHashMap<String, Stack> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>();
        }
    };

    /** A stack, for the route and pool it was taken in. */
    private record Stack(Throwable trace, String route, String pool) {
    }

    /** Where one task was offloaded from: the calling thread and a stack, perhaps shared with earlier tasks. */
    record Site(String thread, Stack stack, boolean first) {
    }

    private OffloadedFrom(Site site) {
        super("The task was offloaded to '" + site.stack().pool() + "' from thread '" + site.thread() + "' here"
                + (site.first() ? "." : " (the stack of the first offload of this code in route "
                + site.stack().route() + ")."), null, true, true);
        setStackTrace(site.stack().trace().getStackTrace());
    }

    /** Takes (or finds) the call site of an offload of {@code callable} to {@code pool} in {@code context}. */
    static Site capture(Object callable, String pool, Context context) {
        Scope scope = context.scope();
        String thread = Thread.currentThread().getName();
        // A JDK class (Executors.callable's adapter) would keep the stacks, and the app's classes they name, for
        // the life of the JVM.
        if (scope == null || callable.getClass().getClassLoader() == null) {
            return new Site(thread, new Stack(new Throwable(), scope == null ? "" : scope.routeName(), pool), true);
        }
        String route = scope.routeName();
        ConcurrentHashMap<String, Stack> stacks = SEEN.get(callable.getClass());
        Stack stack = stacks.get(route);
        if (stack != null && stack.pool().equals(pool)) {
            return new Site(thread, stack, false);
        }
        stack = new Stack(new Throwable(), route, pool);
        if (stacks.size() < SITES_PER_CLASS) {
            stacks.putIfAbsent(route, stack);
        }
        return new Site(thread, stack, true);
    }

    /** The stack is the caller's, set from the site; this exception's own would be the failing worker's. */
    @Override
    public Throwable fillInStackTrace() {
        return this;
    }

    /** Adds the call site to {@code error} as a suppressed exception; either may be null. */
    static void attach(Throwable error, Site site) {
        if (error != null && site != null) {
            error.addSuppressed(new OffloadedFrom(site));
        }
    }
}
