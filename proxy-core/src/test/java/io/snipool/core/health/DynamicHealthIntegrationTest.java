package io.snipool.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.metrics.BackendHealthMeters;
import io.snipool.core.metrics.ProxyMetrics;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Passive ejection of addresses expanded from template backends, through a running proxy: {@code ${host}} expands
 * to {@code api.test}, which the test's resolver maps to loopback, so each template names one test backend by its
 * port. An address that keeps answering 503 is ejected and passed over; alone, it is still used (fail open).
 */
@ExtendWith(VertxExtension.class)
class DynamicHealthIntegrationTest {

    private static String config(String backends) {
        return """
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    mode: http
                    routes:
                      - hosts: [api.test]
                        backends: [%s]
                        allow_private_targets: true
                        outlier_detection: { consecutive_failures: 2, base_ejection_time: 1m }
                access_log: { enabled: false }
                """.formatted(backends);
    }


    private static FakeResolver loopback() {
        return new FakeResolver().add("api.test", "127.0.0.1");
    }

    @Test
    void anExpandedAddressAnswering503IsEjectedAndPassedOverLabelledByItsTemplate(Vertx vertx) throws Exception {
        FlappingBackend a = Await.result(FlappingBackend.start(vertx, "a"));
        FlappingBackend b = Await.result(FlappingBackend.start(vertx, "b"));
        TestProxy proxy = TestProxy.start(vertx, config("\"${host}:${env:A}\", \"${host}:${env:B}\""),
                Map.of("A", Integer.toString(a.port()), "B", Integer.toString(b.port())), loopback(), 1);
        try {
            a.traffic(503);

            List<String> answers = HealthTraffic.requests(vertx, proxy, 12);

            assertThat(answers.stream().filter("503 a"::equals)).as("a answered twice, then was ejected").hasSize(2);
            assertThat(answers.subList(4, 12)).containsOnly("200 b");
            long seenByA = a.trafficRequests();
            assertThat(HealthTraffic.requests(vertx, proxy, 4)).containsOnly("200 b");
            assertThat(a.trafficRequests()).as("no request for the ejected address").isEqualTo(seenByA);

            BackendHealth health = proxy.server().health();
            assertThat(health.dynamicEjectedCount()).isOne();
            String template = "${host}:" + a.port();
            assertThat(HealthTraffic.counter(proxy, BackendHealthMeters.EJECTIONS, "backend", template, "reason",
                    "bad_gateway_status")).isOne();
            assertThat(HealthTraffic.counter(proxy, BackendHealthMeters.REQUESTS, "backend", template, "code_class", "5xx"))
                    .isEqualTo(2);
            assertThat(proxy.registry().find(BackendHealthMeters.EJECTIONS).counters())
                    .as("never the resolved address as a label").allSatisfy(ejections ->
                            assertThat(ejections.getId().getTag("backend")).startsWith("${host}:"));
        } finally {
            proxy.stop();
        }
    }

    @Test
    void anEjectedAddressThatIsTheOnlyCandidateIsStillUsed(Vertx vertx) throws Exception {
        FlappingBackend a = Await.result(FlappingBackend.start(vertx, "a"));
        TestProxy proxy = TestProxy.start(vertx, config("\"${host}:${env:A}\""),
                Map.of("A", Integer.toString(a.port())), loopback(), 1);
        try {
            a.traffic(503);

            assertThat(HealthTraffic.requests(vertx, proxy, 4)).containsOnly("503 a");

            assertThat(proxy.server().health().dynamicEjectedCount()).as("ejected after two").isOne();
            a.traffic(200);
            assertThat(HealthTraffic.requests(vertx, proxy, 2)).as("fail open: still used").containsOnly("200 a");
        } finally {
            proxy.stop();
        }
    }

    @Test
    void aPassthroughRouteEjectsAnExpandedAddressForFailedConnects(Vertx vertx) throws Exception {
        // After its failed connect the selector also backs x off for 5 s, so this shows the ejection and that the
        // ejected address is not dialled; that it is passed over, not merely ordered last, the HTTP test above shows.
        TestPki pki = new TestPki();
        TlsBackend y = Await.result(TlsBackend.start(vertx, "y", pki.leaf("tls.test")));
        int closed = ClosedPort.get();
        TestProxy proxy = TestProxy.start(vertx, """
                listeners:
                  - name: edge
                    bind: "127.0.0.1:0"
                    mode: tls
                    routes:
                      - hosts: [tls.test]
                        backends: ["${host}:${env:X}", "${host}:${env:Y}"]
                        allow_private_targets: true
                        outlier_detection: { consecutive_failures: 1, base_ejection_time: 1m }
                access_log: { enabled: false }
                """, Map.of("X", Integer.toString(closed), "Y", Integer.toString(y.port())),
                new FakeResolver().add("tls.test", "127.0.0.1"), 1);
        try {
            TlsClient client = new TlsClient(pki.clientContext());
            for (int i = 0; i < 4; i++) {
                assertThat(client.backendName(proxy.port("edge"), "tls.test")).as("retried on y").isEqualTo("y");
            }
            assertThat(proxy.server().health().dynamicEjectedCount()).isOne();
            assertThat(HealthTraffic.counter(proxy, BackendHealthMeters.EJECTIONS, "backend", "${host}:" + closed, "reason",
                    "connect_failure")).isOne();
            double refused = HealthTraffic.counter(proxy, ProxyMetrics.BACKEND_CONNECT_ERRORS);

            for (int i = 0; i < 4; i++) {
                assertThat(client.backendName(proxy.port("edge"), "tls.test")).isEqualTo("y");
            }

            assertThat(HealthTraffic.counter(proxy, ProxyMetrics.BACKEND_CONNECT_ERRORS)).as("the ejected address not dialled")
                    .isEqualTo(refused);
        } finally {
            proxy.stop();
        }
    }
}
