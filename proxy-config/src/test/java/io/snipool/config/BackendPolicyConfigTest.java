package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.snipool.config.BackendPolicy.BackendShare;
import io.snipool.config.BackendPolicy.Balance;
import io.snipool.config.RetryPolicy.RetryOn;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The {@code backends} long form and the {@code balance}, {@code hash_key}, {@code slow_start} and {@code retry}
 * keys: top-level defaults, route overrides, and one test per refusal with its path and position.
 */
class BackendPolicyConfigTest {

    private static ProxyConfig parse(String yaml) {
        try {
            return new ConfigLoader(Map.<String, String>of()::get).parse(yaml, "test.yaml");
        } catch (InvalidConfigException e) {
            throw new AssertionError("expected a valid file: " + e.getMessage(), e);
        }
    }

    private static List<String> problems(String yaml) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> new ConfigLoader(Map.<String, String>of()::get).parse(yaml, "bad.yaml"));
        assertThat(e).as("expected the file to be refused").isNotNull();
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    /** An http listener (line 1-4) with {@code routes} from line 5. */
    private static String http(String routes) {
        return "listeners:\n  - name: web\n    bind: 127.0.0.1:8080\n    mode: http\n    routes:\n" + routes;
    }

    /** A tls listener (line 1-4) with {@code routes} from line 5. */
    private static String tls(String routes) {
        return "listeners:\n  - name: edge\n    bind: 127.0.0.1:8443\n    mode: tls\n    routes:\n" + routes;
    }

    private static RouteConfig onlyRoute(String yaml) {
        return parse(yaml).listeners().get(0).routes().get(0);
    }

    @Test
    void withoutAnyKeyARouteRoundRobinsItsPlainBackendsAndRetriesIdempotentMethodsOnce() {
        RouteConfig route = onlyRoute(http("      - { hosts: [a.test], backends: [\"b:1\", \"c:1\"] }\n"));

        assertThat(route.backendPolicy()).isEqualTo(BackendPolicy.defaults(2));
        assertThat(route.backendPolicy().balance()).isEqualTo(Balance.ROUND_ROBIN);
        assertThat(route.backendPolicy().slowStart()).isZero();
        assertThat(route.backendPolicy().retry()).isEqualTo(new RetryPolicy(1, EnumSet.allOf(RetryOn.class),
                RetryPolicy.IDEMPOTENT_METHODS, true));
        assertThat(route.backendPolicy().retry().methods())
                .containsExactly("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");
    }

    @Test
    void longAndShortFormsMixAndKeepTheirOrder() {
        RouteConfig route = onlyRoute(http("""
                      - hosts: [a.test]
                        backends:
                          - "10.0.0.1:8080"
                          - { address: "10.0.0.2:8080", weight: 3 }
                          - { address: "${host}:8080", weight: 2, backup: true }
                """));

        assertThat(route.backends()).extracting(BackendTemplate::text)
                .containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "${host}:8080");
        assertThat(route.backendPolicy().shares()).containsExactly(BackendShare.DEFAULT, new BackendShare(3, false),
                new BackendShare(2, true));
    }

    @Test
    void topLevelKeysAreEveryRoutesDefaultAndARouteOverridesThemKeyByKey() {
        ProxyConfig config = parse(http("""
                      - { hosts: [a.test], backends: ["b:1"] }
                      - hosts: [c.test]
                        backends: ["d:1"]
                        balance: hash
                        hash_key: "header:X-User"
                        retry: { methods: [GET] }
                      - { hosts: [e.test], backends: ["f:1"], balance: least_connections, slow_start: 0 }
                """) + """
                balance: random_two
                slow_start: 30s
                retry: { attempts: 3, on: [connect_failure], other_backend: false }
                """);

        List<RouteConfig> routes = config.listeners().get(0).routes();
        BackendPolicy inherited = routes.get(0).backendPolicy();
        assertThat(inherited.balance()).isEqualTo(Balance.RANDOM_TWO);
        assertThat(inherited.slowStart()).isEqualTo(Duration.ofSeconds(30));
        assertThat(inherited.retry()).isEqualTo(new RetryPolicy(3, EnumSet.of(RetryOn.CONNECT_FAILURE),
                RetryPolicy.IDEMPOTENT_METHODS, false));

        BackendPolicy hashed = routes.get(1).backendPolicy();
        assertThat(hashed.balance()).isEqualTo(Balance.HASH);
        assertThat(hashed.hashKey()).contains(new HashKey.Header("x-user"));
        assertThat(hashed.slowStart()).isEqualTo(Duration.ofSeconds(30));
        assertThat(hashed.retry()).isEqualTo(new RetryPolicy(3, EnumSet.of(RetryOn.CONNECT_FAILURE),
                java.util.Set.of("GET"), false));

        assertThat(routes.get(2).backendPolicy().balance()).isEqualTo(Balance.LEAST_CONNECTIONS);
        assertThat(routes.get(2).backendPolicy().slowStart()).isZero();
    }

    @Test
    void aTopLevelHashKeyIsInheritedWithBalanceHashAndDroppedByARouteThatBalancesOtherwise() {
        ProxyConfig config = parse(tls("""
                      - { hosts: [a.test], backends: ["b:1"] }
                      - { hosts: [c.test], backends: ["d:1"], balance: round_robin }
                      - { hosts: [e.test], backends: ["f:1"], hash_key: client_ip }
                """) + "balance: hash\nhash_key: host\n");

        List<RouteConfig> routes = config.listeners().get(0).routes();
        assertThat(routes.get(0).backendPolicy().hashKey()).contains(new HashKey.Host());
        assertThat(routes.get(1).backendPolicy().hashKey()).isEmpty();
        assertThat(routes.get(2).backendPolicy().hashKey()).contains(new HashKey.ClientIp());
    }

    @Test
    void aNonIdempotentRetryMethodIsAWarning() {
        ProxyConfig config = parse(http("      - { hosts: [a.test], backends: [\"b:1\"],"
                + " retry: { methods: [GET, POST] } }\n"));

        assertThat(config.warnings()).extracting(ConfigProblem::toString).containsExactly(
                "listeners[0].routes[0].retry.methods[1]: POST is not idempotent (RFC 9110 §9.2.2): a retry after it"
                        + " reached a backend may apply it twice (line 6, column 71)");
        assertThat(config.listeners().get(0).routes().get(0).backendPolicy().retry().methods())
                .containsExactly("GET", "POST");
    }

    @Test
    void emptyRetryListsTurnThoseRetriesOff() {
        RetryPolicy retry = onlyRoute(http("      - { hosts: [a.test], backends: [\"b:1\"],"
                + " retry: { on: [], methods: [], attempts: 0 } }\n")).backendPolicy().retry();

        assertThat(retry.on()).isEmpty();
        assertThat(retry.methods()).isEmpty();
        assertThat(retry.attempts()).isZero();
    }

    // ---- refusals: one per message ----

    @Test
    void weightOutOfRange() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [{ address: \"b:1\", weight: 0 }] }\n")))
                .containsExactly("listeners[0].routes[0].backends[0].weight: must be between 1 and 256, got 0"
                        + " (line 6, column 65)");
    }

    @Test
    void backupIsABoolean() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"c:1\", { address: \"b:1\", backup: yes }]"
                + " }\n"))).containsExactly("listeners[0].routes[0].backends[1].backup: expected true or false, got"
                + " 'yes' (line 6, column 72)");
    }

    @Test
    void longFormWithoutAddress() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"c:1\", { weight: 2 }] }\n")))
                .containsExactly("listeners[0].routes[0].backends[1].address: required key 'address' is missing"
                        + " (line 6, column 46)");
    }

    @Test
    void longFormWithABadAddress() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [{ address: \"b:70000\" }] }\n")))
                .containsExactly("listeners[0].routes[0].backends[0].address: port 70000 out of range 1..65535"
                        + " (line 6, column 50)");
    }

    @Test
    void longFormWithAnUnknownKey() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [{ address: \"b:1\", wieght: 2 }] }\n")))
                .containsExactly("listeners[0].routes[0].backends[0].wieght: unknown key 'wieght' (did you mean"
                        + " 'weight'?) (line 6, column 57)");
    }

    @Test
    void everyBackendABackup() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [{ address: \"b:1\", backup: true }] }\n")))
                .containsExactly("listeners[0].routes[0].backends: every backend is a backup; at least one must not"
                        + " be (a backup serves only while no other backend is available) (line 6, column 38)");
    }

    @Test
    void unknownBalance() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"], balance: least_connection }\n")))
                .containsExactly("listeners[0].routes[0].balance: expected one of round_robin, least_connections,"
                        + " random_two, hash; got 'least_connection' (did you mean 'least_connections'?)"
                        + " (line 6, column 56)");
    }

    @Test
    void hashWithoutHashKey() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"], balance: hash }\n")))
                .containsExactly("listeners[0].routes[0].hash_key: balance: hash needs hash_key (client_ip, host or"
                        + " header:NAME) (line 6, column 56)");
    }

    @Test
    void topLevelHashWithoutHashKey() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"] }\n") + "balance: hash\n"))
                .containsExactly("hash_key: balance: hash needs hash_key (client_ip, host or header:NAME)"
                        + " (line 7, column 10)");
    }

    @Test
    void hashKeyWithoutHash() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"], hash_key: host }\n")))
                .containsExactly("listeners[0].routes[0].hash_key: hash_key applies only to balance: hash (balance"
                        + " here is round_robin) (line 6, column 57)");
    }

    @Test
    void unknownHashKey() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"], balance: hash, hash_key: client-ip }\n")))
                .containsExactly("listeners[0].routes[0].hash_key: expected client_ip, host or header:NAME; got"
                        + " 'client-ip' (did you mean 'client_ip'?) (line 6, column 72)");
    }

    @Test
    void hashKeyHeaderWithoutName() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"], balance: hash,"
                + " hash_key: \"header:\" }\n"))).containsExactly("listeners[0].routes[0].hash_key: 'header:' names"
                + " no header (e.g. header:X-User) (line 6, column 72)");
    }

    @Test
    void hashKeyHeaderThatIsNoFieldName() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"], balance: hash,"
                + " hash_key: \"header:X User\" }\n"))).containsExactly("listeners[0].routes[0].hash_key: 'X User' is"
                + " not a header name (RFC 9110 §5.1: letters, digits and !#$%&'*+-.^_`|~) (line 6, column 72)");
    }

    @Test
    void headerHashKeyOnAPassthroughRoute() {
        assertThat(problems(tls("      - { hosts: [a.test], backends: [\"b:1\"], balance: hash,"
                + " hash_key: \"header:X-User\" }\n"))).containsExactly("listeners[0].routes[0].hash_key: hash_key"
                + " header:x-user needs a request's headers; a passthrough route sees only the ClientHello: use"
                + " client_ip or host (line 6, column 72)");
    }

    @Test
    void headerHashKeyInheritedByAPassthroughRoute() {
        assertThat(problems(tls("      - { hosts: [a.test], backends: [\"b:1\"] }\n")
                + "balance: hash\nhash_key: \"header:X-User\"\n")).containsExactly("listeners[0].routes[0].hash_key:"
                + " hash_key header:x-user (from the top level) needs a request's headers; a passthrough route sees"
                + " only the ClientHello: use client_ip or host (line 6, column 9)");
    }

    @Test
    void slowStartOutOfRange() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"], slow_start: 2h }\n")))
                .containsExactly("listeners[0].routes[0].slow_start: must be between 0s and 1h, got 2h"
                        + " (line 6, column 59)");
    }

    @Test
    void retryAttemptsOutOfRange() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"] }\n") + "retry: { attempts: 11 }\n"))
                .containsExactly("retry.attempts: must be between 0 and 10, got 11 (line 7, column 20)");
    }

    @Test
    void unknownRetryCondition() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"] }\n")
                + "retry: { on: [connect_failure, timeout] }\n")).containsExactly("retry.on[1]: expected one of"
                + " connect_failure, reset_before_response; got 'timeout' (line 7, column 32)");
    }

    @Test
    void retryMethodThatIsNoToken() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"] }\n")
                + "retry: { methods: [\"GET /\"] }\n")).containsExactly("retry.methods[0]: 'GET /' is not a method"
                + " name (RFC 9110 §9.1: a token) (line 7, column 20)");
    }

    @Test
    void retryMethodInLowerCase() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"] }\n")
                + "retry: { methods: [GET, put] }\n")).containsExactly("retry.methods[1]: 'put': methods are"
                + " case-sensitive (RFC 9110 §9.1); did you mean 'PUT'? (line 7, column 25)");
    }

    @Test
    void retryMethodsOnAPassthroughRoute() {
        assertThat(problems(tls("      - { hosts: [a.test], backends: [\"b:1\"], retry: { methods: [GET] } }\n")))
                .containsExactly("listeners[0].routes[0].retry.methods: retry.methods applies only to pooled routes"
                        + " (http listeners, terminate: true); a passthrough route retries only connects, which send"
                        + " nothing (line 6, column 56)");
    }

    @Test
    void unknownRetryKey() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"] }\n")
                + "retry: { other_backends: false }\n")).containsExactly("retry.other_backends: unknown key"
                + " 'other_backends' (did you mean 'other_backend'?) (line 7, column 10)");
    }

    @Test
    void otherBackendIsABoolean() {
        assertThat(problems(http("      - { hosts: [a.test], backends: [\"b:1\"] }\n")
                + "retry: { other_backend: 1 }\n")).containsExactly("retry.other_backend: expected true or false,"
                + " got '1' (line 7, column 25)");
    }

    @Test
    void defaultsDescribePlainBackends() {
        assertThat(BackendPolicy.defaults(2).shares()).containsExactly(BackendShare.DEFAULT, BackendShare.DEFAULT);
        assertThat(BackendPolicy.defaults(0).hashKey()).isEqualTo(Optional.empty());
    }
}
