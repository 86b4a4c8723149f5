package dev.starling;

import dev.starling.internal.settings.SettingSources;
import dev.starling.internal.settings.SettingSources.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets a builder's settings from sources of text (system properties, environment variables, properties files):
 * each setting from the first source that has it, every bad value reported in one exception, and each key that
 * names no setting warned about once, with the nearest known name.
 */
final class EnvironmentSettings {

    private static final Logger LOG = LoggerFactory.getLogger(Starling.class);
    /** The unknown keys already warned about: a JVM that builds many apps warns once. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private EnvironmentSettings() {
    }

    /** Sets on {@code builder} every setting that one of {@code sources} (highest precedence first) has. */
    static void apply(Config.Builder builder, List<Source> sources) {
        List<String> problems = new ArrayList<>();
        List<String> variables = new ArrayList<>();
        List<String> properties = new ArrayList<>();
        for (Setting<?> setting : Setting.all()) {
            if (!setting.textual()) {
                continue;
            }
            variables.add(setting.variable());
            properties.add(setting.property());
            for (Source source : sources) {
                String key = source.variables() ? setting.variable() : setting.property();
                String raw = source.values().get(key);
                if (raw == null) {
                    continue;
                }
                String where = source.describe(key);
                try {
                    setting.apply(builder, raw, where);
                    builder.origin(setting, raw + " from " + where);
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                }
                break;
            }
        }
        for (Source source : sources) {
            List<String> known = source.variables() ? variables : properties;
            for (String key : source.values().keySet()) {
                if (!known.contains(key) && !source.notASetting(key) && WARNED.add(source.describe(key))) {
                    String near = SettingSources.nearest(key, known);
                    LOG.warn("{} names no Starling setting, so it is ignored; {} (docs/settings.md lists them all).",
                            Setting.capitalized(source.describe(key)), near == null ? "no setting has a similar name"
                                    : "did you mean " + near + "?");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join(" ", problems));
        }
    }
}
