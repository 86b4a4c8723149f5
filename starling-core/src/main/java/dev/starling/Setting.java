package dev.starling;

import java.util.ArrayList;
import java.util.List;

/**
 * One setting of {@link Config}: its name (the name of its builder method) and its default. Settings are
 * numbered as they are declared, and a config keeps their values in an array in that order, so each setting
 * is written once here and read and set by its key.
 */
final class Setting<T> {

    private static final List<Setting<?>> ALL = new ArrayList<>();

    private final String name;
    private final int index;
    private final T fallback;

    private Setting(String name, T fallback) {
        this.name = name;
        this.fallback = fallback;
        this.index = ALL.size();
        ALL.add(this);
    }

    /** Declares a setting called {@code name} whose value is {@code fallback} until it is set. */
    static <T> Setting<T> of(String name, T fallback) {
        return new Setting<>(name, fallback);
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

    @Override
    public String toString() {
        return name;
    }
}
