package io.snipool.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snipool.config.HostPort;
import io.snipool.core.metrics.BackendHealthMeters;
import io.snipool.core.metrics.PoolEvents;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.ClosedPort;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.FlappingBackend;
import io.snipool.core.testbed.TestPki;
import io.snipool.core.testbed.TestProxy;
import io.snipool.core.testbed.TlsBackend;
import io.snipool.core.testbed.TlsClient;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Backend health through a running proxy: a backend that fails its checks loses its idle pooled connections
 * ({@code backend_down}) and its share of requests until it passes again, checks never ride on pooled connections,
 * real traffic ejects a backend that answers 503, a reload keeps what was learnt, and a TLS listener's failed connects
 * count too.
 */
@ExtendWith(VertxExtension.class)
class HealthIntegrationTest {

    private static final String TWO_CHECKED = httpListener("\"127.0.0.1:${env:A}\", \"127.0.0.1:${env:B}\"",
            "health_check: { type: http, path: /healthz, interval: 200ms, timeout: 200ms, rise: 2, fall: 2 }");
    private static final String THREE_EJECTING = httpListener(
            "\"127.0.0.1:${env:A}\", \"127.0.0.1:${env:B}\", \"127.0.0.1:${env:C}\"",
            "outlier_detection: { consecutive_failures: 3, base_ejection_time: 1m }");

    /** An http listener {@code web} with one route, {@code api.test}, to {@code backends}, with {@code health}. */
    private static String httpListener(String backends, String health) {
        return """
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    mode: http
                    routes:
                      - hosts: [api.test]
                        backends: [%s]
                        %s
                access_log: { enabled: false }
                """.formatted(backends, health);
    }

    /** A passthrough listener {@code edge} with one route, {@code tls.test}, to {@code backends}, with {@code keys}. */
    private static String tlsListener(String backends, String keys) {
        return """
                listeners:
                  - name: edge
                    bind: "127.0.0.1:0"
                    mode: tls
                    routes:
                      - hosts: [tls.test]
                        backends: [%s]
                        %s
                access_log: { enabled: false }
                """.formatted(backends, keys);
    }


    private static HostPort at(FlappingBackend backend) {
        return new HostPort("127.0.0.1", backend.port());
    }

    private static List<String> eventTypes(TestProxy proxy) {
        return proxy.pools().meters().events().recent().stream().map(PoolEvents.Event::type).toList();
    }

    @Test
    void aBackendFailingItsChecksLosesItsIdleConnectionsAndItsShareUntilItPassesAgain(Vertx vertx) throws Exception {
        FlappingBackend a = Await.result(FlappingBackend.start(vertx, "a"));
        FlappingBackend b = Await.result(FlappingBackend.start(vertx, "b"));
        TestProxy proxy = TestProxy.start(vertx, TWO_CHECKED, Map.of("A", Integer.toString(a.port()),
                "B", Integer.toString(b.port())), new FakeResolver());
        try {
            BackendHealth health = proxy.server().health();
            assertThat(HealthTraffic.requests(vertx, proxy, 4)).containsOnly("200 a", "200 b");
            String label = at(a).toString();
            Await.until("a pooled connection to a sits idle", () -> proxy.pools().meters().active(label),
                    active -> active == 0);

            a.health(503);
            Await.until("a marked down", () -> health.isUp(at(a)), up -> !up);

            Await.until("a's idle connection closed for backend_down", () -> HealthTraffic.counter(proxy, PoolMeters.EVICTIONS,
                    "backend", label, "reason", "backend_down"), closed -> closed >= 1);
            long trafficBefore = a.trafficRequests();
            assertThat(HealthTraffic.requests(vertx, proxy, 6)).containsOnly("200 b");
            assertThat(a.trafficRequests()).as("no request for a backend that is down").isEqualTo(trafficBefore);
            assertThat(proxy.gauge(BackendHealthMeters.UP)).as("a 0, b 1").isEqualTo(1.0);

            a.health(200);
            Await.until("a up again", () -> health.isUp(at(a)), up -> up);
            assertThat(HealthTraffic.requests(vertx, proxy, 4)).contains("200 a", "200 b");
            assertThat(eventTypes(proxy)).containsSubsequence("backend_down", "backend_up");
            assertThat(HealthTraffic.counter(proxy, BackendHealthMeters.HEALTH_CHECKS, "backend", label, "result", "bad_status"))
                    .isGreaterThanOrEqualTo(2);

            // Checks never ride on pooled connections: every connection that carried a check carried nothing else.
            Map<Integer, List<FlappingBackend.Seen>> byConnection = a.seen().stream()
                    .collect(Collectors.groupingBy(FlappingBackend.Seen::connection));
            List<List<FlappingBackend.Seen>> checked = byConnection.values().stream()
                    .filter(requests -> requests.stream().anyMatch(FlappingBackend.Seen::healthCheck)).toList();
            assertThat(checked).hasSizeGreaterThanOrEqualTo(4).allSatisfy(requests -> assertThat(requests).hasSize(1));
        } finally {
            proxy.stop();
        }
    }

