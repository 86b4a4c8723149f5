package dev.starling;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets a builder's settings from outside the code. The sources, highest precedence first: Java system
 * properties ({@code -Dstarling.port}), environment variables ({@code STARLING_PORT}), the properties file named
 * by {@code STARLING_CONFIG} (or {@code -Dstarling.config}), and {@code starling.properties} on the class path.
 * Each setting is taken from the first source that has it, every bad value is reported in one exception, and
 * each key that names no setting is warned about once, with the nearest known name.
 */
final class EnvironmentSettings {

    private static final Logger LOG = LoggerFactory.getLogger(Starling.class);
    /** The unknown keys already warned about: a JVM that builds many apps warns once. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    /** The variable that names a properties file. */
    static final String CONFIG_VARIABLE = "STARLING_CONFIG";
    /** The system property that names a properties file. */
    static final String CONFIG_PROPERTY = "starling.config";
    /** The properties file looked up on the class path. */
    static final String CLASSPATH_FILE = "starling.properties";

    /** Variables of the {@code STARLING_} family that are not settings: read by Starling's scripts or above. */
    private static final List<String> NOT_SETTINGS = List.of(CONFIG_VARIABLE, "STARLING_JAVA_OPTS", CONFIG_PROPERTY);

    /**
     * The values of one source, by key as it writes them ({@code STARLING_PORT} or {@code starling.port}).
     *
     * @param variables true when keys are environment variable names, false for property keys
     * @param where     how a key of this source is named in a sentence, {@code %s} standing for the key
     */
    record Source(Map<String, String> values, boolean variables, String where) {

        /** Returns the sentence's name of {@code key} in this source: "the system property starling.port". */
        String describe(String key) {
            return where.formatted(key);
        }

        /** Returns true when {@code key} is no setting, but is Starling's own or its scripts'. */
        boolean notASetting(String key) {
            // System properties hold other starling.x.y keys (starling.offload.callSite); settings have no dot.
            return NOT_SETTINGS.contains(key) || (!variables && key.indexOf('.', "starling.".length()) >= 0);
        }
    }

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
                    String near = nearest(key, known);
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
    /** Returns the sources of {@code Config.Builder.fromEnvironment()}, highest precedence first. */
    static List<Source> standard(Map<String, String> environment, Properties system, ClassLoader loader) {
        List<Source> sources = new ArrayList<>();
        Map<String, String> properties = new TreeMap<>();
        for (String key : system.stringPropertyNames()) {
            if (key.startsWith("starling.")) {
                properties.put(key, system.getProperty(key));
            }
        }
        sources.add(new Source(properties, false, "the system property %s"));
        Map<String, String> variables = new TreeMap<>();
        environment.forEach((key, value) -> {
            if (key.startsWith("STARLING_")) {
                variables.put(key, value);
            }
        });
        sources.add(new Source(variables, true, "%s"));
        String named = system.getProperty(CONFIG_PROPERTY);
        String namedBy = "the system property " + CONFIG_PROPERTY;
        if (named == null) {
            named = environment.get(CONFIG_VARIABLE);
            namedBy = CONFIG_VARIABLE;
        }
        if (named != null) {
            sources.add(file(Path.of(named), " named by " + namedBy));
        }
        URL packaged = loader == null ? null : loader.getResource(CLASSPATH_FILE);
        if (packaged != null) {
            try (InputStream in = packaged.openStream()) {
                sources.add(new Source(read(in), false, "%s in " + packaged));
            } catch (IOException e) {
                throw new UncheckedIOException("The settings file " + packaged + " could not be read.", e);
            }
        }
        return sources;
    }

    /** Returns the {@code starling.*} keys of the properties file {@code path}, which must exist. */
    static Source file(Path path, String namedBy) {
        try (InputStream in = Files.newInputStream(path)) {
            return new Source(read(in), false, "%s in " + path);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("The settings file " + path + namedBy + " does not exist.", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("The settings file " + path + namedBy + " could not be read (" + e
                    + ").", e);
        }
    }

    private static Map<String, String> read(InputStream in) throws IOException {
        Properties file = new Properties();
        try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            file.load(reader);
        }
        Map<String, String> values = new TreeMap<>();
        for (String key : file.stringPropertyNames()) {
            // A file may hold the app's own keys beside Starling's; only starling.* ones are Starling's.
            if (key.startsWith("starling.")) {
                values.put(key, file.getProperty(key));
            }
        }
        return values;
    }

    /** Returns the name among {@code known} nearest to {@code unknown}, or null when none is near. */
    static String nearest(String unknown, Collection<String> known) {
        String best = null;
        int distance = Integer.MAX_VALUE;
        for (String name : known) {
            int d = distance(unknown.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT));
            if (d < distance) {
                best = name;
                distance = d;
            }
        }
        // Both prefixes (STARLING_ and starling.) are 9 characters; a third of the rest may differ.
        return distance <= Math.max(2, (unknown.length() - 9) / 3) ? best : null;
    }

    /** Levenshtein distance: edits (insert, delete, replace) from {@code a} to {@code b}. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int replace = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(replace, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
