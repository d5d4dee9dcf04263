package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Valid configurations and the records they produce. */
class ConfigLoaderTest {

    private static final String FULL = """
            listeners:
              - name: edge-tls
                bind: 127.0.0.1:8443
                mode: tls
                proxy_protocol_in: true
                allow: ["10.0.0.0/8", "2001:db8::/32"]
                deny: ["10.1.2.3"]
                max_connections_per_ip: 10
                new_connections_per_ip: 5
                new_connections_burst_per_ip: 20
                ipv6_group_prefix: 56
                routes:
                  - hosts: ["API.Example.Test."]
                    backends: ["127.0.0.1:9443"]
                    proxy_protocol: v2
                  - hosts: ["*.example.test"]
                    backends: ["127.0.0.1:9444", "[::1]:9445"]
                  - hosts: ["~^(?<tenant>[a-z0-9-]+)\\\\.apps\\\\.test$"]
                    backends: ["${tenant}.internal:443"]
                  - hosts: ["*"]
                    backends: ["${host}:443"]
                    allow_private_targets: true
              - name: edge-http
                bind: "[::1]:0"
                mode: http
                forwarded_headers: forwarded
                routes:
                  - hosts: [localhost]
                    backends: ["localhost:9000"]
                    pool: { idle_timeout: 10s, max_idle_per_host: 8 }
            pool:
              enabled: true
              max_idle_per_host: 32
              max_idle_total: 1000
              max_connections_per_host: 100
              max_pending_per_host: 50
              idle_timeout: 20s
              max_lifetime: 5m
              lifetime_jitter: 30s
              max_requests_per_connection: 500
              min_idle_per_host: 2
              prewarm_rate: 4
              connect_timeout: 250ms
            timeouts: { client_hello: 2s, request_head: 3s, connect: 4s, idle: 1h, response_header: 45s, defer_accept: 0s,
                        lingering_time: 0s, lingering_timeout: 250ms }
            limits: { max_connections: 500, max_client_hello_bytes: 32KiB, max_request_head_bytes: 1MiB, max_headers: 64,
                      max_retry_body_bytes: 0 }
            metrics: { bind: 127.0.0.1:0, pool_event_history: 10, allow: [10.0.0.0/8], token: 0123456789abcdef0123 }
            shutdown: { grace_period: 10s, drain_timeout: 5s }
            access_log: { enabled: false, path: /var/log/snipool/access.log, format: json,
                          fields: [time, status, request_id, upstream_connect_ms] }
            forwarded: { trusted_proxies: [10.0.0.0/8, "2001:db8::1"] }
            logging: { level: debug, format: json }
            reload: { watch: true, watch_delay: 2s }
            transport: io_uring
            accept: shared
            """;

    private static ProxyConfig parse(String yaml) throws InvalidConfigException {
        return new ConfigLoader(Map.of("ADMIN_PORT", "9191")::get).parse(yaml, "test.yaml");
    }

