package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;

/**
 * A configuration file of one http listener (lines 1 and 2) followed by the top-level settings a test writes (from
 * line 3): parsed, or refused with its problems.
 */
final class OneListenerFile {

    private static final String LISTENER = """
            listeners:
              - { name: web, bind: "127.0.0.1:8080", mode: http, routes: [ { hosts: ["*"], backends: ["b:80"] } ] }
            """;

    private OneListenerFile() {
    }

    static ProxyConfig parse(String settings) throws InvalidConfigException {
        return new ConfigLoader(Map.<String, String>of()::get).parse(LISTENER + settings, "test.yaml");
    }

    /** The problems of a file that must be refused, as they are printed. */
    static List<String> problems(String settings) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> parse(settings));
        assertThat(e).as("expected the file to be refused").isNotNull();
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }
}
