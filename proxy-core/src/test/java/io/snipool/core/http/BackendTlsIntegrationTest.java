package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.snipool.config.BackendTlsConfig;
import io.snipool.core.metrics.BackendTlsMeters;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.metrics.RequestMeters;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.BackendTlsConfigs;
import io.snipool.core.testbed.SniEchoBackend;
import io.snipool.core.testbed.TestPki;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code backend_tls} end to end: an HTTP listener re-encrypts to an HTTPS backend that answers with the SNI it saw,
 * over pooled connections keyed by SNI; verification failures are 502s and counted; resumption is counted.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackendTlsIntegrationTest {

    private static final String WILD = "*.wild.test";

    private final TestPki pki = new TestPki();
    private final TestPki.Leaf wildLeaf = pki.leaf(WILD);

    private static String route(String host, SniEchoBackend backend) {
        return "{ hosts: [\"" + host + "\"], backends: [\"127.0.0.1:" + backend.port() + "\"] }";
    }

    private static ProxyUnderTest proxy(Vertx vertx, String routes, String settings, String host,
                                        BackendTlsConfig tls) {
        return new ProxyUnderTest(vertx, routes, settings, "", 1,
                config -> BackendTlsConfigs.withBackendTls(config, host, tls));
    }

    private static String body(RawClient client, String host) throws Exception {
        HttpWire.Response response = client.exchange(RawClient.get(host, "/"));
        assertThat(response.status()).as(response.bodyText()).isEqualTo(200);
        return response.bodyText();
    }

    @Test
    void interleavedNamesEachGetTheirOwnSniOverOneConnectionPerName(Vertx vertx) throws Exception {
        SniEchoBackend backend = Await.result(SniEchoBackend.start(vertx, wildLeaf));
        try (ProxyUnderTest proxy = proxy(vertx, route(WILD, backend), "", WILD,
                BackendTlsConfigs.verifying(BackendTlsConfig.DEFAULT_SNI, pki.caCertificate()));
             RawClient client = new RawClient(proxy.port())) {
            for (int i = 0; i < 20; i++) {
                String host = (i % 2 == 0 ? "x" : "y") + ".wild.test";
                assertThat(body(client, host)).as("request %d", i).isEqualTo("sni=" + host + " client=none");
            }
            assertThat(backend.connectionsBySni()).isEqualTo(Map.of("x.wild.test", 1, "y.wild.test", 1));
            assertThat(handshakes(proxy, backend, "false") + handshakes(proxy, backend, "true")).isEqualTo(2);
            assertThat(errors(proxy, backend, "verify")).isZero();
        } finally {
            Await.result(backend.close());
        }
    }

    @Test
    void thePoolApiShowsTheTlsPartOfEachKeyUnderOneBackendLabel(Vertx vertx) throws Exception {
        SniEchoBackend backend = Await.result(SniEchoBackend.start(vertx, wildLeaf));
        try (ProxyUnderTest proxy = proxy(vertx, route(WILD, backend), "", WILD,
                BackendTlsConfigs.verifying(BackendTlsConfig.DEFAULT_SNI, pki.caCertificate()));
             RawClient client = new RawClient(proxy.port())) {
            body(client, "y.wild.test");
            body(client, "x.wild.test");
            JsonArray pools = PoolReport.pools(proxy.server().pools()).get(10, TimeUnit.SECONDS);
            assertThat(pools).hasSize(1);
            JsonObject pool = pools.getJsonObject(0);
            assertThat(pool.getString("backend")).isEqualTo("127.0.0.1:" + backend.port());
            assertThat(pool.getLong("idle")).isEqualTo(2);
            List<JsonObject> tls = pool.getJsonArray("keys").stream().map(JsonObject.class::cast)
                    .map(key -> key.getJsonObject("tls")).toList();
            assertThat(tls).extracting(part -> part.getString("sni")).containsExactly("x.wild.test", "y.wild.test");
            assertThat(tls).extracting(part -> part.getBoolean("verify")).containsOnly(true);
            assertThat(tls).extracting(part -> part.getString("profile")).doesNotContainNull().hasSize(2)
                    .allMatch(profile -> profile.equals(tls.get(0).getString("profile")));
        } finally {
            Await.result(backend.close());
        }
    }

    @Test
    void aReloadWithTheSameSettingsKeepsThePoolAndOtherSettingsRetireIt(Vertx vertx) throws Exception {
        SniEchoBackend backend = Await.result(SniEchoBackend.start(vertx, wildLeaf));
        try (ProxyUnderTest proxy = proxy(vertx, route(WILD, backend), "", WILD,
                BackendTlsConfigs.verifying("fixed.wild.test", pki.caCertificate()));
             RawClient client = new RawClient(proxy.port())) {
            body(client, "x.wild.test");
            // Rebuilt records, a new context: the same settings, so the same key.
            Await.result(proxy.server().reload(BackendTlsConfigs.withBackendTls(proxy.server().config(), WILD,
                    BackendTlsConfigs.verifying("fixed.wild.test", pki.caCertificate()))));
            body(client, "x.wild.test");
            assertThat(backend.connections("fixed.wild.test")).as("the warm connection survived").isEqualTo(1);

            Await.result(proxy.server().reload(BackendTlsConfigs.withBackendTls(proxy.server().config(), WILD,
                    BackendTlsConfigs.unverified("fixed.wild.test"))));
            Await.until("the verified key's idle connection closed", () -> proxy.gauge(PoolMeters.IDLE),
                    idle -> idle == 0);
            body(client, "x.wild.test");
            assertThat(backend.connections("fixed.wild.test")).as("a new key, a new connection").isEqualTo(2);
        } finally {
            Await.result(backend.close());
        }
    }

    @Test
    void aFixedSniIsSentWhateverTheHost(Vertx vertx) throws Exception {
        SniEchoBackend backend = Await.result(SniEchoBackend.start(vertx, wildLeaf));
        try (ProxyUnderTest proxy = proxy(vertx, route(WILD, backend), "", WILD,
                BackendTlsConfigs.verifying("fixed.wild.test", pki.caCertificate()));
             RawClient client = new RawClient(proxy.port())) {
            assertThat(body(client, "x.wild.test")).isEqualTo("sni=fixed.wild.test client=none");
            assertThat(body(client, "y.wild.test")).isEqualTo("sni=fixed.wild.test client=none");
            assertThat(backend.connectionsBySni()).isEqualTo(Map.of("fixed.wild.test", 1));
        } finally {
            Await.result(backend.close());
        }
    }

    @Test
    void aBackendSignedByAnotherCaIsA502AndAVerifyError(Vertx vertx) throws Exception {
        SniEchoBackend backend = Await.result(SniEchoBackend.start(vertx, new TestPki().leaf(WILD)));
        try (ProxyUnderTest proxy = proxy(vertx, route(WILD, backend), "", WILD,
                BackendTlsConfigs.verifying(BackendTlsConfig.DEFAULT_SNI, pki.caCertificate()));
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.exchange(RawClient.get("x.wild.test", "/"));
            assertThat(response.status()).isEqualTo(502);
            assertThat(errors(proxy, backend, "verify")).isEqualTo(1);
            assertThat(backend.requests()).isZero();
            assertThat(failures(proxy, "connect_failed")).isEqualTo(1);
        } finally {
            Await.result(backend.close());
        }
    }

    @Test
    void aNameTheCertificateDoesNotCoverIsA502AndAVerifyError(Vertx vertx) throws Exception {
        SniEchoBackend backend = Await.result(SniEchoBackend.start(vertx, wildLeaf));
        try (ProxyUnderTest proxy = proxy(vertx, route("*.other.test", backend), "", "*.other.test",
                BackendTlsConfigs.verifying(BackendTlsConfig.DEFAULT_SNI, pki.caCertificate()));
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.exchange(RawClient.get("a.other.test", "/")).status()).isEqualTo(502);
            assertThat(errors(proxy, backend, "verify")).isEqualTo(1);
            assertThat(backend.requests()).isZero();
        } finally {
            Await.result(backend.close());
        }
    }

    @Test
    void withoutVerificationAnyCertificateIsAccepted(Vertx vertx) throws Exception {
        SniEchoBackend backend = Await.result(SniEchoBackend.start(vertx, new TestPki().leaf("elsewhere.test")));
        try (ProxyUnderTest proxy = proxy(vertx, route(WILD, backend), "", WILD,
                BackendTlsConfigs.unverified(BackendTlsConfig.DEFAULT_SNI));
             RawClient client = new RawClient(proxy.port())) {
            assertThat(body(client, "x.wild.test")).isEqualTo("sni=x.wild.test client=none");
            assertThat(errors(proxy, backend, "verify")).isZero();
        } finally {
            Await.result(backend.close());
        }
    }

    @Test
    void aBackendThatRequiresAClientCertificateAcceptsTheConfiguredOne(Vertx vertx) throws Exception {
        TestPki clients = new TestPki();
        SniEchoBackend backend = Await.result(SniEchoBackend.start(vertx, wildLeaf, Optional.of(clients)));
        BackendTlsConfig verifying = BackendTlsConfigs.verifying(BackendTlsConfig.DEFAULT_SNI, pki.caCertificate());
        try (ProxyUnderTest proxy = proxy(vertx, route(WILD, backend), "", WILD,
                BackendTlsConfigs.withClientCertificate(verifying, clients.leaf("client.test")));
             RawClient client = new RawClient(proxy.port())) {
            assertThat(body(client, "x.wild.test")).isEqualTo("sni=x.wild.test client=CN=client.test");
        } finally {
            Await.result(backend.close());
        }
    }

    /**
     * In TLS 1.3 the client's handshake is complete before the server has judged its certificate: the refusal (an
     * alert) comes with the first read, so it is a broken exchange on a fresh connection, not a handshake error.
     */
    @Test
    void withoutTheClientCertificateTheBackendRefusesTheConnection(Vertx vertx) throws Exception {
        SniEchoBackend backend = Await.result(SniEchoBackend.start(vertx, wildLeaf, Optional.of(new TestPki())));
        try (ProxyUnderTest proxy = proxy(vertx, route(WILD, backend), "", WILD,
                BackendTlsConfigs.verifying(BackendTlsConfig.DEFAULT_SNI, pki.caCertificate()));
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.exchange(RawClient.get("x.wild.test", "/")).status()).isEqualTo(502);
            assertThat(failures(proxy, "backend_broke")).isEqualTo(1);
            assertThat(backend.requests()).isZero();
            assertThat(errors(proxy, backend, "verify")).isZero();
        } finally {
            Await.result(backend.close());
        }
    }

    @Test
    void aSecondConnectionForTheSameKeyResumesTheSession(Vertx vertx) throws Exception {
        SniEchoBackend backend = Await.result(SniEchoBackend.start(vertx, wildLeaf));
        // One request per connection: every request needs a new connection to the same key.
        try (ProxyUnderTest proxy = proxy(vertx, route(WILD, backend), "pool: { max_requests_per_connection: 1 }\n",
                WILD, BackendTlsConfigs.verifying(BackendTlsConfig.DEFAULT_SNI, pki.caCertificate()));
             RawClient client = new RawClient(proxy.port())) {
            for (int i = 0; i < 3; i++) {
                assertThat(body(client, "x.wild.test")).isEqualTo("sni=x.wild.test client=none");
            }
            assertThat(backend.connections("x.wild.test")).isEqualTo(3);
            assertThat(handshakes(proxy, backend, "false")).isEqualTo(1);
            assertThat(handshakes(proxy, backend, "true")).isEqualTo(2);
        } finally {
            Await.result(backend.close());
        }
    }

    private static double handshakes(ProxyUnderTest proxy, SniEchoBackend backend, String resumed) {
        return count(proxy, BackendTlsMeters.HANDSHAKES, backend, "resumed", resumed);
    }

    private static double errors(ProxyUnderTest proxy, SniEchoBackend backend, String reason) {
        return count(proxy, BackendTlsMeters.ERRORS, backend, "reason", reason);
    }

    private static double count(ProxyUnderTest proxy, String name, SniEchoBackend backend, String tag, String value) {
        Counter counter = proxy.registry().find(name).tag("backend", "127.0.0.1:" + backend.port()).tag(tag, value)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static double failures(ProxyUnderTest proxy, String kind) {
        return proxy.registry().find(RequestMeters.REQUEST_FAILURES).tag("kind", kind).counters().stream()
                .mapToDouble(Counter::count).sum();
    }
}
