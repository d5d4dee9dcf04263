package io.snipool.config;

import static io.snipool.config.HttpListenerYaml.http;
import static io.snipool.config.HttpListenerYaml.parse;
import static io.snipool.config.HttpListenerYaml.problems;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code backend_protocol} and {@code pool.max_streams_per_connection}: defaults, each value, each refusal. */
class BackendProtocolConfigTest {

    private static final String PLAIN_ROUTE = "      - { hosts: [a.test], backends: [\"b:80\"] }\n";

    private static RouteConfig route(ProxyConfig config, int index) {
        return config.listeners().get(0).routes().get(index);
    }

    @Test
    void withoutTheKeysARouteSpeaksHttp1AndAConnectionCarriesAHundredStreams() throws Exception {
        ProxyConfig config = parse(http("", PLAIN_ROUTE));

        assertThat(route(config, 0).backendProtocol()).isEqualTo(BackendProtocol.HTTP1);
        assertThat(config.pool().maxStreamsPerConnection()).isEqualTo(100);
        assertThat(route(config, 0).pool().maxStreamsPerConnection()).isEqualTo(100);
    }

    @Test
    void eachProtocolIsReadWhereItsTransportFits() throws Exception {
        ProxyConfig config = parse(http("", """
                      - { hosts: [a.test], backends: ["b:80"], backend_protocol: http1 }
                      - { hosts: [c.test], backends: ["d:80"], backend_protocol: h2c }
                      - { hosts: [e.test], backends: ["f:443"], backend_protocol: h2, backend_tls: { verify: false } }
                """));

        assertThat(route(config, 0).backendProtocol()).isEqualTo(BackendProtocol.HTTP1);
        assertThat(route(config, 1).backendProtocol()).isEqualTo(BackendProtocol.H2C);
        assertThat(route(config, 2).backendProtocol()).isEqualTo(BackendProtocol.H2);
    }

    @Test
    void h2WithoutBackendTlsAndH2cWithItAreRefused() {
        assertThat(problems(http("", """
                      - { hosts: [a.test], backends: ["b:80"], backend_protocol: h2 }
                      - { hosts: [c.test], backends: ["d:443"], backend_protocol: h2c, backend_tls: { verify: false } }
                      - { hosts: [e.test], backends: ["f:80"], backend_protocol: http2 }
                """))).satisfiesExactly(
                first -> assertThat(first).startsWith("listeners[0].routes[0].backend_protocol: backend_protocol: h2"
                        + " needs backend_tls (HTTP/2 over TLS, chosen by ALPN); use h2c for HTTP/2 on plain TCP"),
                second -> assertThat(second).startsWith("listeners[0].routes[1].backend_protocol: backend_protocol:"
                        + " h2c is HTTP/2 on plain TCP and refuses backend_tls; use h2 for HTTP/2 over TLS"),
                third -> assertThat(third).startsWith("listeners[0].routes[2].backend_protocol: expected one of"
                        + " http1, h2, h2c; got 'http2'"));
    }

    @Test
    void aPassthroughRouteTakesNoBackendProtocol() {
        String yaml = """
                listeners:
                  - name: edge
                    bind: 127.0.0.1:8443
                    mode: tls
                    routes:
                      - { hosts: [a.test], backends: ["b:443"], backend_protocol: h2c }
                """;
        assertThat(problems(yaml)).satisfiesExactly(only -> assertThat(only).startsWith(
                "listeners[0].routes[0].backend_protocol: backend_protocol applies only to pooled routes (http"
                        + " listeners, terminate: true); a passthrough route relays the client's bytes and speaks"
                        + " no HTTP to its backend"));
    }

    @Test
    void maxStreamsPerConnectionTakesOneToAMillionAndARouteOverridesIt() throws Exception {
        ProxyConfig config = parse(http("pool: { max_streams_per_connection: 1 }\n", PLAIN_ROUTE + """
                      - { hosts: [c.test], backends: ["d:80"], pool: { max_streams_per_connection: 1000000 } }
                """));

        assertThat(config.pool().maxStreamsPerConnection()).isEqualTo(1);
        assertThat(route(config, 0).pool().maxStreamsPerConnection()).isEqualTo(1);
        assertThat(route(config, 1).pool().maxStreamsPerConnection()).isEqualTo(1_000_000);
    }

    @Test
    void maxStreamsPerConnectionOutsideItsRangeIsRefused() {
        assertThat(problems(http("pool: { max_streams_per_connection: 0 }\n", """
                      - { hosts: [c.test], backends: ["d:80"], pool: { max_streams_per_connection: 1000001 } }
                """))).satisfiesExactly(
                low -> assertThat(low).startsWith("pool.max_streams_per_connection:").contains("got 0"),
                high -> assertThat(high).startsWith("listeners[0].routes[0].pool.max_streams_per_connection:")
                        .contains("got 1000001"));
    }

    @Test
    void anHttpHealthCheckIsRefusedOnAnHttp2RouteBecauseItSpeaksHttp1() {
        assertThat(problems(http("", """
                      - hosts: [a.test]
                        backends: ["b:80"]
                        backend_protocol: h2c
                        health_check: { type: http, path: /health }
                      - { hosts: [c.test], backends: ["d:80"], backend_protocol: h2c, health_check: { type: tcp } }
                """))).satisfiesExactly(only -> assertThat(only).startsWith("listeners[0].routes[0].backend_protocol:"
                + " a health_check of type: http speaks HTTP/1.1, which a backend_protocol h2c backend does not; use"
                + " type: tcp or type: tls"));
    }
}
