package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.BackendTlsConfig;
import io.snipool.config.HostPort;
import io.snipool.config.ListenerConfig;
import io.snipool.config.RouteConfig;
import io.snipool.core.backend.BackendTlsProfile;
import io.snipool.core.backend.TlsTarget;
import io.snipool.core.route.RouteMatch;
import io.snipool.core.route.RouteTable;
import io.snipool.core.testbed.BackendTlsConfigs;
import io.snipool.core.testbed.TestPki;
import io.snipool.core.testbed.TestProxy;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Pool keys are equal exactly when their connections are interchangeable: same address and policy and, for TLS, the
 * same SNI, verification, trust anchors and client certificate; and equal settings rebuilt (a reload) find the same
 * pools. How a route's backends become keys per request.
 */
class BackendKeyTest {

    private static final HostPort ADDRESS = new HostPort("10.0.0.7", 443);

    private final TestPki pki = new TestPki();
    private final TestPki otherPki = new TestPki();
    private final BackendTlsConfig verifying = BackendTlsConfigs.verifying("${host}", pki.caCertificate());

    private static BackendKey key(String sni, BackendTlsConfig config) throws Exception {
        return new BackendKey(ADDRESS, false, false, Optional.of(new TlsTarget(sni, BackendTlsProfile.of(config))));
    }

    @Test
    void theSameSettingsBuiltTwiceGiveEqualKeys() throws Exception {
        BackendKey first = key("x.wild.test", verifying);
        BackendKey rebuilt = key("x.wild.test", BackendTlsConfigs.verifying("${host}", pki.caCertificate()));
        assertThat(rebuilt).isEqualTo(first).hasSameHashCodeAs(first);
        assertThat(rebuilt.tls().get().profile()).isNotSameAs(first.tls().get().profile());
    }

    @Test
    void eachTlsSettingMakesADifferentKey() throws Exception {
        BackendKey base = key("x.wild.test", verifying);
        assertThat(key("y.wild.test", verifying)).as("another SNI").isNotEqualTo(base);
        assertThat(key("x.wild.test", BackendTlsConfigs.unverified("${host}"))).as("verify off").isNotEqualTo(base);
        assertThat(key("x.wild.test", BackendTlsConfigs.verifying("${host}", otherPki.caCertificate())))
                .as("other anchors").isNotEqualTo(base);
        assertThat(key("x.wild.test", BackendTlsConfigs.verifying("${host}"))).as("the JDK's trust store")
                .isNotEqualTo(base);
        BackendKey withClient = key("x.wild.test",
                BackendTlsConfigs.withClientCertificate(verifying, pki.leaf("client.test")));
        assertThat(withClient).as("a client certificate").isNotEqualTo(base);
        assertThat(key("x.wild.test", BackendTlsConfigs.withClientCertificate(verifying, pki.leaf("client.test"))))
                .as("another client certificate").isNotEqualTo(withClient);
        assertThat(new BackendKey(ADDRESS, false, false)).as("no TLS").isNotEqualTo(base);
    }

    @Test
    void theSniTemplateIsNotPartOfTheKeyOnlyTheNameItGave() throws Exception {
        assertThat(key("x.wild.test", BackendTlsConfigs.verifying("x.wild.test", pki.caCertificate())))
                .isEqualTo(key("x.wild.test", verifying));
    }

    @Test
    void everyKeyOfAnAddressHasItsLabel() throws Exception {
        assertThat(key("x.wild.test", verifying).label()).isEqualTo("10.0.0.7:443");
        assertThat(key("y.wild.test", BackendTlsConfigs.unverified("${host}")).label()).isEqualTo("10.0.0.7:443");
        assertThat(new BackendKey(ADDRESS, true, false).label()).isEqualTo("10.0.0.7:443");
    }

    @Test
    void aStaticBackendWithAFixedSniHasOneKeyForEveryRequest() {
        RouteConfig route = route("127.0.0.1:8443", BackendTlsConfigs.verifying("fixed.wild.test",
                pki.caCertificate()));
        BackendKeyMaker maker = maker(route);
        BackendKey fixed = maker.fixedKey().orElseThrow();
        assertThat(fixed.tls().orElseThrow().sni()).isEqualTo("fixed.wild.test");
        assertThat(made(maker, route, "x.wild.test")).isSameAs(fixed);
        assertThat(made(maker, route, "y.wild.test")).isSameAs(fixed);
    }

    @Test
    void aTemplatedSniMakesAKeyPerName() {
        RouteConfig route = route("127.0.0.1:8443", verifying);
        BackendKeyMaker maker = maker(route);
        assertThat(maker.fixedKey()).as("nothing to keep warm before a request names the SNI").isEmpty();
        BackendKey x = made(maker, route, "x.wild.test");
        assertThat(x.tls().orElseThrow().sni()).isEqualTo("x.wild.test");
        assertThat(x.address()).isEqualTo(new HostPort("127.0.0.1", 8443));
        assertThat(made(maker, route, "x.wild.test")).isEqualTo(x);
        assertThat(made(maker, route, "y.wild.test")).isNotEqualTo(x);
    }

    @Test
    void aTemplateBackendAndItsSniExpandTogether() {
        RouteConfig route = route("${host}:8443", verifying);
        BackendKey key = made(maker(route), route, "x.wild.test");
        assertThat(key.dynamic()).isTrue();
        assertThat(key.address()).isEqualTo(new HostPort("x.wild.test", 8443));
        assertThat(key.tls().orElseThrow().sni()).isEqualTo("x.wild.test");
    }

    @Test
    void anSniThatExpandsToNoHostNameIsRefused() {
        RouteConfig route = route("127.0.0.1:8443", BackendTlsConfigs.verifying("${tenant}.internal",
                pki.caCertificate()));
        RouteMatch match = new RouteMatch(route, 0, route.hosts().get(0), "x.wild.test",
                Map.of("host", "x.wild.test"));
        BackendKeyMaker.Made made = maker(route).key(match);
        assertThat(made).isInstanceOf(BackendKeyMaker.Made.Refused.class);
        assertThat(((BackendKeyMaker.Made.Refused) made).reason()).contains("sni '${tenant}.internal'");
    }

    @Test
    void aPlainStaticBackendKeepsItsOneKey() {
        RouteConfig plain = TestProxy.load(yaml("127.0.0.1:8080"), Map.of()).listeners().get(0).routes().get(0);
        BackendKeyMaker maker = maker(plain);
        assertThat(maker.fixedKey()).contains(new BackendKey(new HostPort("127.0.0.1", 8080), false, false));
        assertThat(made(maker, plain, "x.wild.test")).isSameAs(maker.fixedKey().get());
    }

    private static String yaml(String backend) {
        return "listeners:\n  - name: web\n    bind: \"127.0.0.1:0\"\n    mode: http\n    routes:\n"
                + "      - { hosts: [\"*.wild.test\"], backends: [\"" + backend + "\"] }\n";
    }

    private static RouteConfig route(String backend, BackendTlsConfig tls) {
        ListenerConfig listener = BackendTlsConfigs.withBackendTls(TestProxy.load(yaml(backend), Map.of()),
                "*.wild.test", tls).listeners().get(0);
        return listener.routes().get(0);
    }

    private static BackendKeyMaker maker(RouteConfig route) {
        return BackendKeyMaker.forRoute("web", route).get(route.backends().get(0));
    }

    private static BackendKey made(BackendKeyMaker maker, RouteConfig route, String host) {
        RouteMatch match = RouteTable.of(java.util.List.of(route)).match(host).orElseThrow();
        return ((BackendKeyMaker.Made.Key) maker.key(match)).key();
    }
}
