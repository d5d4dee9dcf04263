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
import io.vertx.core.Future;
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
    private final BackendTlsConfig verifyingOurCa = verifying(BackendTlsConfig.DEFAULT_SNI);

    private static String route(String host, SniEchoBackend backend) {
        return "{ hosts: [\"" + host + "\"], backends: [\"127.0.0.1:" + backend.port() + "\"] }";
    }

    /** A test run against one backend, through a proxy whose route for it has {@code backend_tls}. */
    private interface Scenario {
        void run(SniEchoBackend backend, ProxyUnderTest proxy, RawClient client) throws Exception;
    }

    /**
     * Starts {@code started}'s backend and a one-loop proxy whose route {@code routeHost} reaches it with {@code tls}
     * and the YAML {@code settings}, runs {@code scenario} over one client connection, and stops everything.
     */
    private static void through(Vertx vertx, Future<SniEchoBackend> started, String routeHost, String settings,
                                BackendTlsConfig tls, Scenario scenario) throws Exception {
        SniEchoBackend backend = Await.result(started);
        try (ProxyUnderTest proxy = new ProxyUnderTest(vertx, route(routeHost, backend), settings, "", 1,
                config -> BackendTlsConfigs.withBackendTls(config, routeHost, tls));
             RawClient client = new RawClient(proxy.port())) {
            scenario.run(backend, proxy, client);
        } finally {
            Await.result(backend.close());
        }
    }

    private BackendTlsConfig verifying(String sni) {
        return BackendTlsConfigs.verifying(sni, pki.caCertificate());
    }

    private static String body(RawClient client, String host) throws Exception {
        HttpWire.Response response = client.exchange(RawClient.get(host, "/"));
        assertThat(response.status()).as(response.bodyText()).isEqualTo(200);
        return response.bodyText();
    }

    @Test
    void interleavedNamesEachGetTheirOwnSniOverOneConnectionPerName(Vertx vertx) throws Exception {
        through(vertx, SniEchoBackend.start(vertx, wildLeaf), WILD, "", verifyingOurCa,
                (backend, proxy, client) -> {
            for (int i = 0; i < 20; i++) {
                String host = (i % 2 == 0 ? "x" : "y") + ".wild.test";
                assertThat(body(client, host)).as("request %d", i).isEqualTo("sni=" + host + " client=none");
            }
            assertThat(backend.connectionsBySni()).isEqualTo(Map.of("x.wild.test", 1, "y.wild.test", 1));
            assertThat(handshakes(proxy, backend, "false") + handshakes(proxy, backend, "true")).isEqualTo(2);
            assertThat(errors(proxy, backend, "verify")).isZero();
        });
    }

    @Test
    void thePoolApiShowsTheTlsPartOfEachKeyUnderOneBackendLabel(Vertx vertx) throws Exception {
        through(vertx, SniEchoBackend.start(vertx, wildLeaf), WILD, "", verifyingOurCa,
                (backend, proxy, client) -> {
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
        });
    }

    @Test
    void aReloadWithTheSameSettingsKeepsThePoolAndOtherSettingsRetireIt(Vertx vertx) throws Exception {
        through(vertx, SniEchoBackend.start(vertx, wildLeaf), WILD, "", verifying("fixed.wild.test"),
                (backend, proxy, client) -> {
            body(client, "x.wild.test");
            // Rebuilt records, a new context: the same settings, so the same key.
            Await.result(proxy.server().reload(BackendTlsConfigs.withBackendTls(proxy.server().config(), WILD,
                    verifying("fixed.wild.test"))));
            body(client, "x.wild.test");
            assertThat(backend.connections("fixed.wild.test")).as("the warm connection survived").isEqualTo(1);

            Await.result(proxy.server().reload(BackendTlsConfigs.withBackendTls(proxy.server().config(), WILD,
                    BackendTlsConfigs.unverified("fixed.wild.test"))));
            Await.until("the verified key's idle connection closed", () -> proxy.gauge(PoolMeters.IDLE),
                    idle -> idle == 0);
            body(client, "x.wild.test");
            assertThat(backend.connections("fixed.wild.test")).as("a new key, a new connection").isEqualTo(2);
        });
    }

    @Test
    void aFixedSniIsSentWhateverTheHost(Vertx vertx) throws Exception {
        through(vertx, SniEchoBackend.start(vertx, wildLeaf), WILD, "", verifying("fixed.wild.test"),
                (backend, proxy, client) -> {
            assertThat(body(client, "x.wild.test")).isEqualTo("sni=fixed.wild.test client=none");
            assertThat(body(client, "y.wild.test")).isEqualTo("sni=fixed.wild.test client=none");
            assertThat(backend.connectionsBySni()).isEqualTo(Map.of("fixed.wild.test", 1));
        });
    }

    @Test
    void aBackendSignedByAnotherCaIsA502AndAVerifyError(Vertx vertx) throws Exception {
        through(vertx, SniEchoBackend.start(vertx, new TestPki().leaf(WILD)), WILD, "", verifyingOurCa,
                (backend, proxy, client) -> {
            HttpWire.Response response = client.exchange(RawClient.get("x.wild.test", "/"));
            assertThat(response.status()).isEqualTo(502);
            assertThat(errors(proxy, backend, "verify")).isEqualTo(1);
            assertThat(backend.requests()).isZero();
            assertThat(failures(proxy, "connect_failed")).isEqualTo(1);
        });
    }

    @Test
    void aNameTheCertificateDoesNotCoverIsA502AndAVerifyError(Vertx vertx) throws Exception {
        through(vertx, SniEchoBackend.start(vertx, wildLeaf), "*.other.test", "", verifyingOurCa,
                (backend, proxy, client) -> {
            assertThat(client.exchange(RawClient.get("a.other.test", "/")).status()).isEqualTo(502);
            assertThat(errors(proxy, backend, "verify")).isEqualTo(1);
            assertThat(backend.requests()).isZero();
        });
    }

    @Test
    void withoutVerificationAnyCertificateIsAccepted(Vertx vertx) throws Exception {
        through(vertx, SniEchoBackend.start(vertx, new TestPki().leaf("elsewhere.test")), WILD, "",
                BackendTlsConfigs.unverified(BackendTlsConfig.DEFAULT_SNI),
                (backend, proxy, client) -> {
            assertThat(body(client, "x.wild.test")).isEqualTo("sni=x.wild.test client=none");
            assertThat(errors(proxy, backend, "verify")).isZero();
        });
    }

    @Test
    void aBackendThatRequiresAClientCertificateAcceptsTheConfiguredOne(Vertx vertx) throws Exception {
        TestPki clients = new TestPki();
        through(vertx, SniEchoBackend.start(vertx, wildLeaf, Optional.of(clients)), WILD, "",
                BackendTlsConfigs.withClientCertificate(verifyingOurCa, clients.leaf("client.test")),
                (backend, proxy, client) -> {
            assertThat(body(client, "x.wild.test")).isEqualTo("sni=x.wild.test client=CN=client.test");
        });
    }

    /**
     * In TLS 1.3 the client's handshake is complete before the server has judged its certificate: the refusal (an
     * alert) comes with the first read, so it is a broken exchange on a fresh connection, not a handshake error.
     */
    @Test
    void withoutTheClientCertificateTheBackendRefusesTheConnection(Vertx vertx) throws Exception {
        through(vertx, SniEchoBackend.start(vertx, wildLeaf, Optional.of(new TestPki())), WILD, "", verifyingOurCa,
                (backend, proxy, client) -> {
            assertThat(client.exchange(RawClient.get("x.wild.test", "/")).status()).isEqualTo(502);
            assertThat(failures(proxy, "backend_broke")).isEqualTo(1);
            assertThat(backend.requests()).isZero();
            assertThat(errors(proxy, backend, "verify")).isZero();
        });
    }

    @Test
    void aSecondConnectionForTheSameKeyResumesTheSession(Vertx vertx) throws Exception {
        // One request per connection: every request needs a new connection to the same key.
        through(vertx, SniEchoBackend.start(vertx, wildLeaf), WILD, "pool: { max_requests_per_connection: 1 }\n",
                verifyingOurCa, (backend, proxy, client) -> {
            for (int i = 0; i < 3; i++) {
                assertThat(body(client, "x.wild.test")).isEqualTo("sni=x.wild.test client=none");
            }
            assertThat(backend.connections("x.wild.test")).isEqualTo(3);
            assertThat(handshakes(proxy, backend, "false")).isEqualTo(1);
            assertThat(handshakes(proxy, backend, "true")).isEqualTo(2);
        });
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
