package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every class of user mistake: reported with its key path, line and column, and all of them at once. */
class ConfigErrorsTest {

    private static List<ConfigProblem> problems(String yaml) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> new ConfigLoader(Map.<String, String>of()::get).parse(yaml, "bad.yaml"));
        assertThat(e).as("expected the file to be refused").isNotNull();
        return e.problems();
    }

    private static ConfigProblem only(String yaml) {
        List<ConfigProblem> found = problems(yaml);
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    private static String listener(String routes) {
        return """
                listeners:
                  - name: web
                    bind: 127.0.0.1:8080
                    mode: http
                    routes:
                """ + routes;
    }

    @Test
    void reportsEveryProblemAtOnceInFileOrder() {
        List<ConfigProblem> found = problems("""
                listeners:
                  - name: edge
                    bind: 127.0.0.1:8443
                    mode: tls
                    routes:
                      - hosts: ["a.test"]
                        backends: ["127.0.0.1:70000"]
                pool:
                  idle_timeot: 10s
                  max_idle_per_host: -1
                limits: { max_headers: lots }
                """);

        assertThat(found).extracting(ConfigProblem::toString).containsExactly(
                "listeners[0].routes[0].backends[0]: port 70000 out of range 1..65535 (line 7, column 20)",
                "pool.idle_timeot: unknown key 'idle_timeot' (did you mean 'idle_timeout'?) (line 9, column 3)",
                "pool.max_idle_per_host: must be between 0 and 100000, got -1 (line 10, column 22)",
                "limits.max_headers: expected a whole number, got 'lots' (line 11, column 24)");
    }

    @Test
    void unknownKeyWithoutCloseMatchHasNoSuggestion() {
        ConfigProblem problem = only(listener("      - { hosts: [a.test], backends: [b:1] }\n") + "colour: blue\n");
        assertThat(problem.path()).isEqualTo("colour");
        assertThat(problem.message()).isEqualTo("unknown key 'colour'");
        assertThat(problem.line()).isEqualTo(7);
    }

    @Test
    void wrongTypes() {
        assertThat(only(listener("      - { hosts: a.test, backends: [b:1] }\n")).message())
                .startsWith("expected a list");
        assertThat(only(listener("      - { hosts: [a.test], backends: [b:1] }\n") + "pool: [1, 2]\n").message())
                .isEqualTo("expected a mapping (key: value), got a list");
        assertThat(only(listener("      - { hosts: [a.test], backends: [b:1] }\n") + "pool: { enabled: yes }\n")
                .message()).isEqualTo("expected true or false, got 'yes'");
        assertThat(only(listener("      - { hosts: [[a.test]], backends: [b:1] }\n")).message())
                .isEqualTo("expected a single value, got a list");
    }

    @Test
    void outOfRangeNumbersSizesAndDurations() {
        String base = listener("      - { hosts: [a.test], backends: [b:1] }\n");
        assertThat(only(base + "limits: { max_client_hello_bytes: 17MiB }\n").message())
                .isEqualTo("must be between 1KiB and 16MiB, got 17MiB");
        assertThat(only(base + "limits: { max_request_head_bytes: 64KB }\n").message())
                .isEqualTo("'64KB': write binary units explicitly (KiB, MiB, GiB)");
        assertThat(only(base + "timeouts: { connect: 0 }\n").message())
                .isEqualTo("must be between 1ms and 10m, got 0");
        assertThat(only(base + "timeouts: { idle: 30 }\n").message())
                .isEqualTo("'30' is not a duration (expected e.g. 250ms, 30s, 5m, 1h)");
        assertThat(only(base + "timeouts: { idle: 30sec }\n").message())
                .isEqualTo("'30sec' has an unknown unit (expected ms, s, m or h, e.g. 30s)");
        assertThat(only(base + "timeouts: { defer_accept: 1500ms }\n").message())
                .isEqualTo("must be whole seconds, got '1500ms'");
        assertThat(only(base + "timeouts: { defer_accept: 61s }\n").message())
                .isEqualTo("must be between 0s and 1m, got 61s");
        assertThat(only(base + "timeouts: { lingering_time: 6m }\n").message())
                .isEqualTo("must be between 0s and 5m, got 6m");
        assertThat(only(base + "timeouts: { lingering_timeout: -1s }\n").message())
                .isEqualTo("'-1s' is not a duration (expected e.g. 250ms, 30s, 5m, 1h)");
        assertThat(only(base + "timeouts: { lingering_timeout: 301s }\n").message())
                .isEqualTo("must be between 0s and 5m, got 301s");
        assertThat(only(base + "pool: { prewarm_rate: 0 }\n").message())
                .isEqualTo("must be between 1 and 10000, got 0");
        assertThat(only(base + "shutdown: { grace_period: 11m }\n").message())
                .isEqualTo("must be between 0s and 10m, got 11m");
    }

    @Test
    void poolCrossFieldRules() {
        String base = listener("      - { hosts: [a.test], backends: [b:1] }\n");
        assertThat(only(base + "pool: { max_lifetime: 1m, lifetime_jitter: 1m }\n").message())
                .isEqualTo("lifetime_jitter (1m) must be shorter than max_lifetime (1m)");
        assertThat(only(base + "pool: { min_idle_per_host: 5, max_idle_per_host: 4 }\n").message())
                .isEqualTo("min_idle_per_host (5) must not exceed max_idle_per_host (4)");
        assertThat(only(base + "pool: { min_idle_per_host: 5, max_connections_per_host: 2 }\n").message())
                .isEqualTo("min_idle_per_host (5) must not exceed max_connections_per_host (2)");
        ConfigProblem perRouteTotal = only(listener(
                "      - { hosts: [a.test], backends: [b:1], pool: { max_idle_total: 5 } }\n"));
        assertThat(perRouteTotal.path()).isEqualTo("listeners[0].routes[0].pool.max_idle_total");
        assertThat(perRouteTotal.message()).contains("global cap");
    }

    @Test
    void badAddresses() {
        assertThat(only(listener("      - { hosts: [a.test], backends: [\"b\"] }\n")).message())
                .isEqualTo("'b' has no port (expected host:port)");
        assertThat(only(listener("      - { hosts: [a.test], backends: [\"::1:80\"] }\n")).message())
                .isEqualTo("IPv6 address '::1' must be written in brackets: [::1]:80");
        assertThat(only(listener("      - { hosts: [a.test], backends: [\"b:0\"] }\n")).message())
                .isEqualTo("port 0 out of range 1..65535");
        assertThat(only(listener("      - { hosts: [a.test], backends: [\"bad_host!:80\"] }\n")).message())
                .isEqualTo("'bad_host!' is neither an IP address nor a valid host name");
        ConfigProblem bind = only("""
                listeners:
                  - { name: web, bind: "127.0.0.1", mode: http, routes: [ { hosts: [a.test], backends: [b:1] } ] }
                """);
        assertThat(bind.path()).isEqualTo("listeners[0].bind");
        assertThat(bind.message()).isEqualTo("'127.0.0.1' has no port (expected host:port)");
        assertThat(only(listener("      - { hosts: [a.test], backends: [b:1] }\n")
                .replace("mode: http", "mode: http\n    deny: [\"10.0.0.0/33\"]")).message())
                .isEqualTo("'10.0.0.0/33': prefix /33 out of range 0..32");
    }

    @Test
    void duplicateListenerNamesAndBinds() {
        List<ConfigProblem> found = problems("""
                listeners:
                  - { name: a, bind: "127.0.0.1:8080", mode: http, routes: [ { hosts: [x.test], backends: [b:1] } ] }
                  - { name: a, bind: "127.0.0.1:8081", mode: http, routes: [ { hosts: [x.test], backends: [b:1] } ] }
                  - { name: c, bind: "127.0.0.1:8080", mode: tls, routes: [ { hosts: [x.test], backends: [b:1] } ] }
                  - { name: d, bind: "127.0.0.1:9090", mode: tls, routes: [ { hosts: [x.test], backends: [b:1] } ] }
                """);

        assertThat(found).extracting(ConfigProblem::toString).containsExactly(
                "listeners[1].name: duplicate listener name 'a' (line 3, column 13)",
                "listeners[2].bind: listener 'c' binds 127.0.0.1:8080, as listener 'a' does already (line 4, column 22)",
                "listeners[3].bind: listener 'd' binds 127.0.0.1:9090, the admin server's address (metrics.bind)"
                        + " (line 5, column 22)");
    }

    @Test
    void aDuplicateNameIsReportedEvenWhenTheListenerHasOtherErrors() {
        List<ConfigProblem> found = problems("""
                listeners:
                  - name: a
                    bind: 127.0.0.1:8080
                    mode: http
                    routes:
                      - { hosts: [x.test], backends: [b:1] }
                  - name: a
                    bind: 127.0.0.1:8081
                    mode: htp
                """);

        assertThat(found).extracting(ConfigProblem::toString).containsExactly(
                "listeners[1].routes: at least one route is required (line 7, column 5)",
                "listeners[1].name: duplicate listener name 'a' (line 7, column 11)",
                "listeners[1].mode: expected one of tls, http; got 'htp' (did you mean 'http'?) (line 9, column 11)");
    }

    @Test
    void sharedBindsAreReportedEvenWhenEitherListenerHasOtherErrors() {
        List<ConfigProblem> found = problems("""
                listeners:
                  - { name: a, bind: "127.0.0.1:8080", mode: htp, routes: [ { hosts: [x.test], backends: [b:1] } ] }
                  - { name: b, bind: "127.0.0.1:8080", mode: http }
                  - { bind: "127.0.0.1:8080", mode: http, routes: [ { hosts: [x.test], backends: [b:1] } ] }
                  - { name: "-d", bind: "127.0.0.1:9090", mode: tls, routes: [ { hosts: [x.test], backends: [b:1] } ] }
                """);

        assertThat(found).extracting(ConfigProblem::toString).containsExactly(
                "listeners[0].mode: expected one of tls, http; got 'htp' (did you mean 'http'?) (line 2, column 46)",
                "listeners[1].routes: at least one route is required (line 3, column 5)",
                "listeners[1].bind: listener 'b' binds 127.0.0.1:8080, as listener 'a' does already (line 3, column 22)",
                "listeners[2].name: required key 'name' is missing (line 4, column 5)",
                "listeners[2].bind: listeners[2] binds 127.0.0.1:8080, as listener 'a' does already (line 4, column 13)",
                "listeners[3].name: '-d' is not a listener name (1-63 letters, digits, '_', '.', '-', starting with a"
                        + " letter or digit) (line 5, column 13)",
                "listeners[3].bind: listeners[3] binds 127.0.0.1:9090, the admin server's address (metrics.bind)"
                        + " (line 5, column 25)");
    }

    @Test
    void hostsServedTwiceAreReportedEvenWhenTheRoutesOrTheListenerHaveOtherErrors() {
        List<ConfigProblem> found = problems("""
                listeners:
                  - name: web
                    bind: 127.0.0.1:8080
                    mode: htp
                    routes:
                      - { hosts: [a.test, "*"], backends: ["b:70000"] }
                      - { hosts: ["-bad", a.test], backends: [], pool: { idle_timeout: soon } }
                      - { hosts: ["*"], backends: [b:1], proxy_protocol: v3 }
                """);

        assertThat(found).extracting(ConfigProblem::toString).containsExactly(
                "listeners[0].mode: expected one of tls, http; got 'htp' (did you mean 'http'?) (line 4, column 11)",
                "listeners[0].routes[0].backends[0]: port 70000 out of range 1..65535 (line 6, column 44)",
                "listeners[0].routes[1].hosts: 'a.test' is already served by listeners[0].routes[0] (line 7, column 18)",
                "listeners[0].routes[1].hosts[0]: '-bad' is not a valid host name (line 7, column 19)",
                "listeners[0].routes[1].backends: backends must list at least one entry (line 7, column 46)",
                "listeners[0].routes[1].pool.idle_timeout: 'soon' is not a duration (expected e.g. 250ms, 30s, 5m, 1h)"
                        + " (line 7, column 72)",
                "listeners[0].routes[2].hosts: a second catch-all '*'; a listener has at most one (line 8, column 18)",
                "listeners[0].routes[2].proxy_protocol: expected one of none, v1, v2; got 'v3' (did you mean 'v1'?)"
                        + " (line 8, column 58)");
    }

    @Test
    void portZeroMayRepeatBecauseEachBindGetsItsOwnEphemeralPort() throws Exception {
        ProxyConfig config = new ConfigLoader(name -> null).parse("""
                listeners:
                  - { name: a, bind: "127.0.0.1:0", mode: http, routes: [ { hosts: [x.test], backends: [b:1] } ] }
                  - { name: b, bind: "127.0.0.1:0", mode: http, routes: [ { hosts: [x.test], backends: [b:1] } ] }
                metrics: { bind: "127.0.0.1:0" }
                """, "ok.yaml");
        assertThat(config.listeners()).hasSize(2);
    }

    @Test
    void missingRequiredKeys() {
        List<ConfigProblem> found = problems("""
                listeners:
                  - name: web
                """);
        assertThat(found).extracting(ConfigProblem::message).containsExactly(
                "required key 'bind' is missing",
                "required key 'mode' is missing (tls or http)",
                "at least one route is required");
        assertThat(only("pool: {}\n").message()).isEqualTo("at least one listener is required");
        assertThat(only("listeners: []\n").message()).isEqualTo("at least one listener is required");
        assertThat(only(listener("      - { hosts: [], backends: [b:1] }\n")).message())
                .isEqualTo("hosts must list at least one entry");
    }

    @Test
    void badEnumValuesSuggestTheClosest() {
        ConfigProblem problem = only(listener("      - { hosts: [a.test], backends: [b:1] }\n")
                .replace("mode: http", "mode: htp"));
        assertThat(problem.message()).isEqualTo("expected one of tls, http; got 'htp' (did you mean 'http'?)");
        assertThat(problem.path()).isEqualTo("listeners[0].mode");
        ConfigProblem transport = only(listener("      - { hosts: [a.test], backends: [b:1] }\n") + "transport: iouring\n");
        assertThat(transport.message())
                .isEqualTo("expected one of auto, epoll, io_uring, nio; got 'iouring' (did you mean 'io_uring'?)");
        assertThat(transport.path()).isEqualTo("transport");
        ConfigProblem accept = only(listener("      - { hosts: [a.test], backends: [b:1] }\n") + "accept: per-loop\n");
        assertThat(accept.message())
                .isEqualTo("expected one of per_loop, shared; got 'per-loop' (did you mean 'per_loop'?)");
        assertThat(accept.path()).isEqualTo("accept");
    }

    @Test
    void regexesThatDoNotCompile() {
        ConfigProblem problem = only(listener("      - { hosts: [\"~^(?<t>[a-z+\\\\.test$\"], backends: [b:1] }\n"));
        assertThat(problem.path()).isEqualTo("listeners[0].routes[0].hosts[0]");
        assertThat(problem.message()).startsWith("regex does not compile: Unclosed character class");
    }

    @Test
    void templatesNamingAGroupTheRegexLacks() {
        ConfigProblem problem = only(listener(
                "      - { hosts: [\"~^(?<tenant>[a-z]+)\\\\.test$\"], backends: [\"${tenat}.internal:443\"] }\n"));
        assertThat(problem.path()).isEqualTo("listeners[0].routes[0].backends[0]");
        assertThat(problem.message()).isEqualTo("${tenat} is not a named group of host '~^(?<tenant>[a-z]+)\\.test$';"
                + " every host of the route must define it (available here: ${host}, ${tenant})");

        ConfigProblem mixed = only(listener(
                "      - { hosts: [\"~^(?<tenant>[a-z]+)\\\\.test$\", plain.test], backends: [\"${tenant}.in:443\"] }\n"));
        assertThat(mixed.message()).startsWith("${tenant} is not a named group of host 'plain.test'");
    }

    @Test
    void templatesOutsideBackendsHaveNoName() {
        assertThat(only(listener("      - { hosts: [\"${host}\"], backends: [b:1] }\n")).message())
                .isEqualTo("'${host}': templates such as ${host} are only allowed in backends");
        assertThat(only(listener("      - { hosts: [a.test], backends: [b:1] }\n")
                .replace("127.0.0.1:8080", "\"${host}:8080\"")).message())
                .isEqualTo("templates such as ${host} are only allowed in backends");
        assertThat(only(listener("      - { hosts: [a.test], backends: [\"${host:443\"] }\n")).message())
                .isEqualTo("'${host:443': '${' without a closing '}'");
    }

    @Test
    void hostPatternsAreChecked() {
        assertThat(only(listener("      - { hosts: [\"www.*\"], backends: [b:1] }\n")).message())
                .startsWith("'www.*': '*' is only allowed as a whole leading label");
        assertThat(only(listener("      - { hosts: [\"-bad.test\"], backends: [b:1] }\n")).message())
                .isEqualTo("'-bad.test' is not a valid host name");
        ConfigProblem twice = only(listener("""
                      - { hosts: [a.test, "*.b.test"], backends: [b:1] }
                      - { hosts: [A.test.], backends: [b:2] }
                """));
        assertThat(twice.path()).isEqualTo("listeners[0].routes[1].hosts");
        assertThat(twice.message()).isEqualTo("'a.test' is already served by listeners[0].routes[0]");
        assertThat(only(listener("""
                      - { hosts: ["*"], backends: [b:1] }
                      - { hosts: ["*"], backends: [b:2] }
                """)).message()).isEqualTo("a second catch-all '*'; a listener has at most one");
    }

    @Test
    void modeSpecificKeys() {
        ConfigProblem proxyProtocol = only(listener(
                "      - { hosts: [a.test], backends: [b:1], proxy_protocol: v1 }\n"));
        assertThat(proxyProtocol.message()).startsWith("proxy_protocol is only supported on passthrough routes of"
                + " tls listeners");
        ConfigProblem pool = only(listener("      - { hosts: [a.test], backends: [b:1], pool: { idle_timeout: 1s } }\n")
                .replace("mode: http", "mode: tls"));
        assertThat(pool.message()).startsWith("pool settings apply only to pooled routes (http listeners,"
                + " terminate: true)");
        ConfigProblem forwarded = only(listener("      - { hosts: [a.test], backends: [b:1] }\n")
                .replace("mode: http", "mode: tls\n    forwarded_headers: none"));
        assertThat(forwarded.message()).startsWith("forwarded_headers applies only to http listeners");
        assertThat(only(listener("      - { hosts: [a.test], backends: [b:1] }\n")
                .replace("mode: http", "mode: http\n    forwarded_headers: x-forwarded")).message())
                .isEqualTo("expected one of x_forwarded, forwarded, none; got 'x-forwarded' (did you mean 'x_forwarded'?)");
    }

    @Test
    void unsetEnvironmentVariable() {
        ConfigProblem problem = only(listener("      - { hosts: [a.test], backends: [b:1] }\n")
                .replace("127.0.0.1:8080", "\"127.0.0.1:${env:PORT}\""));
        assertThat(problem.message()).isEqualTo(
                "environment variable PORT is not set (write ${env:PORT:-default} to give a default)");
    }

    @Test
    void duplicateKeys() {
        ConfigProblem problem = only(listener("      - { hosts: [a.test], backends: [b:1] }\n")
                .replace("mode: http", "mode: http\n    mode: tls"));
        assertThat(problem.path()).isEqualTo("listeners[0].mode");
        assertThat(problem.message()).isEqualTo("duplicate key 'mode'");
        assertThat(problem.line()).isEqualTo(5);
    }

    @Test
    void yamlSyntaxErrorsCarryTheirPosition() {
        ConfigProblem problem = only("listeners:\n  - name: [unclosed\n");
        assertThat(problem.message()).startsWith("YAML syntax:");
        assertThat(problem.line()).isPositive();
    }

    @Test
    void emptyFile() {
        assertThat(only("").message()).isEqualTo("the file is empty; at least one listener is required");
        assertThat(only("# only a comment\n").message()).contains("empty");
    }

    @Test
    void aNullDocumentIsRefused() {
        assertThat(only("&a\n").message()).isEqualTo("the file holds no settings; at least one listener is required");
        assertThat(only("~\n").message()).isEqualTo("the file holds no settings; at least one listener is required");
    }

    @Test
    void aNonMappingRootIsRefused() {
        assertThat(only("- a\n- b\n").message()).isEqualTo("expected a mapping (key: value), got a list");
    }

    @Test
    void theExceptionMessageListsEveryProblem() {
        assertThatThrownBy(() -> new ConfigLoader(n -> null).parse("pool: {enabled: maybe}\n", "x.yaml"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("x.yaml: 2 problems")
                .hasMessageContaining("pool.enabled: expected true or false, got 'maybe' (line 1, column 17)")
                .hasMessageContaining("listeners: at least one listener is required");
    }
}
