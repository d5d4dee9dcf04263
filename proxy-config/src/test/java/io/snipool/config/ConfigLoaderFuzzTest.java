package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz target for the configuration loader: whatever the text, loading ends in a configuration or in an
 * {@link InvalidConfigException} whose problems all say something; never another exception, never a hang. A plain
 * {@code mvn test} runs the seed corpus under
 * {@code src/test/resources/io/snipool/config/ConfigLoaderFuzzTestInputs/anyText/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class ConfigLoaderFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void anyText(byte[] input) {
        String yaml = new String(input, StandardCharsets.UTF_8);
        ConfigLoader loader = new ConfigLoader(name -> name.equals("SET") ? "8080" : null);
        try {
            ProxyConfig config = loader.parse(yaml, "fuzz.yaml");
            assertThat(config.listeners()).isNotEmpty();
            for (ListenerConfig listener : config.listeners()) {
                assertThat(listener.routes()).isNotEmpty();
            }
        } catch (InvalidConfigException e) {
            assertThat(e.problems()).isNotEmpty().allSatisfy(problem -> assertThat(problem.message()).isNotBlank());
        }
    }
}