    @Test
    void readsEveryKey() throws Exception {
        ProxyConfig config = parse(FULL);

        assertThat(config.listeners()).hasSize(2);
        ListenerConfig tls = config.listeners().get(0);
        assertThat(tls.name()).isEqualTo("edge-tls");
        assertThat(tls.bind()).isEqualTo(new HostPort("127.0.0.1", 8443));
        assertThat(tls.mode()).isEqualTo(ListenerConfig.Mode.TLS);
        assertThat(tls.proxyProtocolIn()).isTrue();
        assertThat(tls.allow()).extracting(Cidr::toString).containsExactly("10.0.0.0/8", "2001:db8:0:0:0:0:0:0/32");
        assertThat(tls.deny()).extracting(Cidr::toString).containsExactly("10.1.2.3/32");
        assertThat(tls.clientLimits()).isEqualTo(new ClientLimits(10, 5, 20, 56));
        assertThat(tls.routes()).hasSize(4);

        RouteConfig exact = tls.routes().get(0);
        assertThat(exact.hosts()).containsExactly(new HostPattern.Exact("api.example.test"));
        assertThat(exact.backends().get(0).staticAddress()).isEqualTo(new HostPort("127.0.0.1", 9443));
        assertThat(exact.proxyProtocol()).isEqualTo(ProxyProtocol.V2);

        assertThat(tls.routes().get(1).hosts()).containsExactly(new HostPattern.Wildcard("example.test"));
        assertThat(tls.routes().get(1).backends().get(1).staticAddress()).isEqualTo(new HostPort("::1", 9445));

        HostPattern.Regex regex = (HostPattern.Regex) tls.routes().get(2).hosts().get(0);
        assertThat(regex.groupNames()).containsExactly("tenant");
        assertThat(regex.pattern().matcher("acme.apps.test").matches()).isTrue();
        BackendTemplate template = tls.routes().get(2).backends().get(0);
        assertThat(template.isStatic()).isFalse();
        assertThat(template.variables()).containsExactly("tenant");
        assertThat(template.expandHost(Map.of("tenant", "acme"))).isEqualTo("acme.internal");
        assertThat(template.port()).isEqualTo(443);

        RouteConfig catchAll = tls.routes().get(3);
        assertThat(catchAll.hosts()).containsExactly(new HostPattern.CatchAll());
        assertThat(catchAll.allowPrivateTargets()).isTrue();

        ListenerConfig http = config.listeners().get(1);
        assertThat(http.bind()).isEqualTo(new HostPort("::1", 0));
        assertThat(http.mode()).isEqualTo(ListenerConfig.Mode.HTTP);
        assertThat(http.forwardedHeaders()).isEqualTo(ListenerConfig.ForwardedHeaders.FORWARDED);
        assertThat(tls.forwardedHeaders()).as("default").isEqualTo(ListenerConfig.ForwardedHeaders.X_FORWARDED);
        PoolSettings routePool = http.routes().get(0).pool();
        assertThat(routePool.idleTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(routePool.maxIdlePerHost()).isEqualTo(8);
        assertThat(routePool.maxLifetime()).as("inherited from the global block").isEqualTo(Duration.ofMinutes(5));

        PoolSettings pool = config.pool();
        assertThat(pool).isEqualTo(new PoolSettings(true, 32, 1000, 100, 50, Duration.ofSeconds(20),
                Duration.ofMinutes(5), Duration.ofSeconds(30), 500, 2, 4, Duration.ofMillis(250),
                PoolSettings.DEFAULT_MIN_IDLE_FOR_AGE, AdaptivePoolSettings.defaults(), TcpKeepAlive.defaults()));
        assertThat(config.timeouts()).isEqualTo(new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(3),
                Duration.ofSeconds(4), Duration.ofHours(1), Duration.ofSeconds(45), Duration.ZERO, Duration.ZERO,
                Duration.ofMillis(250)));
        assertThat(config.timeouts().lingers()).as("lingering_time 0 turns lingering off").isFalse();
        assertThat(config.limits()).isEqualTo(new Limits(500, 32 * 1024, 1024 * 1024, 64, 65_536, 0));
        assertThat(config.metrics()).isEqualTo(new MetricsConfig(new HostPort("127.0.0.1", 0), 10,
                List.of(Cidr.parse("10.0.0.0/8")), Optional.of("0123456789abcdef0123")));
        assertThat(config.shutdown().drainTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.shutdown().gracePeriod()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.accessLog()).isEqualTo(new AccessLogConfig(false, "/var/log/snipool/access.log",
                AccessLogConfig.Format.JSON, List.of(AccessLogField.TIME, AccessLogField.STATUS,
                AccessLogField.REQUEST_ID, AccessLogField.UPSTREAM_CONNECT_MS)));
        assertThat(config.accessLog().written()).as("disabled: nothing is gathered").isEmpty();
        assertThat(config.forwarded().trustedProxies()).extracting(Cidr::toString)
                .containsExactly("10.0.0.0/8", "2001:db8:0:0:0:0:0:1/128");
        assertThat(config.logging()).isEqualTo(new LoggingConfig(LoggingConfig.Level.DEBUG,
                LoggingConfig.Format.JSON));
        assertThat(config.reload()).isEqualTo(new ReloadConfig(true, Duration.ofSeconds(2)));
        assertThat(config.transport()).isEqualTo(Transport.IO_URING);
        assertThat(config.accept()).isEqualTo(AcceptMode.SHARED);
    }

    @Test
    void minimalFileGetsEveryDefault() throws Exception {
        ProxyConfig config = parse("""
                listeners:
                  - { name: web, bind: "0.0.0.0:8080", mode: http, routes: [ { hosts: ["*"], backends: ["b:80"] } ] }
                """);

        assertThat(config.pool()).isEqualTo(PoolSettings.defaults());
        assertThat(config.timeouts()).isEqualTo(Timeouts.defaults());
        assertThat(config.limits()).isEqualTo(Limits.defaults());
        assertThat(config.metrics()).isEqualTo(MetricsConfig.defaults());
        assertThat(config.shutdown()).isEqualTo(ShutdownConfig.defaults());
        assertThat(config.accessLog()).isEqualTo(AccessLogConfig.defaults());
        assertThat(config.forwarded()).isEqualTo(ForwardedConfig.defaults());
        assertThat(config.logging()).isEqualTo(LoggingConfig.defaults());
        assertThat(config.reload()).isEqualTo(new ReloadConfig(false, Duration.ofMillis(500)));
        assertThat(config.transport()).isEqualTo(Transport.AUTO);
        assertThat(config.accept()).isEqualTo(AcceptMode.PER_LOOP);
        ListenerConfig listener = config.listeners().get(0);
        assertThat(listener.proxyProtocolIn()).isFalse();
        assertThat(listener.allow()).isEmpty();
        assertThat(listener.deny()).isEmpty();
        assertThat(listener.clientLimits()).isEqualTo(ClientLimits.defaults());
        assertThat(listener.routes().get(0).proxyProtocol()).isEqualTo(ProxyProtocol.NONE);
        assertThat(listener.routes().get(0).allowPrivateTargets()).isFalse();
        assertThat(listener.routes().get(0).pool()).isEqualTo(PoolSettings.defaults());
        assertThat(listener.tls()).isEmpty();
        assertThat(listener.routes().get(0).terminate()).isFalse();
        assertThat(listener.routes().get(0).backendTls()).isEmpty();
        assertThat(config.warnings()).isEmpty();
    }

