package dev.starling;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * One setting of {@link Config}: its name (the name of its builder method), its default and, for a setting
 * with a plain value, how it is written as text and which builder method sets it. Settings are numbered as
 * they are declared, and a config keeps their values in an array in that order, so each setting is written
 * once here and read and set by its key; its environment variable ({@code STARLING_MAX_BODY_SIZE}) and
 * property key ({@code starling.max-body-size}) are derived from its name.
 */
final class Setting<T> {

    private static final List<Setting<?>> ALL = new ArrayList<>();

    private final String name;
    private final int index;
    private final T fallback;
    /** How the value is written as text; null for a setting that only code can set (a TLS identity). */
    private final SettingText<T> text;
    /** The builder method that checks and sets a value read from text. */
    private final BiConsumer<Config.Builder, T> setter;

    private Setting(String name, T fallback, SettingText<T> text, BiConsumer<Config.Builder, T> setter) {
        this.name = name;
        this.fallback = fallback;
        this.text = text;
        this.setter = setter;
        this.index = ALL.size();
        ALL.add(this);
    }

    /** Declares a setting called {@code name} whose value is {@code fallback} until code sets it. */
    static <T> Setting<T> of(String name, T fallback) {
        return new Setting<>(name, fallback, null, null);
    }

    /**
     * Declares a setting called {@code name} whose value is {@code fallback} until it is set, by code or from
     * {@code text} (an environment variable, a property) through {@code setter}, which checks it.
     */
    static <T> Setting<T> of(String name, T fallback, SettingText<T> text, BiConsumer<Config.Builder, T> setter) {
        return new Setting<>(name, fallback, text, setter);
    }

    /** Returns every setting declared, in order. */
    static List<Setting<?>> all() {
        return Collections.unmodifiableList(ALL);
    }

    /** Returns the value of every setting declared so far, each its default. */
    static Object[] defaults() {
        Object[] values = new Object[ALL.size()];
        for (Setting<?> s : ALL) {
            values[s.index] = s.fallback;
        }
        return values;
    }

    /** Returns this setting's value in {@code values}. */
    @SuppressWarnings("unchecked")
    T in(Object[] values) {
        return (T) values[index];
    }

    /** Sets this setting's value in {@code values}. */
    void put(Object[] values, T value) {
        values[index] = value;
    }

    /** Returns this setting's position among all settings. */
    int index() {
        return index;
    }

    /** Returns the setting's name, which is its builder method's. */
    String name() {
        return name;
    }

    /** Returns the default value. */
    T fallback() {
        return fallback;
    }

    /** Returns true when the setting can be read from text (an environment variable, a property). */
    boolean textual() {
        return text != null;
    }

    /** Returns what a value of this setting must look like, for sentences and the settings page. */
    String expected() {
        return text == null ? "set in code" : text.expected();
    }

    /** Returns the environment variable of this setting, such as {@code STARLING_MAX_BODY_SIZE}. */
    String variable() {
        return "STARLING_" + words('_').toUpperCase(Locale.ROOT);
    }

    /** Returns the property key of this setting, such as {@code starling.max-body-size}. */
    String property() {
        return "starling." + words('-');
    }

    /** The name's words joined by {@code separator}, in lower case: maxBodySize → max-body-size. */
    private String words(char separator) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c)) {
                out.append(separator).append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * Sets this setting on {@code builder} from {@code raw}, read where {@code where} says; a value that is not
     * one, or that its builder method refuses, fails with a sentence that starts with {@code where}.
     */
    void apply(Config.Builder builder, String raw, String where) {
        T value = text.parse(raw);
        String shown = raw.replaceAll("\\p{Cntrl}", "?");
        if (value == null) {
            throw new IllegalArgumentException(capitalized(where) + " is '" + shown + "', which is not "
                    + text.expected() + ".");
        }
        try {
            setter.accept(builder, value);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(capitalized(where) + " is '" + shown + "': " + e.getMessage(), e);
        }
    }

    /** Returns {@code where} as the start of a sentence: "The system property ...", or a key as it is written. */
    static String capitalized(String where) {
        return where.startsWith("the ") ? "T" + where.substring(1) : where;
    }

    @Override
    public String toString() {
        return name;
    }
}
