package dev.starling.process;

import java.io.ObjectInputFilter;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The class patterns a pool allows to be deserialized, on both sides, which grow with the packages of the
 * classes its tasks are made of.
 */
final class PoolFilter {

    private static final List<String> DEFAULT_ALLOWED = List.of("java.**", "javax.**", "dev.starling.**");

    private final LinkedHashSet<String> allowed = new LinkedHashSet<>();
    private volatile String filterSpec;
    private volatile byte[] filterSpecBytes;

    /** Allows the user's {@code patterns}, checked first, then the defaults; a malformed pattern throws. */
    PoolFilter(Collection<String> patterns) {
        allowed.addAll(patterns);
        allowed.addAll(DEFAULT_ALLOWED);
        updateFilter();
        // Fails fast, at build, on a malformed allowClasses pattern.
        ObjectInputFilter.Config.createFilter(filterSpec);
    }

    /**
     * Lock held: allows, in both directions from now on, the packages of the classes a task was made of. They
     * are well-formed patterns made from class names, so they are not parsed here, in the caller's thread (an
     * event loop, often): each side parses the spec where it reads with it.
     */
    void allowPackages(Set<String> patterns) {
        if (allowed.addAll(patterns)) {
            updateFilter();
        }
    }

    private void updateFilter() {
        String spec = String.join(";", allowed);
        filterSpec = spec;
        filterSpecBytes = spec.getBytes(StandardCharsets.UTF_8);
    }

    /** Returns the patterns joined by ';', as {@link AllowList#check} reads them in this JVM. */
    String spec() {
        return filterSpec;
    }

    /** Returns {@link #spec()} in UTF-8, as frames carry it to the workers. */
    byte[] specBytes() {
        return filterSpecBytes;
    }
}
