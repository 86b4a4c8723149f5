package dev.starling.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The values one tag may take: the first {@code max} distinct values pass as they are, later ones become
 * {@value #OTHER}, so a bug that puts raw paths or ids into a tag cannot grow the registry without end.
 */
final class BoundedTags {

    /** The value that stands for every value past the cap. */
    static final String OTHER = "other";

    private final int max;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final AtomicInteger size = new AtomicInteger();

    BoundedTags(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("A tag needs room for at least one value, not " + max + ".");
        }
        this.max = max;
    }

    /** Returns {@code value} when it is known or there is room for it, {@value #OTHER} otherwise. */
    String tag(String value) {
        if (seen.contains(value)) {
            return value;
        }
        int n;
        do {
            n = size.get();
            if (n >= max) {
                return OTHER;
            }
        } while (!size.compareAndSet(n, n + 1));
        if (!seen.add(value)) {
            size.decrementAndGet();   // another thread added it first; give the place back
        }
        return value;
    }

    /** Returns how many distinct values passed. */
    int size() {
        return size.get();
    }
}