    @Test
    void defaultsMatchTheDocumentedValues() {
        PoolSettings pool = PoolSettings.defaults();
        assertThat(pool.maxIdlePerHost()).isEqualTo(64);
        assertThat(pool.maxIdleTotal()).isEqualTo(4096);
        assertThat(pool.maxConnectionsPerHost()).isZero();
        assertThat(pool.maxPendingPerHost()).isEqualTo(1024);
        assertThat(pool.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(pool.maxLifetime()).isEqualTo(Duration.ofMinutes(10));
        assertThat(pool.lifetimeJitter()).isEqualTo(Duration.ofMinutes(1));
        assertThat(pool.maxRequestsPerConnection()).isEqualTo(10_000);
        assertThat(pool.minIdlePerHost()).isZero();
        assertThat(pool.prewarmRate()).isEqualTo(8);
        assertThat(pool.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(Timeouts.defaults()).isEqualTo(new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofSeconds(300), Duration.ofSeconds(60), Duration.ofSeconds(1),
                Duration.ofSeconds(30), Duration.ofSeconds(5)));
        assertThat(Timeouts.defaults().lingers()).isTrue();
        assertThat(Limits.defaults()).isEqualTo(new Limits(10_000, 65_536, 65_536, 100, 65_536, 65_536));
        assertThat(MetricsConfig.defaults()).isEqualTo(new MetricsConfig(new HostPort("127.0.0.1", 9090), 256,
                List.of(), Optional.empty()));
        assertThat(ShutdownConfig.defaults().drainTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(ShutdownConfig.defaults().gracePeriod()).as("no grace unless asked").isZero();
        assertThat(AccessLogConfig.defaults()).as("json with every field").isEqualTo(new AccessLogConfig(true, "-",
                AccessLogConfig.Format.JSON, List.of(AccessLogField.values())));
        assertThat(ForwardedConfig.defaults().trustedProxies()).as("no proxy trusted").isEmpty();
        assertThat(ClientLimits.defaults()).as("per-client limits off").isEqualTo(new ClientLimits(0, 0, 2000, 64));
    }

    @Test
    void environmentReferencesExpandInAnyScalar() throws Exception {
        ProxyConfig config = parse("""
                listeners:
                  - name: web
                    bind: "127.0.0.1:${env:WEB_PORT:-8081}"
                    mode: http
                    routes: [ { hosts: ["*"], backends: ["${host}:80"] } ]
                metrics: { bind: "127.0.0.1:${env:ADMIN_PORT}" }
                """);

        assertThat(config.listeners().get(0).bind().port()).as("default used when unset").isEqualTo(8081);
        assertThat(config.metrics().bind().port()).isEqualTo(9191);
        assertThat(config.listeners().get(0).routes().get(0).backends().get(0).variables())
                .as("backend templates are not environment references").containsExactly("host");
    }

    @Test
    void nullValuesMeanDefaults() throws Exception {
        ProxyConfig config = parse("""
                listeners:
                  - name: web
                    bind: 127.0.0.1:8080
                    mode: http
                    allow:
                    routes: [ { hosts: ["*"], backends: ["b:80"] } ]
                pool:
                timeouts: ~
                """);

        assertThat(config.listeners().get(0).allow()).isEmpty();
        assertThat(config.pool()).isEqualTo(PoolSettings.defaults());
    }

    @Test
    void anIpv6BackendAndBindParse() throws Exception {
        ProxyConfig config = parse("""
                listeners:
                  - name: v6
                    bind: "[::]:8443"
                    mode: tls
                    routes: [ { hosts: ["a.test"], backends: ["[2001:db8::1]:443"] } ]
                """);

        assertThat(config.listeners().get(0).bind().toString()).isEqualTo("[::]:8443");
        assertThat(config.listeners().get(0).routes().get(0).backends().get(0).staticAddress().host())
                .isEqualTo("2001:db8::1");
    }
}
