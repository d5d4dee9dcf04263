package io.snipool.app.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import org.junit.jupiter.api.Test;

/** dlundquist/sniproxy's sniproxy.conf, written as its man page sniproxy.conf(5) describes it. */
class SniproxyMigrationTest {

    /** Every top-level directive of sniproxy.conf(5), two listeners, and tables with each kind of pattern. */
    private static final String CONF = """
            # sniproxy.conf
            user daemon
            pidfile /var/run/sniproxy.pid

            error_log {
                syslog daemon
                priority notice
            }

            access_log {
                filename /var/log/sniproxy/access.log
            }

            resolver {
                nameserver 127.0.0.1
                mode ipv6_first
            }

            listener 192.0.2.10:80 {
                proto http
                table http_hosts
                fallback 192.0.2.100:80
                bad_requests log
                source 192.0.2.10
            }

            listener 443 {
                protocol tls
                table https_hosts
                reuseport yes
            }

            table http_hosts {
                ^example\\\\.com$ 192.0.2.101
                ^example\\\\.net$ 192.0.2.102:8080
            }

            table https_hosts {
                ^www\\\\.example\\\\.com$ 192.0.2.11:8443
                .*\\\\.example\\\\.com *:443
                ^(api|edge)[0-9]+\\\\.example\\\\.org$ 192.0.2.12
                example\\\\.net "*"
                ^mail\\\\.example\\\\.com$ 192.0.2.13 proxy_protocol; ^www\\\\.example\\\\.com$ 192.0.2.99
                ^[a-z]+-(eu|us)\\\\.example\\\\.io 192.0.2.14
            }
            """;

    @Test
    void listenersAndTheirTablesBecomeListenersAndRoutes() throws MigrationException {
        String yaml = SourceFormat.SNIPROXY.migrate(CONF, "sniproxy.conf");

        assertThat(yaml).contains("""
                  - name: 'http-80'
                    bind: '192.0.2.10:80'
                    mode: http
                    routes:
                """);
        assertThat(yaml).contains("      - hosts: ['example.com']\n        backends: ['192.0.2.101:80']\n");
        assertThat(yaml).contains("      - hosts: ['example.net']\n        backends: ['192.0.2.102:8080']\n");
        assertThat(yaml).contains("      - hosts: ['*']\n        backends: ['192.0.2.100:80']\n");
        assertThat(yaml).contains("    bind: '0.0.0.0:443'\n    mode: tls\n");
        assertThat(yaml).contains("      - hosts: ['www.example.com']\n        backends: ['192.0.2.11:8443']\n");

        ProxyConfig config = MigratedYamlCheck.loads(yaml);
        assertThat(config.listeners()).extracting(ListenerConfig::name).containsExactly("http-80", "tls-443");
        assertThat(config.listeners().get(1).routes()).hasSize(6);
    }

    @Test
    void patternsBecomeExactNamesWildcardsOrAnchoredRegexesWithTheirDifferencesSaid() throws MigrationException {
        String yaml = SourceFormat.SNIPROXY.migrate(CONF, "sniproxy.conf");

        assertThat(yaml).contains("      - hosts: ['*.example.com']\n        backends: ['${host}:443']\n");
        assertThat(yaml).contains("      - hosts: ['~^(api|edge)[0-9]+\\.example\\.org$']\n"
                + "        backends: ['192.0.2.12:443']\n");
        assertThat(yaml).contains("# sniproxy's pattern 'example\\.net' was unanchored: it also matched every name"
                + " containing it");
        assertThat(yaml).contains("      - hosts: ['~^[a-z]+-(eu|us)\\.example\\.io$']\n");
        assertThat(yaml).contains("# sniproxy's pattern '^[a-z]+-(eu|us)\\.example\\.io' was unanchored at the end");
        assertThat(yaml).contains("allow_private_targets: true");
        MigratedYamlCheck.loads(yaml);
    }

    @Test
    void anExactNameAnEarlierPatternMatchedFirstIsFlaggedAsARoutingChange() throws MigrationException {
        String yaml = SourceFormat.SNIPROXY.migrate(CONF, "sniproxy.conf");

        assertThat(yaml).contains("# routing changes: sniproxy sent mail.example.com to ${host}:443 (the entry on line"
                + " 40 matched first); snipool tries exact names, then the longest wildcard, then regexes, so it now goes to"
                + " 192.0.2.13:443.");
        assertThat(yaml).contains("      - hosts: ['mail.example.com']\n        backends: ['192.0.2.13:443']\n"
                + "        proxy_protocol: v1\n");
        assertThat(yaml).contains("# not migrated: ^www\\.example\\.com$ 192.0.2.99, because the entry on line 39"
                + " serves www.example.com already, and sniproxy matched it first");
        MigratedYamlCheck.loads(yaml);
    }

