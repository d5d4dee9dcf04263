package io.snipool.config;

import static io.snipool.config.HttpListenerYaml.http;
import static io.snipool.config.HttpListenerYaml.parse;
import static io.snipool.config.HttpListenerYaml.problems;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.HealthCheckConfig.StatusRange;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code health_check} and {@code outlier_detection}: defaults, the top level under a route, and every mistake. */
class HealthConfigTest {

    private static BackendHealthConfig route(ProxyConfig config, int index) {
        return config.listeners().get(0).routes().get(index).health();
    }

    @Test
    void withoutBlocksNothingIsProbedAndOutlierDetectionIsOnWithItsDefaults() throws Exception {
        ProxyConfig config = parse(http("", "      - { hosts: [a.test], backends: [\"b:80\"] }\n"));

        assertThat(route(config, 0)).isEqualTo(BackendHealthConfig.defaults());
        assertThat(route(config, 0).check()).isEmpty();
        OutlierDetectionConfig outlier = route(config, 0).outlierDetection();
        assertThat(outlier.enabled()).isTrue();
        assertThat(outlier.consecutiveFailures()).isEqualTo(5);
        assertThat(outlier.baseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(outlier.maxEjectionTime()).isEqualTo(Duration.ofMinutes(5));
        assertThat(outlier.maxEjectionPercent()).isEqualTo(50);
        HealthCheckConfig check = HealthCheckConfig.defaults();
        assertThat(check).isEqualTo(new HealthCheckConfig(HealthCheckConfig.Type.TCP, "/",
                List.of(new StatusRange(200, 399)), Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3));
    }

    @Test
    void aRouteBlockOverridesTheTopLevelKeyByKey() throws Exception {
        ProxyConfig config = parse(http("""
                health_check: { type: http, path: /healthz, interval: 5s, rise: 3 }
                outlier_detection: { consecutive_failures: 7, max_ejection_percent: 30 }
                """, """
                      - hosts: [a.test]
                        backends: ["b:80"]
                      - hosts: [c.test]
                        backends: ["d:80"]
                        health_check: { expect_status: [200, 204-299], timeout: 250ms, fall: 1 }
                        outlier_detection: { base_ejection_time: 1s, max_ejection_time: 1m }
                      - hosts: [e.test]
                        backends: ["f:80"]
                        health_check: { enabled: false }
                        outlier_detection: { enabled: false }
                """));

        assertThat(route(config, 0).check()).contains(new HealthCheckConfig(HealthCheckConfig.Type.HTTP, "/healthz",
                List.of(new StatusRange(200, 399)), Duration.ofSeconds(5), Duration.ofSeconds(1), 3, 3));
        assertThat(route(config, 0).outlierDetection()).isEqualTo(new OutlierDetectionConfig(true, 7,
                Duration.ofSeconds(30), Duration.ofMinutes(5), 30));
        assertThat(route(config, 1).check()).contains(new HealthCheckConfig(HealthCheckConfig.Type.HTTP, "/healthz",
                List.of(new StatusRange(200, 200), new StatusRange(204, 299)), Duration.ofSeconds(5),
                Duration.ofMillis(250), 3, 1));
        assertThat(route(config, 1).outlierDetection()).isEqualTo(new OutlierDetectionConfig(true, 7,
                Duration.ofSeconds(1), Duration.ofMinutes(1), 30));
        assertThat(route(config, 2).check()).isEmpty();
        assertThat(route(config, 2).outlierDetection().enabled()).isFalse();
    }

    @Test
    void aRouteBlockAloneEnablesChecksOnThatRouteOnly() throws Exception {
        ProxyConfig config = parse(http("health_check: { enabled: false, interval: 10s }\n", """
                      - { hosts: [a.test], backends: ["b:80"] }
                      - { hosts: [c.test], backends: ["d:80"], health_check: { type: http } }
                """));

        assertThat(route(config, 0).check()).isEmpty();
        assertThat(route(config, 1).check()).map(HealthCheckConfig::interval).contains(Duration.ofSeconds(10));
    }

    @Test
    void aPassthroughRouteMayHaveATlsCheck() throws Exception {
        ProxyConfig config = parse("""
                listeners:
                  - name: edge
                    bind: 127.0.0.1:8443
                    mode: tls
                    routes:
                      - { hosts: [a.test], backends: ["b:443"], health_check: { type: tls, interval: 100ms, timeout: 100ms } }
                """);

        assertThat(route(config, 0).check()).map(HealthCheckConfig::type).contains(HealthCheckConfig.Type.TLS);
    }

    @Test
    void statusRangesAreJudgedInclusively() {
        HealthCheckConfig check = new HealthCheckConfig(HealthCheckConfig.Type.HTTP, "/", List.of(
                StatusRange.parse("200-299"), StatusRange.parse("418")), Duration.ofSeconds(1), Duration.ofSeconds(1),
                1, 1);

        assertThat(check.expects(200)).isTrue();
        assertThat(check.expects(299)).isTrue();
        assertThat(check.expects(300)).isFalse();
        assertThat(check.expects(418)).isTrue();
        assertThat(check.expects(199)).isFalse();
    }

    @Test
    void maxEjectedRoundsDown() {
        OutlierDetectionConfig half = new OutlierDetectionConfig(true, 5, Duration.ofSeconds(1),
                Duration.ofSeconds(1), 50);

        assertThat(half.maxEjected(1)).isZero();
        assertThat(half.maxEjected(3)).isEqualTo(1);
        assertThat(half.maxEjected(4)).isEqualTo(2);
    }

    @Test
    void everyMistakeIsReportedAtItsKey() {
        List<String> found = problems(http("""
                health_check:
                  type: htp
                  interval: 5ms
                  rise: 0
                outlier_detection: { consecutive_failures: 0, max_ejection_percent: 101, colour: red }
                """, """
                      - hosts: [a.test]
                        backends: ["b:80"]
                        health_check:
                          type: http
                          path: healthz
                          expect_status: [300-200, 600, ok, 2000]
                          timeout: 3s
                """));

        assertThat(found).containsExactly(
                "health_check.type: expected one of tcp, tls, http; got 'htp' (did you mean 'http'?) (line 2,"
                        + " column 9)",
                "health_check.interval: must be between 10ms and 1h, got 5ms (line 3, column 13)",
                "health_check.rise: must be between 1 and 100, got 0 (line 4, column 9)",
                "outlier_detection.consecutive_failures: must be between 1 and 1000, got 0 (line 5, column 44)",
                "outlier_detection.max_ejection_percent: must be between 0 and 100, got 101 (line 5, column 69)",
                "outlier_detection.colour: unknown key 'colour' (line 5, column 74)",
                "listeners[0].routes[0].health_check.path: 'healthz' must start with '/' (a path such as /healthz)"
                        + " (line 15, column 17)",
                "listeners[0].routes[0].health_check.expect_status[0]: '300-200': the first status must not be above"
                        + " the last (line 16, column 27)",
                "listeners[0].routes[0].health_check.expect_status[1]: '600': a status is between 100 and 599 (RFC"
                        + " 9110 §15), got 600 (line 16, column 36)",
                "listeners[0].routes[0].health_check.expect_status[2]: 'ok' is not a status or a range such as"
                        + " 200-399 (line 16, column 41)",
                "listeners[0].routes[0].health_check.expect_status[3]: '2000' is not a status or a range such as"
                        + " 200-399 (line 16, column 45)",
                "listeners[0].routes[0].health_check.timeout: timeout (3s) must not be longer than interval (2s)"
                        + " (line 17, column 20)");
    }

    @Test
    void pathAndExpectStatusBelongToHttpChecks() {
        assertThat(problems(http("", """
                      - hosts: [a.test]
                        backends: ["b:80"]
                        health_check: { type: tcp, path: /x, expect_status: [200] }
                """))).containsExactly(
                "listeners[0].routes[0].health_check.path: path applies only to type: http; this check is type: tcp"
                        + " (line 8, column 36)",
                "listeners[0].routes[0].health_check.expect_status: expect_status applies only to type: http; this"
                        + " check is type: tcp (line 8, column 46)");
    }

    @Test
    void aTlsCheckNeedsBackendsThatSpeakTls() {
        assertThat(problems(http("", """
                      - { hosts: [a.test], backends: ["b:80"], health_check: { type: tls } }
                """))).containsExactly("listeners[0].routes[0].health_check.type: type: tls needs backends that speak"
                + " TLS, and this route's speak plain HTTP (no backend_tls); use tcp or http, or enabled: false (line"
                + " 6, column 70)");
        assertThat(problems(http("health_check: { type: tls }\n", """
                      - { hosts: [a.test], backends: ["b:80"] }
                """))).containsExactly("listeners[0].routes[0].health_check: type: tls (from the top-level block)"
                + " needs backends that speak TLS, and this route's speak plain HTTP (no backend_tls); use tcp or"
                + " http, or enabled: false (line 7, column 9)");
    }

    @Test
    void ejectionTimesMustBeInOrderWhereverEitherIsSet() {
        assertThat(problems(http("outlier_detection: { base_ejection_time: 5s, max_ejection_time: 10s }\n", """
                      - hosts: [a.test]
                        backends: ["b:80"]
                        outlier_detection: { base_ejection_time: 1m }
                """))).containsExactly("listeners[0].routes[0].outlier_detection.base_ejection_time:"
                + " base_ejection_time (1m) must not be longer than max_ejection_time (10s) (line 9, column 50)");
        assertThat(problems(http("outlier_detection: { base_ejection_time: 10m, max_ejection_time: 1m }\n",
                "      - { hosts: [a.test], backends: [\"b:80\"], outlier_detection: { enabled: true } }\n")))
                .containsExactly("outlier_detection.base_ejection_time: base_ejection_time (10m) must not be longer"
                        + " than max_ejection_time (1m) (line 1, column 42)");
    }

    @Test
    void anEmptyExpectStatusIsRefused() {
        assertThat(problems(http("health_check: { type: http, expect_status: [] }\n",
                "      - { hosts: [a.test], backends: [\"b:80\"] }\n"))).containsExactly(
                "health_check.expect_status: expect_status must list at least one entry (line 1, column 44)");
    }

    @Test
    void theRouteRecordCarriesItsHealth() throws Exception {
        ProxyConfig config = parse(http("", "      - { hosts: [a.test], backends: [\"b:80\"],"
                + " health_check: { type: http } }\n"));

        assertThat(route(config, 0).check()).map(HealthCheckConfig::type).isEqualTo(
                Optional.of(HealthCheckConfig.Type.HTTP));
    }
}
