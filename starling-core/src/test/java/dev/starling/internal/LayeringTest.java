package dev.starling.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.Starling;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of starling-core's packages, read by jdeps from the compiled classes: internal packages depend
 * on each other one way, and public types reach internal ones only where they must reach their implementation.
 * {@code scripts/package-cycles} runs the same checks from the shell.
 */
class LayeringTest {

    /** The public entry points that create or reach their implementation; no other public type may. */
    private static final Set<String> FACADES = Set.of("dev.starling.Starling", "dev.starling.Router",
            "dev.starling.testing.TestClient", "dev.starling.Config$Builder", "dev.starling.concurrent.Concurrency",
            "dev.starling.concurrent.Cancellation", "dev.starling.concurrent.ContextKey",
            "dev.starling.concurrent.CapacityLimiter", "dev.starling.HttpException", "dev.starling.Response");
    private static final Pattern EDGE = Pattern.compile("^\\s+(dev\\.starling\\S*)\\s+->\\s+(dev\\.starling\\S*)\\s");

    private static final Map<String, Set<String>> classEdges = new TreeMap<>();

    @BeforeAll
    static void readDependencies() throws Exception {
        Path classes = Path.of(Starling.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int status = jdeps.run(new PrintWriter(out), new PrintWriter(out), "-verbose:class", "-filter:none",
                "--ignore-missing-deps", classes.toString());
        assertThat(status).as("jdeps: " + out).isZero();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find() && !m.group(1).equals(m.group(2))) {
                classEdges.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
            }
        }
        assertThat(classEdges).as("jdeps found the classes").isNotEmpty();
    }

    @Test
    void internalPackagesDependOnEachOtherOneWay() {
        Map<String, Set<String>> packages = new HashMap<>();
        classEdges.forEach((from, tos) -> tos.forEach(to -> {
            String a = packageOf(from);
            String b = packageOf(to);
            if (!a.equals(b) && a.startsWith("dev.starling.internal") && b.startsWith("dev.starling.internal")) {
                packages.computeIfAbsent(a, k -> new TreeSet<>()).add(b);
            }
        }));
        assertThat(packages).as("internal package edges").isNotEmpty();
        List<String> cycles = new ArrayList<>();
        for (String start : new TreeSet<>(packages.keySet())) {
            List<String> path = cycleFrom(start, packages);
            if (!path.isEmpty()) {
                cycles.add(String.join(" -> ", path));
            }
        }
        assertThat(cycles).as("cycles among internal packages").isEmpty();
    }

    @Test
    void publicTypesReachInternalOnesOnlyThroughTheFacades() {
        List<String> leaks = new ArrayList<>();
        classEdges.forEach((from, tos) -> {
            if (!from.startsWith("dev.starling.internal") && !FACADES.contains(from)) {
                tos.stream().filter(to -> to.startsWith("dev.starling.internal"))
                        .forEach(to -> leaks.add(from + " -> " + to));
            }
        });
        assertThat(leaks).as("public types that reach internal ones").isEmpty();
    }

    /** Returns a path from {@code start} back to itself, or empty when there is none. */
    private static List<String> cycleFrom(String start, Map<String, Set<String>> edges) {
        Deque<List<String>> paths = new ArrayDeque<>();
        paths.add(List.of(start));
        Set<String> seen = new TreeSet<>();
        while (!paths.isEmpty()) {
            List<String> path = paths.poll();
            for (String next : edges.getOrDefault(path.get(path.size() - 1), Set.of())) {
                List<String> longer = new ArrayList<>(path);
                longer.add(next);
                if (next.equals(start)) {
                    return longer;
                }
                if (seen.add(next)) {
                    paths.add(longer);
                }
            }
        }
        return List.of();
    }

    private static String packageOf(String type) {
        return type.substring(0, type.lastIndexOf('.'));
    }
}