    @Test
    void realTrafficEjectsABackendAnswering503AndAReloadKeepsTheEjection(Vertx vertx) throws Exception {
        FlappingBackend a = Await.result(FlappingBackend.start(vertx, "a"));
        FlappingBackend b = Await.result(FlappingBackend.start(vertx, "b"));
        FlappingBackend c = Await.result(FlappingBackend.start(vertx, "c"));
        Map<String, String> ports = Map.of("A", Integer.toString(a.port()), "B", Integer.toString(b.port()),
                "C", Integer.toString(c.port()));
        TestProxy proxy = TestProxy.start(vertx, THREE_EJECTING, ports, new FakeResolver(), 1);
        try {
            a.traffic(503);

            List<String> answers = HealthTraffic.requests(vertx, proxy, 15);

            assertThat(answers.stream().filter("503 a"::equals)).as("a answered three times, then was ejected")
                    .hasSize(3);
            assertThat(answers.subList(9, 15)).containsOnly("200 b", "200 c");
            BackendHealth health = proxy.server().health();
            assertThat(health.isUp(at(a))).isFalse();
            String label = at(a).toString();
            assertThat(HealthTraffic.counter(proxy, BackendHealthMeters.EJECTIONS, "backend", label, "reason",
                    "bad_gateway_status")).isOne();
            assertThat(HealthTraffic.counter(proxy, BackendHealthMeters.REQUESTS, "backend", label, "code_class", "5xx"))
                    .isEqualTo(3);
            assertThat(eventTypes(proxy)).contains("backend_ejected");

            Await.result(proxy.server().reload(TestProxy.load(THREE_EJECTING.replace("${env:C}", "${env:B}"),
                    ports)));

            assertThat(health.isUp(at(a))).as("still ejected after the reload").isFalse();
            assertThat(health.snapshot()).extracting(BackendSnapshot::backend)
                    .containsExactlyInAnyOrder(label, at(b).toString());
            assertThat(HealthTraffic.requests(vertx, proxy, 4)).containsOnly("200 b");
        } finally {
            proxy.stop();
        }
    }

    @Test
    void failedConnectsOfATlsListenerEjectWithinMaxEjectionPercent(Vertx vertx) throws Exception {
        TestProxy proxy = TestProxy.start(vertx, tlsListener("\"127.0.0.1:${env:X}\", \"127.0.0.1:${env:Y}\"",
                "outlier_detection: { consecutive_failures: 2 }"), Map.of("X", Integer.toString(ClosedPort.get()), "Y", Integer.toString(ClosedPort.get())),
                new FakeResolver());
        try {
            TlsClient client = new TlsClient(new TestPki().clientContext());
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> client.backendName(proxy.port("edge"), "tls.test"))
                        .isInstanceOf(IOException.class);
            }

            assertThat(proxy.server().health().snapshot()).extracting(BackendSnapshot::phase)
                    .as("one of two may be ejected at 50%").containsExactlyInAnyOrder(HealthPhase.EJECTED,
                            HealthPhase.UP);
        } finally {
            proxy.stop();
        }
    }

    @Test
    void aPassthroughTunnelCountsForItsBackendWhileItIsOpen(Vertx vertx) throws Exception {
        TestPki pki = new TestPki();
        TlsBackend backend = Await.result(TlsBackend.start(vertx, "x", pki.leaf("tls.test")));
        TestProxy proxy = TestProxy.start(vertx, tlsListener("\"127.0.0.1:${env:X}\"", ""), Map.of("X", Integer.toString(backend.port())), new FakeResolver());
        try {
            String label = "127.0.0.1:" + backend.port();
            OpenTunnels tunnels = proxy.server().health().tunnels();
            try (SSLSocket tls = new TlsClient(pki.clientContext()).connect(proxy.port("edge"), "tls.test")) {
                assertThat(new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine()).isEqualTo("x");
                assertThat(tunnels.to(label)).as("the tunnel carrying this connection").isOne();
            }
            Await.until("the tunnel no longer counted", () -> tunnels.to(label), open -> open == 0);
        } finally {
            proxy.stop();
            Await.result(backend.close());
        }
    }
}
