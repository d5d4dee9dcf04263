package io.snipool.app.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.ConfigLoader;
import io.snipool.config.ConfigProblem;
import io.snipool.config.InvalidConfigException;
import io.snipool.config.ProxyConfig;
import java.util.Map;

/**
 * What every migration test asks of its output: snipool loads it without a problem, and warns only about the keys
 * the test expects (an admin server bound beyond loopback is valid, and warned about).
 */
final class MigratedYamlCheck {

    private MigratedYamlCheck() {
    }

    static ProxyConfig loads(String yaml, String... warnedKeys) {
        ProxyConfig config;
        try {
            config = new ConfigLoader(Map.<String, String>of()::get).parse(yaml, "migrated.yaml");
        } catch (InvalidConfigException e) {
            throw new AssertionError("the migrated YAML does not load: " + e.problems() + "\n" + yaml, e);
        }
        assertThat(config.warnings()).as("warnings of\n%s", yaml).extracting(ConfigProblem::path)
                .containsExactlyInAnyOrder(warnedKeys);
        return config;
    }
}
