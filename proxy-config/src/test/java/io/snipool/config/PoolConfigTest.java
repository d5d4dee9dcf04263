package io.snipool.config;

import static io.snipool.config.HttpListenerYaml.http;
import static io.snipool.config.HttpListenerYaml.parse;
import static io.snipool.config.HttpListenerYaml.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code pool.adaptive}, {@code pool.min_idle_for_age} and {@code pool.tcp_keepalive}: defaults, overrides, errors. */
class PoolConfigTest {

    private static final String ONE_ROUTE = "      - { hosts: [a.test], backends: [\"b:80\"] }\n";

    private static PoolSettings route(ProxyConfig config, int index) {
        return config.listeners().get(0).routes().get(index).pool();
    }

    @Test
    void withoutTheKeysEveryDefaultApplies() throws Exception {
        PoolSettings pool = parse(http("", ONE_ROUTE)).pool();

        assertThat(pool.minIdleForAge()).isEqualTo(Duration.ofSeconds(5));
        assertThat(pool.adaptive()).isEqualTo(new AdaptivePoolSettings(false, Duration.ofSeconds(60), 1.2, 64));
        assertThat(pool.tcpKeepAlive()).isEqualTo(new TcpKeepAlive(true, Duration.ofSeconds(60),
                Duration.ofSeconds(10), 3));
    }

    @Test
    void everyKeyIsReadAndARouteOverridesTheTopLevelKeyByKey() throws Exception {
        ProxyConfig config = parse(http("""
                pool:
                  min_idle_for_age: 20s
                  adaptive: { enabled: true, window: 2m, headroom: 1.5, max_idle_target: 40 }
                  tcp_keepalive: { idle: 30s, interval: 5s, count: 4 }
                """, ONE_ROUTE + """
                      - hosts: [c.test]
                        backends: ["d:80"]
                        pool:
                          min_idle_for_age: 0s
                          adaptive: { headroom: 2 }
                          tcp_keepalive: { enabled: false }
                """));

        assertThat(config.pool().minIdleForAge()).isEqualTo(Duration.ofSeconds(20));
        assertThat(config.pool().adaptive()).isEqualTo(new AdaptivePoolSettings(true, Duration.ofMinutes(2), 1.5,
                40));
        assertThat(config.pool().tcpKeepAlive()).isEqualTo(new TcpKeepAlive(true, Duration.ofSeconds(30),
                Duration.ofSeconds(5), 4));
        assertThat(route(config, 0)).as("no pool block: the top level").isEqualTo(config.pool());
        PoolSettings overridden = route(config, 1);
        assertThat(overridden.minIdleForAge()).isZero();
        assertThat(overridden.adaptive()).isEqualTo(new AdaptivePoolSettings(true, Duration.ofMinutes(2), 2.0, 40));
        assertThat(overridden.tcpKeepAlive()).isEqualTo(new TcpKeepAlive(false, Duration.ofSeconds(30),
                Duration.ofSeconds(5), 4));
    }

    @Test
    void theEdgesOfEachRangeAreAccepted() throws Exception {
        PoolSettings low = parse(http("""
                pool:
                  min_idle_for_age: 0s
                  adaptive: { window: 1s, headroom: 1, max_idle_target: 0 }
                  tcp_keepalive: { idle: 1s, interval: 1s, count: 1 }
                """, ONE_ROUTE)).pool();
        PoolSettings high = parse(http("""
                pool:
                  max_lifetime: 168h
                  lifetime_jitter: 0s
                  min_idle_for_age: 24h
                  adaptive: { window: 24h, headroom: 10.0, max_idle_target: 100000 }
                  tcp_keepalive: { idle: 32767s, interval: 32767s, count: 127 }
                """, ONE_ROUTE)).pool();

        assertThat(low.adaptive()).isEqualTo(new AdaptivePoolSettings(false, Duration.ofSeconds(1), 1.0, 0));
        assertThat(low.tcpKeepAlive()).isEqualTo(new TcpKeepAlive(true, Duration.ofSeconds(1),
                Duration.ofSeconds(1), 1));
        assertThat(high.minIdleForAge()).isEqualTo(Duration.ofDays(1));
        assertThat(high.adaptive()).isEqualTo(new AdaptivePoolSettings(false, Duration.ofDays(1), 10.0, 100_000));
        assertThat(high.tcpKeepAlive()).isEqualTo(new TcpKeepAlive(true, Duration.ofSeconds(32_767),
                Duration.ofSeconds(32_767), 127));
    }

