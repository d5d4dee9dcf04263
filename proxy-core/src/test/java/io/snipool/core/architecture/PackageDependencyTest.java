package io.snipool.core.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure docs/architecture.md describes, read from the sources: no cycle between proxy-core's
 * packages, and the pool knows nothing of HTTP, TLS or Vert.x.
 */
class PackageDependencyTest {

    private static final Path SOURCES = Path.of("src/main/java/io/snipool/core");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.snipool\\.core\\.(\\w+)\\.",
            Pattern.MULTILINE);
    private static final Pattern ANY_IMPORT = Pattern.compile("^import (?:static )?([\\w.]+)\\.", Pattern.MULTILINE);

    /** Package -> the proxy-core packages its files import. */
    private static final Map<String, Set<String>> GRAPH = new TreeMap<>();
    /** Package -> every imported package, of any library. */
    private static final Map<String, Set<String>> ALL_IMPORTS = new TreeMap<>();

    @BeforeAll
    static void readSources() throws IOException {
        assertThat(SOURCES).as("run from proxy-core's directory").isDirectory();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            files.filter(file -> file.toString().endsWith(".java")).forEach(PackageDependencyTest::read);
        }
        assertThat(GRAPH).containsKeys("http", "proxy", "pool", "failure", "accept", "loop", "tunnel", "tls");
    }

    private static void read(Path file) {
        String pkg = SOURCES.relativize(file.getParent()).toString().replace('/', '.');
        try {
            String text = Files.readString(file);
            Set<String> core = GRAPH.computeIfAbsent(pkg, p -> new TreeSet<>());
            Matcher imported = IMPORT.matcher(text);
            while (imported.find()) {
                if (!imported.group(1).equals(pkg)) {
                    core.add(imported.group(1));
                }
            }
            Matcher any = ANY_IMPORT.matcher(text);
            Set<String> all = ALL_IMPORTS.computeIfAbsent(pkg, p -> new TreeSet<>());
            while (any.find()) {
                all.add(any.group(1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void noCycleBetweenPackages() {
        for (String start : GRAPH.keySet()) {
            assertThat(pathBack(start)).as("a cycle through " + start).isEmpty();
        }
    }

    @Test
    void httpAndProxyMeetOnlyThroughAccept() {
        assertThat(GRAPH.get("http")).doesNotContain("proxy");
        assertThat(GRAPH.get("accept")).isEmpty();
        assertThat(GRAPH.get("loop")).isEmpty();
    }

    @Test
    void thePoolKnowsNothingOfHttpTlsOrVertx() {
        assertThat(GRAPH.get("pool")).doesNotContain("http", "tls", "proxy", "tunnel");
        assertThat(ALL_IMPORTS.get("pool")).noneMatch(name -> name.startsWith("io.vertx"))
                .noneMatch(name -> name.startsWith("io.netty"));
    }

    /** A path of imports from {@code start} back to itself, or empty. */
    private static List<String> pathBack(String start) {
        Deque<List<String>> paths = new ArrayDeque<>();
        paths.add(List.of(start));
        Set<String> seen = new TreeSet<>();
        while (!paths.isEmpty()) {
            List<String> path = paths.poll();
            for (String next : GRAPH.getOrDefault(path.get(path.size() - 1), Set.of())) {
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
}
