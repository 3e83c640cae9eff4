package io.github.dml4j;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
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
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packages' arrows, read from the library's sources (comments removed): nothing depends on
 * the training loop, and no two packages depend on each other in a circle, so that a package can
 * be understood, tested and replaced from the ones below it.
 */
class PackageDependenciesTest {

    private static final Pattern REFERENCE = Pattern.compile("io\\.github\\.dml4j\\.([a-z]+)\\.[A-Z]");

    /** Package name to the library packages its code refers to. */
    private static Map<String, Set<String>> arrows() throws IOException {
        Path root = Path.of(System.getProperty("basedir", ".")).resolve("src/main/java/io/github/dml4j");
        Map<String, Set<String>> arrows = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Path dir = root.relativize(file.getParent());
                String pkg = dir.toString().isEmpty() ? "(root)" : dir.toString().replace(file.getFileSystem().getSeparator(), ".");
                String code = Files.readString(file).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
                Set<String> targets = arrows.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(code);
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        targets.add(m.group(1));
                    }
                }
            }
        }
        return arrows;
    }

    @Test
    void noPackageDependsOnTheTrainingLoop() throws IOException {
        Map<String, Set<String>> arrows = arrows();
        assertTrue(arrows.containsKey("train") && arrows.size() > 5, "read the sources: " + arrows.keySet());
        List<String> into = new ArrayList<>();
        arrows.forEach((from, to) -> {
            if (to.contains("train")) {
                into.add(from);
            }
        });
        assertEquals(List.of(), into, "packages that depend on train");
    }

    @Test
    void thePackagesFormNoCycle() throws IOException {
        Map<String, Set<String>> arrows = arrows();
        Map<String, Integer> state = new HashMap<>();
        for (String start : arrows.keySet()) {
            List<String> cycle = cycleFrom(start, arrows, state, new ArrayDeque<>());
            assertFalse(cycle != null, "a cycle of package dependencies: " + cycle);
        }
    }

    /** Depth-first search; returns a cycle through the path, or null. */
    private static List<String> cycleFrom(String node, Map<String, Set<String>> arrows, Map<String, Integer> state,
                                          Deque<String> path) {
        Integer s = state.get(node);
        if (s != null && s == 2) {
            return null;
        }
        if (s != null && s == 1) {
            List<String> cycle = new ArrayList<>();
            for (String p : path) {
                cycle.add(0, p);
            }
            cycle = cycle.subList(cycle.indexOf(node), cycle.size());
            cycle.add(node);
            return cycle;
        }
        state.put(node, 1);
        path.push(node);
        for (String next : arrows.getOrDefault(node, Set.of())) {
            List<String> cycle = cycleFrom(next, arrows, state, path);
            if (cycle != null) {
                return cycle;
            }
        }
        path.pop();
        state.put(node, 2);
        return null;
    }
}