    @Test
    void eachValueOutsideItsRangeIsRefusedWithItsPathAndLine() {
        assertThat(problems(http("""
                pool:
                  min_idle_for_age: 25h
                  adaptive:
                    enabled: maybe
                    window: 999ms
                    headroom: 0.9
                    max_idle_target: -1
                  tcp_keepalive:
                    idle: 0s
                    interval: 32768s
                    count: 128
                """, ONE_ROUTE))).containsExactly(
                "pool.min_idle_for_age: must be between 0s and 24h, got 25h (line 2, column 21)",
                "pool.adaptive.enabled: expected true or false, got 'maybe' (line 4, column 14)",
                "pool.adaptive.window: must be between 1s and 24h, got 999ms (line 5, column 13)",
                "pool.adaptive.headroom: must be between 1 and 10, got 0.9 (line 6, column 15)",
                "pool.adaptive.max_idle_target: must be between 0 and 100000, got -1 (line 7, column 22)",
                "pool.tcp_keepalive.idle: must be between 1s and 32767s, got 0s (line 9, column 11)",
                "pool.tcp_keepalive.interval: must be between 1s and 32767s, got 32768s (line 10, column 15)",
                "pool.tcp_keepalive.count: must be between 1 and 127, got 128 (line 11, column 12)");
    }

    @Test
    void malformedValuesAndUnknownKeysAreRefused() {
        assertThat(problems(http("""
                pool:
                  adaptive: { headroom: 1.2e0, windw: 5s }
                  tcp_keepalive: { idle: 1500ms, interval: 2.5s }
                """, ONE_ROUTE))).containsExactly(
                "pool.adaptive.headroom: expected a decimal number such as 1.5, got '1.2e0' (line 2, column 25)",
                "pool.adaptive.windw: unknown key 'windw' (did you mean 'window'?) (line 2, column 32)",
                "pool.tcp_keepalive.idle: must be whole seconds (the kernel counts keep-alive timers in seconds), got"
                        + " 1500ms (line 3, column 26)",
                "pool.tcp_keepalive.interval: '2.5s' has an unknown unit (expected ms, s, m or h, e.g. 30s)"
                        + " (line 3, column 44)");
        assertThat(problems(http("pool: { adaptive: true }\n", ONE_ROUTE)))
                .containsExactly("pool.adaptive: expected a mapping (key: value), got 'true' (line 1, column 19)");
    }

    @Test
    void minIdleForAgeMustBeShorterThanTheShortestLifetime() {
        assertThat(problems(http("pool: { max_lifetime: 1m, lifetime_jitter: 10s, min_idle_for_age: 50s }\n",
                ONE_ROUTE))).containsExactly("pool.min_idle_for_age: min_idle_for_age (50s) must be shorter than the"
                + " shortest lifetime, max_lifetime minus lifetime_jitter (50s) (line 1, column 49)");
        // Inherited from the top level, the rule is reported at the key the route's block set.
        assertThat(problems(http("pool: { min_idle_for_age: 30s }\n", """
                      - { hosts: [a.test], backends: ["b:80"], pool: { max_lifetime: 30s, lifetime_jitter: 0s } }
                """))).containsExactly("listeners[0].routes[0].pool.max_lifetime: min_idle_for_age (30s) must be"
                + " shorter than the shortest lifetime, max_lifetime minus lifetime_jitter (30s) (line 7, column 56)");
    }

    @Test
    void routeOverridesAreCheckedLikeTheTopLevel() {
        assertThat(problems(http("", """
                      - hosts: [a.test]
                        backends: ["b:80"]
                        pool: { adaptive: { headroom: 11 }, tcp_keepalive: { count: 0 } }
                """))).containsExactly(
                "listeners[0].routes[0].pool.adaptive.headroom: must be between 1 and 10, got 11 (line 8, column 39)",
                "listeners[0].routes[0].pool.tcp_keepalive.count: must be between 1 and 127, got 0"
                        + " (line 8, column 69)");
    }
}
