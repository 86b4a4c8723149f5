package dev.starling.internal.routing;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Finds the route for a method and path. Static paths are one map lookup; templates sit in a tree of segments
 * (a literal child per text, one child for a parameter), so a lookup walks only the branches the path's
 * segments can take, whatever the number of routes. Among the templates that match, the one added first wins,
 * as if they were tried in the order they were added.
 */
public final class RoutingTable<R> {

    /** The outcome of a lookup: a route with its path values, or why there is none. */
    public record Match<R>(R route, PathTemplate template, String[] values, String allow) {
        public boolean found() {
            return route != null;
        }

        public boolean methodNotAllowed() {
            return route == null && allow != null;
        }
    }

    private final class Entry {
        final PathTemplate template;
        final Map<String, R> byMethod = new LinkedHashMap<>();
        /** The order in which templates were added: the first that matches wins. */
        final int order;

        Entry(PathTemplate template, int order) {
            this.template = template;
            this.order = order;
        }

        String allow() {
            TreeSet<String> methods = new TreeSet<>(byMethod.keySet());
            if (methods.contains("GET")) {
                methods.add("HEAD");
            }
            return String.join(", ", methods);
        }
    }

    /** One segment of the template tree: where a template ends, and where each next segment leads. */
    private final class Node {
        final Map<String, Node> literals = new HashMap<>();
        Node param;
        /** The template that ends here; two templates of one shape are one entry. */
        Entry entry;
    }

    private final Map<String, Entry> statics = new HashMap<>();
    private final Node templated = new Node();
    private int templates;
    /** Every entry, in the order it was added. */
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Entry> byText = new HashMap<>();
    /** Mounts by prefix ({@code ""} for the root), longest prefix first; tried when no route matches. */
    private final List<Map.Entry<String, Entry>> mounts = new ArrayList<>();

    /** Returns a router with the same routes, to try additions on. */
    public RoutingTable<R> copy() {
        RoutingTable<R> copy = new RoutingTable<>();
        for (Entry e : entries) {
            e.byMethod.forEach((m, r) -> copy.add(m, e.template, r));
        }
        for (Map.Entry<String, Entry> m : mounts) {
            m.getValue().byMethod.forEach((method, r) -> copy.mount(m.getKey(), method, r));
        }
        return copy;
    }

    /**
     * Mounts {@code route} for {@code method} on every path under {@code prefix} (a path without a trailing
     * slash, or {@code ""} for all paths); mounts answer only paths no route matches, the longest prefix first.
     */
    public void mount(String prefix, String method, R route) {
        Entry entry = null;
        for (Map.Entry<String, Entry> m : mounts) {
            if (m.getKey().equals(prefix)) {
                entry = m.getValue();
            }
        }
        if (entry == null) {
            entry = new Entry(PathTemplate.parse(prefix.isEmpty() ? "/" : prefix), -1);
            mounts.add(Map.entry(prefix, entry));
            mounts.sort((a, b) -> Integer.compare(b.getKey().length(), a.getKey().length()));
        }
        R previous = entry.byMethod.putIfAbsent(method, route);
        if (previous != null) {
            throw new IllegalArgumentException(method + " " + (prefix.isEmpty() ? "/" : prefix)
                    + " is already mounted by " + previous);
        }
    }

    private Match<R> mounted(String method, String rawPath) {
        for (Map.Entry<String, Entry> m : mounts) {
            String prefix = m.getKey();
            if (rawPath.startsWith(prefix) && (rawPath.length() == prefix.length()
                    || rawPath.charAt(prefix.length()) == '/')) {
                return pick(m.getValue(), method, new String[0]);
            }
        }
        return new Match<>(null, null, null, null);
    }

