package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;

/** Files of one http listener for the tests of route-level blocks: load one, or list what the loader refused. */
final class HttpListenerYaml {

    private HttpListenerYaml() {
    }

    static ProxyConfig parse(String yaml) throws InvalidConfigException {
        return new ConfigLoader(Map.<String, String>of()::get).parse(yaml, "test.yaml");
    }

    /** Every problem of a file that must be refused, as {@code path: message (line, column)}. */
    static List<String> problems(String yaml) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> parse(yaml));
        assertThat(e).as("expected the file to be refused").isNotNull();
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    /** An http listener whose routes are {@code routes}, after {@code top} (top-level keys). */
    static String http(String top, String routes) {
        return top + """
                listeners:
                  - name: web
                    bind: 127.0.0.1:8080
                    mode: http
                    routes:
                """ + routes;
    }
}
