package dev.starling;

import dev.starling.concurrent.Threadpool;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How one kind of setting is written as text, in an environment variable, a system property or a properties
 * file: the parser and, for the sentence that refuses a bad value, what was expected. Durations are read by
 * {@code Config.Builder.DURATION}, with the parser of {@code @Timeout}.
 *
 * @param <T> the setting's type
 */
interface SettingText<T> {

    /** Returns the value {@code text} stands for, or null when it is not one. */
    T parse(String text);

    /** Returns what a value must look like, as the end of "which is not ...": "a port number from 0 to 65535". */
    String expected();

    /** Returns a text whose values are {@code parser}'s, described by {@code expected}. */
    static <T> SettingText<T> of(String expected, java.util.function.Function<String, T> parser) {
        return new SettingText<>() {
            @Override
            public T parse(String text) {
                return parser.apply(text.strip());
            }

            @Override
            public String expected() {
                return expected;
            }
        };
    }

    /** Any text, as it is (only surrounding blanks are dropped). */
    static SettingText<String> text() {
        return of("a text", s -> s);
    }

    /** A port: a whole number from 0 to 65535. */
    static SettingText<Integer> port() {
        return of("a port number from 0 to 65535", s -> {
            Long n = number(s);
            return n == null || n > 65535 ? null : n.intValue();
        });
    }

    /** A whole number of one or more. */
    static SettingText<Integer> count() {
        return of("a whole number from 1 to " + Integer.MAX_VALUE, s -> {
            Long n = number(s);
            return n == null || n < 1 || n > Integer.MAX_VALUE ? null : n.intValue();
        });
    }

    /** A size in bytes: a number, or a number with a binary unit ({@code 64KiB}, {@code 1MiB}, {@code 1GiB}). */
    static SettingText<Integer> size() {
        Pattern form = Pattern.compile("(\\d{1,19})\\s*(b|kib|mib|gib)?");
        return of("a size in bytes below 2 GiB such as 1048576, 64KiB or 1MiB (units are 1024-based: KiB, MiB, GiB)",
                s -> {
                    Matcher m = form.matcher(s.toLowerCase(Locale.ROOT));
                    if (!m.matches()) {
                        return null;
                    }
                    Long n = number(m.group(1));
                    int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
                        case "kib" -> 10;
                        case "mib" -> 20;
                        case "gib" -> 30;
                        default -> 0;
                    };
                    if (n == null || n > (Integer.MAX_VALUE >> shift)) {
                        return null;
                    }
                    return (int) (n << shift);
                });
    }

    /** A boolean: {@code true}/{@code false}, also {@code on}/{@code off}, {@code yes}/{@code no}, {@code 1}/{@code 0}. */
    static SettingText<Boolean> bool() {
        return of("true or false (or on/off, yes/no, 1/0)", s -> switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "on", "yes", "1" -> Boolean.TRUE;
            case "false", "off", "no", "0" -> Boolean.FALSE;
            default -> null;
        });
    }

    /** A list: values separated by commas, each stripped, empty ones dropped; an empty text is an empty list. */
    static SettingText<List<String>> list() {
        return of("a list of values separated by commas", s -> {
            List<String> values = new ArrayList<>();
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    values.add(part.strip());
                }
            }
            return List.copyOf(values);
        });
    }

    /** A threadpool: {@code platform:N} or {@code virtual:N}, N tasks at once. */
    static SettingText<Threadpool> threadpool() {
        Pattern form = Pattern.compile("(platform|virtual):(\\d{1,10})");
        return of("platform:N or virtual:N, such as platform:64 or virtual:1000", s -> {
            Matcher m = form.matcher(s.toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                return null;
            }
            Long tokens = number(m.group(2));
            if (tokens == null || tokens > Integer.MAX_VALUE) {
                return null;
            }
            return m.group(1).equals("virtual") ? Threadpool.virtual(tokens.intValue())
                    : Threadpool.platform(tokens.intValue());
        });
    }

    private static Long number(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return null;
            }
        }
        return Long.parseLong(s);
    }
}
