package io.snipool.core.route;

import io.snipool.config.ConfigLoader;
import io.snipool.config.InvalidConfigException;
import io.snipool.config.RouteConfig;
import java.util.List;
import java.util.stream.Collectors;

/** Reads the {@code routes} of one listener from YAML, so tests state routes as a user would write them. */
final class RouteYaml {

    private RouteYaml() {
    }

    /** {@code routesYaml} is the list under {@code routes:}, starting at column 0. */
    static List<RouteConfig> routes(String routesYaml) {
        String indented = routesYaml.lines().map(line -> "      " + line).collect(Collectors.joining("\n"));
        String yaml = "listeners:\n"
                + "  - name: test\n"
                + "    bind: 127.0.0.1:0\n"
                + "    mode: tls\n"
                + "    routes:\n"
                + indented + "\n";
        try {
            return new ConfigLoader(name -> null).parse(yaml, "test.yaml").listeners().get(0).routes();
        } catch (InvalidConfigException e) {
            throw new AssertionError("test YAML does not load: " + e.getMessage(), e);
        }
    }

    static RouteTable table(String routesYaml) {
        return RouteTable.of(routes(routesYaml));
    }
}
