package dev.starling.internal.routing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** A parsed path template such as {@code /items/{id}}: literal segments and named parameter segments. */
public final class PathTemplate {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final String text;
    private final String[] literals;
    private final String[] params;
    private final List<String> names;

    private PathTemplate(String text, String[] literals, String[] params, List<String> names) {
        this.text = text;
        this.literals = literals;
        this.params = params;
        this.names = names;
    }

    /** Parses {@code template}, or throws {@link IllegalArgumentException} with a message that says what is wrong. */
    public static PathTemplate parse(String template) {
        if (template == null || !template.startsWith("/")) {
            throw new IllegalArgumentException("the path template '" + template + "' must start with '/'");
        }
        String[] segments = split(template);
        String[] literals = new String[segments.length];
        String[] params = new String[segments.length];
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            if (s.startsWith("{") && s.endsWith("}")) {
                String name = s.substring(1, s.length() - 1);
                if (!NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException("the path template '" + template + "' has a parameter '" + s
                            + "' whose name is not a Java identifier");
                }
                if (!names.add(name)) {
                    throw new IllegalArgumentException("the path template '" + template + "' names the parameter '"
                            + name + "' twice");
                }
                params[i] = name;
            } else if (s.contains("{") || s.contains("}")) {
                throw new IllegalArgumentException("the path template '" + template + "' has a segment '" + s
                        + "'; a parameter must be a whole segment such as '{id}'");
            } else {
                literals[i] = s;
            }
        }
        return new PathTemplate(template, literals, params, List.copyOf(names));
    }

    /** Splits a path into its segments; {@code /} has one empty segment. */
    static String[] split(String path) {
        List<String> out = new ArrayList<>();
        int start = 1;
        for (int i = 1; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                out.add(path.substring(start, i));
                start = i + 1;
            }
        }
        return out.toArray(String[]::new);
    }

    /** Returns the template with parameter names left out, such as {@code /items/{}}: equal shapes match the same paths. */
    public String shape() {
        return text.replaceAll("\\{[A-Za-z_][A-Za-z0-9_]*\\}", "{}");
    }

    /** Returns the template as written. */
    public String text() {
        return text;
    }

    /** Returns the parameter names in order. */
    public List<String> names() {
        return names;
    }

    /** Returns true when the template has no parameters. */
    public boolean isStatic() {
        return names.isEmpty();
    }

    int size() {
        return literals.length;
    }

    /** Returns segment {@code i}'s text, or null when it is a parameter. */
    String literal(int i) {
        return literals[i];
    }

    /** Matches decoded segments; fills {@code values} (one per parameter, in order) and returns true on a match. */
    boolean match(String[] segments, String[] values) {
        if (segments.length != literals.length) {
            return false;
        }
        int p = 0;
        for (int i = 0; i < segments.length; i++) {
            if (params[i] != null) {
                if (segments[i].isEmpty()) {
                    return false;
                }
                values[p++] = segments[i];
            } else if (!literals[i].equals(segments[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return text;
    }
}
