package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.HttpBackend;
import io.snipool.core.testbed.TestPki;
import io.snipool.core.testbed.TestProxy;
import io.snipool.core.testbed.TlsBackend;
import io.snipool.core.testbed.TlsClient;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Weights 3:1 through real listeners, on both paths: the requests of an http listener and the tunnels of a TLS
 * passthrough route go to the weight-3 backend three times as often. Each event loop balances on its own with
 * smooth weighted round robin, whose count for a backend is within one of its exact share after any number of
 * picks; with {@link TestProxy#EVENT_LOOPS} loops the total is within that many of it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WeightedBalanceIntegrationTest {

    private static final String CONFIG = """
            listeners:
              - name: web
                bind: "127.0.0.1:0"
                mode: http
                routes:
                  - hosts: [a.test]
                    backends: [{ address: "127.0.0.1:${env:H3}", weight: 3 }, "127.0.0.1:${env:H1}"]
              - name: edge
                bind: "127.0.0.1:0"
                mode: tls
                routes:
                  - hosts: [a.test]
                    backends: [{ address: "127.0.0.1:${env:T3}", weight: 3 }, "127.0.0.1:${env:T1}"]
            metrics: { bind: "127.0.0.1:0" }
            """;

    @Test
    void weightsThreeToOneShareRequestsAndTunnelsThreeToOne(Vertx vertx) throws Exception {
        TestPki pki = new TestPki();
        TestPki.Leaf leaf = pki.leaf("a.test");
        HttpBackend heavyHttp = Await.result(HttpBackend.start(vertx, "h3"));
        HttpBackend lightHttp = Await.result(HttpBackend.start(vertx, "h1"));
        TlsBackend heavyTls = Await.result(TlsBackend.start(vertx, "t3", leaf));
        TlsBackend lightTls = Await.result(TlsBackend.start(vertx, "t1", leaf));
        Map<String, String> env = new HashMap<>();
        env.put("H3", Integer.toString(heavyHttp.port()));
        env.put("H1", Integer.toString(lightHttp.port()));
        env.put("T3", Integer.toString(heavyTls.port()));
        env.put("T1", Integer.toString(lightTls.port()));
        TestProxy proxy = TestProxy.start(vertx, CONFIG, env, new FakeResolver());
        try {
            int requests = 400;
            for (int connection = 0; connection < 4; connection++) {
                try (RawClient client = new RawClient(proxy.port("web"))) {
                    for (int i = 0; i < requests / 4; i++) {
                        assertThat(client.exchange(RawClient.get("a.test", "/" + i)).bodyText()).isIn("h3", "h1");
                    }
                }
            }
            assertThat(heavyHttp.requests() + lightHttp.requests()).isEqualTo(requests);
            assertThat(heavyHttp.requests()).isBetween(300L - TestProxy.EVENT_LOOPS, 300L + TestProxy.EVENT_LOOPS);

            int tunnels = 200;
            TlsClient tls = new TlsClient(pki.clientContext());
            for (int i = 0; i < tunnels; i++) {
                assertThat(tls.backendName(proxy.port("edge"), "a.test")).isIn("t3", "t1");
            }
            assertThat(heavyTls.accepted() + lightTls.accepted()).isEqualTo(tunnels);
            assertThat(heavyTls.accepted()).isBetween(150 - TestProxy.EVENT_LOOPS, 150 + TestProxy.EVENT_LOOPS);
            proxy.awaitAllClosed();
        } finally {
            proxy.stop();
        }
    }
}
