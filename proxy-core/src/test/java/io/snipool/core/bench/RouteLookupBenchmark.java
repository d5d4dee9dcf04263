package io.snipool.core.bench;

import io.snipool.config.ConfigLoader;
import io.snipool.config.HostPattern;
import io.snipool.config.InvalidConfigException;
import io.snipool.config.RouteConfig;
import io.snipool.core.route.RouteMatch;
import io.snipool.core.route.RouteTable;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Route lookup in one listener's table of 10,000 routes, loaded from YAML as an operator would write them: half
 * exact names, half wildcards, {@code regexRoutes} regexes among them, and a catch-all. Each benchmark looks up a
 * rotating set of 1,024 names of one kind: an exact name, a name below a wildcard, a name only a regex matches
 * (on average half the regexes are tried first), and an unknown name, which tries every regex before falling to
 * the catch-all. Exact and wildcard lookups should not depend on the table's size; regex ones grow with
 * {@code regexRoutes}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RouteLookupBenchmark {

    static final int ROUTES = 10_000;
    private static final int NAMES = 1024; // a power of two: the index wraps with a mask

    @Param({"10", "100"})
    public int regexRoutes;

    private RouteTable table;
    private final String[] exactNames = new String[NAMES];
    private final String[] wildcardNames = new String[NAMES];
    private final String[] regexNames = new String[NAMES];
    private final String[] unknownNames = new String[NAMES];
    private int next;

    @Setup
    public void setUp() throws InvalidConfigException {
        int exact = (ROUTES - regexRoutes) / 2;
        int wildcards = ROUTES - regexRoutes - exact;
        StringBuilder yaml = new StringBuilder("listeners:\n  - name: bench\n    bind: 127.0.0.1:0\n    mode: tls\n"
                + "    routes:\n");
        for (int i = 0; i < exact; i++) {
            route(yaml, "host" + i + ".exact.test", i);
        }
        for (int i = 0; i < wildcards; i++) {
            route(yaml, "'*.tenant" + i + ".wild.test'", i);
        }
        for (int i = 0; i < regexRoutes; i++) {
            route(yaml, "'~^[a-z0-9-]+\\.r" + i + "\\.regex\\.test$'", i);
        }
        route(yaml, "'*'", 0);
        List<RouteConfig> routes = new ConfigLoader(name -> null).parse(yaml.toString(), "bench.yaml")
                .listeners().get(0).routes();
        if (routes.size() != ROUTES + 1) {
            throw new IllegalStateException("expected " + (ROUTES + 1) + " routes, loaded " + routes.size());
        }
        table = RouteTable.of(routes);

        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < NAMES; i++) {
            exactNames[i] = "host" + random.nextInt(exact) + ".exact.test";
            wildcardNames[i] = "app.tenant" + random.nextInt(wildcards) + ".wild.test";
            regexNames[i] = "svc.r" + random.nextInt(regexRoutes) + ".regex.test";
            unknownNames[i] = "nobody" + i + ".unknown.test";
        }
        expect(exactNames[0], HostPattern.Exact.class);
        expect(wildcardNames[0], HostPattern.Wildcard.class);
        expect(regexNames[0], HostPattern.Regex.class);
        expect(unknownNames[0], HostPattern.CatchAll.class);
    }

    private static void route(StringBuilder yaml, String host, int i) {
        yaml.append("      - { hosts: [").append(host).append("], backends: [\"192.0.2.1:")
                .append(1000 + i % 60000).append("\"] }\n");
    }

    /** Guards against benchmarking a lookup that takes another path than its name says. */
    private void expect(String name, Class<? extends HostPattern> kind) {
        RouteMatch match = table.match(name).orElseThrow(() -> new IllegalStateException("no route for " + name));
        if (!kind.isInstance(match.matchedBy())) {
            throw new IllegalStateException(name + " matched " + match.matchedBy() + ", expected a "
                    + kind.getSimpleName());
        }
    }

    private int nextIndex() {
        next = (next + 1) & (NAMES - 1);
        return next;
    }

    @Benchmark
    public Optional<RouteMatch> exact() {
        return table.match(exactNames[nextIndex()]);
    }

    @Benchmark
    public Optional<RouteMatch> wildcard() {
        return table.match(wildcardNames[nextIndex()]);
    }

    @Benchmark
    public Optional<RouteMatch> regex() {
        return table.match(regexNames[nextIndex()]);
    }

    @Benchmark
    public Optional<RouteMatch> unknownToCatchAll() {
        return table.match(unknownNames[nextIndex()]);
    }
}
