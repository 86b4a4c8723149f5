package dev.starling.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads durations written in annotations and settings: {@code "250ms"}, {@code "5s"}, {@code "2m"}, {@code "1h"} or ISO-8601. */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private Durations() {
    }

    /** Parses {@code text}; a bad or non-positive value fails with a sentence that starts with {@code where}. */
    public static Duration parse(String text, String where) {
        Duration d = read(text);
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(where + " \"" + text + "\", which is not a positive duration; write"
                    + " it as \"250ms\", \"5s\", \"2m\", \"1h\" or ISO-8601 such as \"PT5S\".");
        }
        return d;
    }

    /**
     * Returns the duration {@code text} stands for ({@code "250ms"}, {@code "5s"}, {@code "2m"}, {@code "1h"} or
     * ISO-8601), zero or more and small enough for a timer, or null when it is none.
     */
    public static Duration read(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Duration d = null;
        Matcher m = SHORT.matcher(t);
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            } catch (NumberFormatException | ArithmeticException e) {
                return null;
            }
        } else {
            try {
                d = Duration.parse(text.trim());
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        try {
            d.toNanos();   // beyond about 292 years it does not fit a timer
        } catch (ArithmeticException e) {
            return null;
        }
        return d.isNegative() ? null : d;
    }

    /** Describes a duration as a sentence would: whole seconds as "5 s", else milliseconds. */
    public static String describe(long nanos) {
        long millis = TimeUnit.NANOSECONDS.toMillis(nanos);
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
