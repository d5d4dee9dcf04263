package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.BackendProtocol;
import io.snipool.config.BackendTlsConfig;
import io.snipool.config.RouteConfig;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.testbed.BackendTlsConfigs;
import io.snipool.core.testbed.GrpcStyleBackend;
import io.snipool.core.testbed.TestPki;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code backend_protocol: h2}: HTTP/2 inside {@code backend_tls}, chosen by ALPN, to a backend with a certificate of
 * the test's own CA; and the connect that fails when the backend does not choose {@code h2}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class H2BackendTlsTest {

    private final TestPki pki = new TestPki();
    private final TestPki.Leaf leaf = pki.leaf("a.test");

    /** A one-loop proxy whose route {@code a.test} reaches {@code backend} with h2 over verified TLS. */
    private ProxyUnderTest proxy(Vertx vertx, GrpcStyleBackend backend) {
        BackendTlsConfig tls = BackendTlsConfigs.verifying(BackendTlsConfig.DEFAULT_SNI, pki.caCertificate());
        return new ProxyUnderTest(vertx, "{ hosts: [a.test], backends: [\"127.0.0.1:" + backend.port() + "\"] }", "",
                "", 1, config -> BackendTlsConfigs.withRoutes(config, route -> new RouteConfig(route.hosts(),
                        route.backends(), route.proxyProtocol(), route.pool(), route.allowPrivateTargets(),
                        route.terminate(), Optional.of(tls), route.backendPolicy(), route.health(),
                        BackendProtocol.H2)));
    }

    @Test
    void requestsGoAsStreamsOfOneVerifiedTlsConnectionWithSchemeHttps(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start(new GrpcStyleBackend.Options().tls(leaf, "h2"));
             ProxyUnderTest proxy = proxy(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            for (int i = 0; i < 3; i++) {
                HttpWire.Response response = client.exchange(RawClient.get("a.test", "/tls", "x-n: " + i));
                assertThat(response.status()).as(response.bodyText()).isEqualTo(200);
                assertThat(response.bodyText()).startsWith("n=" + i + " connection=1 ");
            }
            assertThat(backend.connections()).isEqualTo(1);
            assertThat(backend.seen().get(0).headers()).containsEntry(":scheme", "https")
                    .containsEntry(":authority", "a.test");
        }
    }

    @Test
    void aBackendThatDoesNotChooseH2FailsTheConnect(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start(new GrpcStyleBackend.Options()
                .tls(leaf, "http/1.1"));
             ProxyUnderTest proxy = proxy(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.exchange(RawClient.get("a.test", "/tls"));

            assertThat(response.status()).isEqualTo(502);
            assertThat(backend.seen()).isEmpty();
            assertThat(proxy.count(PoolMeters.CONNECT_ERRORS)).isGreaterThanOrEqualTo(1);
        }
    }
}
