package io.snipool.app.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** SNIProxy-rs's YAML, written to the fields of its sniproxy-config crate and the config.yaml it ships. */
class SniproxyRsMigrationTest {

    private static final String CONFIG = """
            listen_addrs:
              - "0.0.0.0:80"
              - "0.0.0.0:443"
            timeouts:
              connect: 10
              client_hello: 5
              idle: 300
            metrics:
              enabled: true
              address: "0.0.0.0:9000"
            max_connections: 100000
            shutdown_timeout: 30
            connection_pool:
              enabled: true
              max_per_host: 1000
              connection_ttl: 600
              idle_timeout: 300
              cleanup_interval: 30
            allowlist:
              - "ip.me"
              - "*.example.com"
              - "*api.com"
            udp_listen_addrs:
              - "0.0.0.0:443"
            quic_config:
              enabled: true
            protocol_routing:
              socketio:
                enabled: true
            ssh_routes:
              - listen_port: 22
                destination_host: "github.com"
            """;

    /** metrics.address 0.0.0.0 is valid in snipool, with a warning for the missing allow list and token. */
    private static final String[] METRICS_WARNINGS = {"metrics.bind", "metrics.bind"};

    @Test
    void listenAddressesBecomeOneListenerEachRoutingTheAllowlistToTheRequestedName() throws MigrationException {
        String yaml = SourceFormat.SNIPROXY_RS.migrate(CONFIG, "config.yaml");

        assertThat(yaml).contains("  - name: 'http-80'\n    bind: '0.0.0.0:80'\n    mode: http\n");
        assertThat(yaml).contains("  - name: 'tls-443'\n    bind: '0.0.0.0:443'\n    mode: tls\n");
        assertThat(yaml).contains("      - hosts: ['ip.me', '*.example.com', 'example.com', '~^.*api\\.com$']\n"
                + "        backends: ['${host}:443']\n");
        assertThat(yaml).contains("        backends: ['${host}:80']\n");
        assertThat(yaml).contains("Port 443 made this one tls: change 'mode' if this port carries plain HTTP.");

        ProxyConfig config = MigratedYamlCheck.loads(yaml, METRICS_WARNINGS);
        assertThat(config.listeners()).extracting(ListenerConfig::mode)
                .containsExactly(ListenerConfig.Mode.HTTP, ListenerConfig.Mode.TLS);
    }

    @Test
    void timeoutsPoolMetricsAndLimitsMapToTheirSnipoolKeys() throws MigrationException {
        String yaml = SourceFormat.SNIPROXY_RS.migrate(CONFIG, "config.yaml");

        assertThat(yaml).contains("""
                timeouts:
                  connect: 10s  # from connect
                  client_hello: 5s  # from client_hello
                  request_head: 5s  # from client_hello, which SNIProxy-rs also gave the HTTP request head
                  idle: 300s  # from idle
                """);
        assertThat(yaml).contains("""
                pool:
                  enabled: true
                  max_connections_per_host: 1000
                  max_lifetime: 600s  # from connection_ttl
                  lifetime_jitter: 0s  # SNIProxy-rs expires connections at exactly connection_ttl
                  idle_timeout: 300s  # from idle_timeout
                """);
        assertThat(yaml).contains("metrics:\n  bind: '0.0.0.0:9000'  # from metrics.address; beyond loopback,");
        assertThat(yaml).contains("limits:\n  max_connections: 100000\n");
        assertThat(yaml).contains("shutdown:\n  drain_timeout: 30s  # from shutdown_timeout\n");

        ProxyConfig config = MigratedYamlCheck.loads(yaml, METRICS_WARNINGS);
        assertThat(config.timeouts().connect()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.pool().maxConnectionsPerHost()).isEqualTo(1000);
        assertThat(config.pool().maxLifetime()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void whatHasNoEquivalentIsACommentSayingWhy() throws MigrationException {
        String yaml = SourceFormat.SNIPROXY_RS.migrate(CONFIG, "config.yaml");

        assertThat(yaml).contains("# not migrated: udp_listen_addrs (line 23), because snipool serves TCP only");
        assertThat(yaml).contains("# not migrated: quic_config (line 25), because");
        assertThat(yaml).contains("# not migrated: protocol_routing (line 27), because");
        assertThat(yaml).contains("# not migrated: ssh_routes (line 30), because SSH carries no name");
        assertThat(yaml).contains("# not migrated: connection_pool.cleanup_interval (line 18), because");
        assertThat(yaml).contains("allowlist '*api.com' (line 22) matched every name ending in 'api.com'");
    }

    @Test
    void withoutAnAllowlistEveryNameIsRoutedAndValuesBeyondSnipoolsRangesAreLowered() throws MigrationException {
        String yaml = SourceFormat.SNIPROXY_RS.migrate("""
                listen_addrs: ["127.0.0.1:8443"]
                timeouts: { connect: 900, client_hello: 10, idle: 60 }
                metrics: { enabled: false, address: "127.0.0.1:9000" }
                connection_pool: { connection_ttl: 30 }
                """, "config.yaml");

        assertThat(yaml).contains("      - hosts: ['*']\n        backends: ['${host}:443']\n");
        assertThat(yaml).contains("  connect: 600s  # from connect: 900s is beyond snipool's limit, 600s\n");
        assertThat(yaml).contains("# metrics.enabled was false: snipool's admin server always runs");
        ProxyConfig config = MigratedYamlCheck.loads(yaml);
        assertThat(config.pool().maxLifetime()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void malformedInputNamesItsLine() {
        assertThatThrownBy(() -> SniproxyRsMigration.migrate("listen_addrs: [\"0.0.0.0:443\"\ntimeouts: {"))
                .isInstanceOf(MigrationException.class).hasMessageStartingWith("line 2: YAML syntax");
        assertThatThrownBy(() -> SniproxyRsMigration.migrate("timeouts:\n  connect: 10\n"))
                .hasMessage("line 1: listen_addrs is required");
        assertThatThrownBy(() -> SniproxyRsMigration.migrate("listen_addrs: [\"0.0.0.0:443\"]\ntimeouts:\n"
                + "  connect: ten\n"))
                .hasMessage("line 3: timeouts.connect must be a whole number of at least 1, got 'ten'");
        assertThatThrownBy(() -> SniproxyRsMigration.migrate("listen_addrs: [\"0.0.0.0\"]\n"))
                .hasMessage("line 1: listen address '0.0.0.0' has no port");
        assertThatThrownBy(() -> SniproxyRsMigration.migrate("listen_addrs: [\"0.0.0.0:443\"]\nallowlist: []\n"))
                .hasMessageStartingWith("line 2: allowlist is empty");
    }
}