    @Test
    void whatHasNoEquivalentIsACommentSayingWhy() throws MigrationException {
        String yaml = SourceFormat.SNIPROXY.migrate(CONF, "sniproxy.conf");

        assertThat(yaml).contains("# not migrated: user daemon (line 2), because snipool does not change user");
        assertThat(yaml).contains("# not migrated: pidfile /var/run/sniproxy.pid (line 3), because");
        assertThat(yaml).contains("# not migrated: resolver { nameserver 127.0.0.1; mode ipv6_first } (line 14)");
        assertThat(yaml).contains("# not migrated: syslog daemon (line 6), because");
        assertThat(yaml).contains("# not migrated: source 192.0.2.10 (line 24), because");
        assertThat(yaml).contains("# not migrated: reuseport yes (line 30), because");
        assertThat(yaml).contains("logging:\n  level: info  # from error_log priority notice\n");
        assertThat(yaml).contains("access_log:\n  path: '/var/log/sniproxy/access.log'");
    }

    @Test
    void aFallbackBesideACatchAllPatternIsLeftOutWithTheReason() throws MigrationException {
        String yaml = SourceFormat.SNIPROXY.migrate("""
                listener 127.0.0.1:8443 {
                    table
                    fallback 127.0.0.1:9443
                }
                table {
                    .* 127.0.0.1:9000
                    ^a\\\\.example$ 127.0.0.1:9001
                }
                """, "t.conf");

        assertThat(yaml).contains("      - hosts: ['*']\n        backends: ['127.0.0.1:9000']\n");
        assertThat(yaml).contains("routing changes: sniproxy sent a.example to 127.0.0.1:9000");
        assertThat(yaml).contains("# not migrated: fallback, because the entry on line 6 already matches every name");
        MigratedYamlCheck.loads(yaml);
    }

    @Test
    void addressFormsProxyHeadersAndUnixSocketsAreReadAsTheManPageWritesThem() throws MigrationException {
        String yaml = SourceFormat.SNIPROXY.migrate("""
                listener [::1]:8443 {
                    proxy_header yes
                }
                listener 127.0.0.1 8080 {
                    protocol http
                    proxy_header yes
                }
                listener unix:/run/sniproxy.sock {
                }
                table {
                    ^a\\\\.example$ ::1
                    ^b\\\\.example$ [::1]:9443
                    ^c\\\\.example$ unix:/run/backend.sock
                    ^d\\\\.example$ backend.internal
                    ^e\\\\.example$ 192.0.2.5:443 proxy_protocol
                }
                """, "t.conf");

        assertThat(yaml).contains("    bind: '[::1]:8443'\n    mode: tls\n");
        assertThat(yaml).contains("      - hosts: ['a.example']\n        backends: ['[::1]:8443']\n"
                + "        proxy_protocol: v1\n");
        assertThat(yaml).contains("      - hosts: ['b.example']\n        backends: ['[::1]:9443']\n");
        assertThat(yaml).contains("      - hosts: ['d.example']\n        backends: ['backend.internal:8443']\n");
        assertThat(yaml).contains("# not migrated: server unix:/run/backend.sock, because snipool connects to backends"
                + " over TCP only");
        assertThat(yaml).contains("    bind: '127.0.0.1:8080'\n    mode: http\n");
        assertThat(yaml).contains("      - hosts: ['a.example']\n        backends: ['[::1]:8080']\n");
        assertThat(yaml).contains("      - hosts: ['e.example']\n        backends: ['192.0.2.5:443']\n"
                + "        proxy_protocol: v1\n");
        assertThat(yaml).contains("# not migrated: the PROXY header, because a pooled HTTP backend connection");
        assertThat(yaml.split("not migrated: the PROXY header", -1)).hasSize(3);
        assertThat(yaml).contains("# not migrated: listener unix:/run/sniproxy.sock (line 8), because snipool listens"
                + " on TCP addresses only");
        ProxyConfig config = MigratedYamlCheck.loads(yaml);
        assertThat(config.listeners()).hasSize(2);
    }

    @Test
    void malformedInputNamesItsLine() {
        assertThatThrownBy(() -> SniproxyMigration.migrate("listener 80 {\n  protocol tls\n"))
                .isInstanceOf(MigrationException.class).hasMessage("line 1: '{' is never closed");
        assertThatThrownBy(() -> SniproxyMigration.migrate("user daemon\n}\n"))
                .hasMessage("line 2: '}' without a '{' before it");
        assertThatThrownBy(() -> SniproxyMigration.migrate("listener 80 {\n  protocol tls\n  colour red\n}\n"))
                .hasMessageStartingWith("line 3: unknown directive 'colour'");
        assertThatThrownBy(() -> SniproxyMigration.migrate("listener 80 {\n}\ntable {\n  lonely\n}\n"))
                .hasMessage("line 4: expected 'PATTERN SERVER [proxy_protocol]' in a table");
        assertThatThrownBy(() -> SniproxyMigration.migrate("listener 80 {\n  table web\n}\n"))
                .hasMessage("line 1: no table 'web'");
        assertThatThrownBy(() -> SniproxyMigration.migrate("listener 80 {\n  protocol smtp\n}\n"))
                .hasMessage("line 2: protocol must be tls or http, got 'smtp'");
        assertThatThrownBy(() -> SniproxyMigration.migrate("table {\n  a 10.0.0.1:99999\n}\nlistener 80 {\n}\n"))
                .hasMessage("line 2: '99999' is not a port (1..65535)");
    }
}
