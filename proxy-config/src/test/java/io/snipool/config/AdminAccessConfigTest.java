package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** metrics.allow and metrics.token: who may reach the admin server, and who may change anything through it. */
class AdminAccessConfigTest {

    private static final String LISTENER = """
            listeners:
              - name: web
                bind: "127.0.0.1:0"
                mode: http
                routes: [ { hosts: [a.test], backends: ["b:1"] } ]
            """;

    private static ProxyConfig parse(String metrics) throws InvalidConfigException {
        return new ConfigLoader(Map.of("ADMIN_TOKEN", "s3cr3t-t0ken-0f-32-characters-xx")::get)
                .parse(LISTENER + "metrics: " + metrics + "\n", "test.yaml");
    }

    private static List<String> problems(String metrics) {
        return catchThrowableOfType(InvalidConfigException.class, () -> parse(metrics)).problems().stream()
                .map(ConfigProblem::message).toList();
    }

    @Test
    void aTokenFromTheEnvironmentAndAllowedNetworks() throws Exception {
        MetricsConfig metrics = parse("{ bind: \"0.0.0.0:9090\", allow: [10.0.0.0/8, \"fd00::/8\"],"
                + " token: \"${env:ADMIN_TOKEN}\" }").metrics();

        assertThat(metrics.token()).contains("s3cr3t-t0ken-0f-32-characters-xx");
        assertThat(metrics.allow()).containsExactly(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8"));
        assertThat(metrics.loopbackOnly()).isFalse();
    }

    @Test
    void aTokenHasSixteenVisibleCharactersAtLeast() throws Exception {
        assertThat(parse("{ token: \"0123456789abcdef\" }").metrics().token()).contains("0123456789abcdef");
        assertThat(problems("{ token: \"0123456789abcde\" }")).containsExactly(
                "a token needs at least 16 characters, got 15 (e.g. openssl rand -hex 32)");
        assertThat(problems("{ token: \"0123456789 abcdef\" }")).containsExactly(
                "a token is visible ASCII characters only (no spaces)");
        assertThat(problems("{ allow: [10.0.0.0/33] }")).singleElement().asString().contains("out of range 0..32");
    }

    @Test
    void bindingBeyondLoopbackWithoutATokenOrAnAllowListIsWarnedAbout() throws Exception {
        assertThat(parse("{ bind: \"127.0.0.1:9090\" }").warnings()).isEmpty();
        assertThat(parse("{ bind: \"[::1]:9090\" }").metrics().loopbackOnly()).isTrue();
        assertThat(parse("{ bind: \"localhost:9090\" }").metrics().loopbackOnly()).isTrue();

        assertThat(parse("{ bind: \"0.0.0.0:9090\" }").warnings()).extracting(ConfigProblem::message)
                .satisfiesExactly(
                        token -> assertThat(token).contains("metrics.token is not set: POST /api/reload is refused"),
                        allow -> assertThat(allow).contains("metrics.allow is empty"));
        assertThat(parse("{ bind: \"0.0.0.0:9090\", allow: [10.0.0.0/8], token: \"${env:ADMIN_TOKEN}\" }")
                .warnings()).isEmpty();
    }
}