    /** Adds a route; fails with a sentence when the same method and template are already taken. */
    public void add(String method, PathTemplate template, R route) {
        Entry entry = byText.get(template.shape());
        if (entry == null) {
            entry = new Entry(template, entries.size());
            entries.add(entry);
            byText.put(template.shape(), entry);
            if (template.isStatic()) {
                statics.put(template.text(), entry);
            } else {
                Node node = templated;
                for (int i = 0; i < template.size(); i++) {
                    String literal = template.literal(i);
                    if (literal == null) {
                        node = node.param != null ? node.param : (node.param = new Node());
                    } else {
                        node = node.literals.computeIfAbsent(literal, k -> new Node());
                    }
                }
                node.entry = entry;
                templates++;
            }
        }
        R previous = entry.byMethod.putIfAbsent(method, route);
        if (previous != null) {
            throw new IllegalArgumentException(method + " " + template.text() + " is already handled by " + previous
                    + (entry.template.text().equals(template.text()) ? "" : ", whose template " + entry.template.text()
                    + " matches the same paths"));
        }
    }

    /** Finds the route for {@code method} and the raw (still percent-encoded) {@code path}. */
    public Match<R> lookup(String method, String rawPath) {
        Entry entry = statics.get(rawPath);
        String staticAllow = null;
        if (entry != null && rawPath.indexOf('%') < 0) {
            Match<R> match = pick(entry, method, null);
            if (match.found() || templates == 0) {
                return match;
            }
            // Another method of the same path may be served by a template (POST /{name} beside GET /openapi.json).
            staticAllow = match.allow();
        }
        String[] segments = PathTemplate.split(rawPath);
        for (int i = 0; i < segments.length; i++) {
            if (segments[i].indexOf('%') >= 0 || segments[i].indexOf('+') >= 0) {
                segments[i] = QueryStringDecoder.decodeComponent(segments[i].replace("+", "%2B"));
            }
        }
        if (entry == null && rawPath.indexOf('%') >= 0) {
            entry = statics.get("/" + String.join("/", segments));
            if (entry != null) {
                Match<R> match = pick(entry, method, null);
                if (match.found() || templates == 0) {
                    return match;
                }
                staticAllow = match.allow();
            }
        }
        String allow = staticAllow;
        if (templates > 0) {
            List<Entry> candidates = new ArrayList<>(2);
            collect(templated, segments, 0, candidates);
            if (candidates.size() > 1) {
                candidates.sort((a, b) -> Integer.compare(a.order, b.order));
            }
            for (Entry candidate : candidates) {
                String[] values = new String[candidate.template.names().size()];
                candidate.template.match(segments, values);
                Match<R> match = pick(candidate, method, values);
                if (match.found()) {
                    return match;
                }
                allow = union(allow, match.allow());
            }
        }
        if (allow == null && !mounts.isEmpty()) {
            return mounted(method, rawPath);
        }
        return new Match<>(null, null, null, allow);
    }

    /**
     * Adds to {@code out} every template under {@code node} that matches {@code segments} from {@code at}: the
     * literal child of the segment's text, and the parameter child when the segment is not empty.
     */
    private void collect(Node node, String[] segments, int at, List<Entry> out) {
        if (at == segments.length) {
            if (node.entry != null) {
                out.add(node.entry);
            }
            return;
        }
        Node literal = node.literals.get(segments[at]);
        if (literal != null) {
            collect(literal, segments, at + 1, out);
        }
        if (node.param != null && !segments[at].isEmpty()) {
            collect(node.param, segments, at + 1, out);
        }
    }

    /** Joins two {@code Allow} values, each method once, sorted. */
    private static String union(String a, String b) {
        if (a == null) {
            return b;
        }
        TreeSet<String> methods = new TreeSet<>(Arrays.asList(a.split(", ")));
        methods.addAll(Arrays.asList(b.split(", ")));
        return String.join(", ", methods);
    }

    private Match<R> pick(Entry entry, String method, String[] values) {
        R route = entry.byMethod.get(method);
        if (route == null && method.equals("HEAD")) {
            route = entry.byMethod.get("GET");
        }
        if (route == null) {
            return new Match<>(null, entry.template, null, entry.allow());
        }
        return new Match<>(route, entry.template, values == null ? new String[0] : values, null);
    }
}
