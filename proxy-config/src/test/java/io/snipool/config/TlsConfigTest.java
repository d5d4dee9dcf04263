package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static io.snipool.config.TlsFiles.certificates;
import static io.snipool.config.TlsFiles.edge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Valid TLS settings and the records they produce: certificates read, defaults, warnings, the choice by SNI. */
class TlsConfigTest {

    @TempDir
    static Path dir;
    private static TestPki.Issued aLeaf;

    /** The example of issue 12, with the test's files. */
    private static final String EDGE = """
            listeners:
              - name: edge
                bind: 0.0.0.0:8443
                mode: tls
                tls:
                  certificates:
                    - cert: certs/a.pem
                      key: certs/a.key
                    - cert: certs/wild.pem
                      key: certs/wild.key
                      default: false
                  min_version: TLSv1.3
                  alpn: [http/1.1]
                  provider: openssl
                routes:
                  - hosts: ["a.example.test"]
                    terminate: true
                    backends: ["127.0.0.1:9000"]
                    pool: { max_idle_per_host: 3 }
                  - hosts: ["*.wild.test"]
                    terminate: true
                    backends: ["10.0.0.7:443"]
                    backend_tls:
                      sni: "${host}"
                      verify: true
                      ca: certs/ca.pem
                      cert: certs/sec1.pem
                      key: certs/sec1.key
                  - hosts: ["pass.example.test"]
                    backends: ["127.0.0.1:9444"]
                    proxy_protocol: v2
            """;

    @BeforeAll
    static void writeFiles() {
        aLeaf = TlsFiles.writeAll(dir);
    }

    private static ProxyConfig parse(String yaml) throws InvalidConfigException {
        return new ConfigLoader(Map.<String, String>of()::get).parse(yaml, "tls.yaml", dir);
    }

    @Test
    void readsEveryTlsKey() throws Exception {
        ListenerConfig edge = parse(EDGE).listeners().get(0);

        TlsSettings tls = edge.tls().orElseThrow();
        assertThat(tls.minVersion()).isEqualTo(TlsSettings.Version.TLSV1_3);
        assertThat(tls.alpn()).containsExactly("http/1.1");
        assertThat(tls.provider()).isEqualTo(TlsSettings.Provider.OPENSSL);
        assertThat(tls.certificates()).extracting(TlsSettings.CertificateConfig::certPath)
                .containsExactly("certs/a.pem", "certs/wild.pem");
        assertThat(tls.certificates()).extracting(TlsSettings.CertificateConfig::keyPath)
                .containsExactly("certs/a.key", "certs/wild.key");
        assertThat(tls.certificates()).noneMatch(TlsSettings.CertificateConfig::isDefault);
        CertifiedKey a = tls.certificates().get(0).material();
        assertThat(a.leaf()).isEqualTo(aLeaf.certificate());
        assertThat(a.chain()).hasSize(2);
        assertThat(a.key().getEncoded()).isEqualTo(aLeaf.key().getEncoded());
        assertThat(a.dnsNames()).containsExactly("a.example.test", "www.example.test");
        CertifiedKey wild = tls.certificates().get(1).material();
        assertThat(wild.key().getAlgorithm()).as("read from PKCS#1").isEqualTo("RSA");
        assertThat(wild.dnsNames()).containsExactly("*.wild.test", "wild.test");

        RouteConfig terminating = edge.routes().get(0);
        assertThat(terminating.terminate()).isTrue();
        assertThat(terminating.backendTls()).isEmpty();
        assertThat(terminating.pool().maxIdlePerHost()).as("pool settings apply to a terminating route").isEqualTo(3);

        BackendTlsConfig backendTls = edge.routes().get(1).backendTls().orElseThrow();
        assertThat(backendTls.sni()).isEqualTo("${host}");
        assertThat(backendTls.verify()).isTrue();
        assertThat(backendTls.caPath()).contains("certs/ca.pem");
        assertThat(backendTls.trustAnchors()).extracting(X509Certificate::getSubjectX500Principal)
                .extracting(Object::toString).containsExactly("CN=Test Root");
        assertThat(backendTls.clientCertPath()).contains("certs/sec1.pem");
        assertThat(backendTls.clientCertificate().orElseThrow().dnsNames()).containsExactly("sec1.test");
        assertThat(backendTls.clientCertificate().orElseThrow().key().getAlgorithm()).as("read from SEC1")
                .isEqualTo("EC");

        RouteConfig passthrough = edge.routes().get(2);
        assertThat(passthrough.terminate()).isFalse();
        assertThat(passthrough.proxyProtocol()).isEqualTo(ProxyProtocol.V2);
        assertThat(parse(EDGE).warnings()).isEmpty();
    }

    @Test
    void defaults() throws Exception {
        ProxyConfig config = parse("""
                listeners:
                  - name: edge
                    bind: 127.0.0.1:0
                    mode: tls
                    tls: { certificates: [ { cert: certs/ed.pem, key: certs/ed.key } ] }
                    routes: [ { hosts: [ed.test], backends: ["b:1"], terminate: true } ]
                  - name: web
                    bind: 127.0.0.1:0
                    mode: http
                    routes: [ { hosts: [w.test], backends: ["b:1"], backend_tls: {} } ]
                """);

        TlsSettings tls = config.listeners().get(0).tls().orElseThrow();
        assertThat(tls.minVersion()).isEqualTo(TlsSettings.Version.TLSV1_2);
        assertThat(tls.alpn()).as("h2 first by default").containsExactly("h2", "http/1.1");
        assertThat(tls.provider()).isEqualTo(TlsSettings.Provider.AUTO);
        assertThat(tls.certificates().get(0).material().key().getAlgorithm()).isIn("EdDSA", "Ed25519");
        assertThat(config.listeners().get(1).tls()).isEmpty();
        RouteConfig plain = config.listeners().get(1).routes().get(0);
        assertThat(plain.terminate()).as("an http listener's routes never set terminate").isFalse();
        assertThat(plain.backendTls()).contains(new BackendTlsConfig("${host}", true, Optional.empty(), List.of(),
                Optional.empty(), Optional.empty(), Optional.empty()));
    }

    @Test
    void choicesIgnoreCaseAndSniMayBeALiteralOrARegexGroup() throws Exception {
        ProxyConfig config = parse("""
                listeners:
                  - name: web
                    bind: 127.0.0.1:0
                    mode: http
                    routes:
                      - { hosts: [a.test], backends: ["b:1"], backend_tls: { sni: Backend.Internal. } }
                      - hosts: ["~^(?<tenant>[a-z]+)\\\\.apps\\\\.test$"]
                        backends: ["b:1"]
                        backend_tls: { sni: "${tenant}.internal" }
                  - name: edge
                    bind: 127.0.0.1:0
                    mode: tls
                    tls: { certificates: [ { cert: certs/ed.pem, key: certs/ed.key } ], min_version: tlsV1.3 }
                    routes: [ { hosts: [ed.test], backends: ["b:1"], terminate: true } ]
                """);

        List<RouteConfig> routes = config.listeners().get(0).routes();
        BackendTlsConfig literal = routes.get(0).backendTls().orElseThrow();
        assertThat(literal.sni()).isEqualTo("backend.internal");
        assertThat(literal.sniFor(Map.of("host", "a.test"))).isEqualTo("backend.internal");
        BackendTlsConfig template = routes.get(1).backendTls().orElseThrow();
        assertThat(template.sniFor(Map.of("host", "acme.apps.test", "tenant", "acme"))).isEqualTo("acme.internal");
        assertThat(config.listeners().get(1).tls().orElseThrow().minVersion())
                .isEqualTo(TlsSettings.Version.TLSV1_3);
    }

    @Test
    void relativePathsResolveAgainstTheConfigurationFilesDirectory() throws Exception {
        Path file = Files.writeString(dir.resolve("snipool.yaml"), EDGE);

        ProxyConfig config = new ConfigLoader(name -> null).load(file);

        assertThat(Path.of("").toAbsolutePath()).as("the test runs elsewhere").isNotEqualTo(dir);
        assertThat(config.listeners().get(0).tls().orElseThrow().certificates()).hasSize(2);
    }

    @Test
    void aCertificateExpiringSoonAndUnverifiedBackendsAreWarnings() throws Exception {
        ProxyConfig config = parse(edge(certificates("{ cert: certs/soon.pem, key: certs/soon.key }"), """
                      - hosts: [soon.test]
                        backends: ["b:1"]
                        terminate: true
                        backend_tls: { verify: false }
                """));

        assertThat(config.warnings()).extracting(ConfigProblem::path, ConfigProblem::line).containsExactly(
                tuple("listeners[0].tls.certificates[0].cert", 7),
                tuple("listeners[0].routes[0].backend_tls.verify", 12));
        assertThat(config.warnings().get(0).message()).matches("'certs/soon\\.pem': the certificate"
                + " \\(CN=soon\\.test\\) expires in 5 days, at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z");
        assertThat(config.warnings().get(1).message()).isEqualTo("verify: false: the backend's certificate is not"
                + " checked, so anyone on the path to it can read and change the traffic");
        assertThat(config.listeners().get(0).routes().get(0).backendTls().orElseThrow().verify()).isFalse();
    }

    @Test
    void theCertificateForAnSniIsExactThenWildcardThenTheDefault() throws Exception {
        ProxyConfig config = parse(edge(certificates("{ cert: certs/wild.pem, key: certs/wild.key }",
                "{ cert: certs/sec1.pem, key: certs/sec1.key, default: true }",
                "{ cert: certs/a.pem, key: certs/a.key }"),
                "      - { hosts: [\"*\"], backends: [\"b:1\"], terminate: true }\n"));
        TlsSettings tls = config.listeners().get(0).tls().orElseThrow();

        assertThat(chosen(tls, "a.example.test")).isEqualTo("certs/a.pem");
        assertThat(chosen(tls, "WWW.Example.Test.")).isEqualTo("certs/a.pem");
        assertThat(chosen(tls, "x.wild.test")).isEqualTo("certs/wild.pem");
        assertThat(chosen(tls, "wild.test")).isEqualTo("certs/wild.pem");
        assertThat(chosen(tls, "x.y.wild.test")).as("one label only").isEqualTo("certs/sec1.pem");
        assertThat(chosen(tls, "unknown.test")).isEqualTo("certs/sec1.pem");
        assertThat(tls.certificateFor(Optional.empty()).orElseThrow().certPath()).isEqualTo("certs/sec1.pem");

        TlsSettings noDefault = new TlsSettings(List.of(tls.certificates().get(0), tls.certificates().get(2)),
                tls.minVersion(), tls.alpn(), tls.provider());
        assertThat(noDefault.certificateFor(Optional.of("unknown.test"))).isEmpty();
        assertThat(noDefault.certificateFor(Optional.empty())).isEmpty();
    }

    @Test
    void anExactNameWinsOverAnEarlierWildcard() throws Exception {
        CertifiedKey key = parse(EDGE).listeners().get(0).tls().orElseThrow().certificates().get(0).material();
        TlsSettings.CertificateConfig wildcard = new TlsSettings.CertificateConfig("wild", "k", false,
                new CertifiedKey(key.chain(), key.key(), List.of("*.example.test")));
        TlsSettings.CertificateConfig exact = new TlsSettings.CertificateConfig("exact", "k", false,
                new CertifiedKey(key.chain(), key.key(), List.of("a.example.test")));
        TlsSettings tls = new TlsSettings(List.of(wildcard, exact), TlsSettings.DEFAULT_MIN_VERSION,
                TlsSettings.DEFAULT_ALPN, TlsSettings.DEFAULT_PROVIDER);

        assertThat(chosen(tls, "a.example.test")).isEqualTo("exact");
        assertThat(chosen(tls, "b.example.test")).isEqualTo("wild");
    }

    private static String chosen(TlsSettings tls, String sni) {
        return tls.certificateFor(Optional.of(sni)).orElseThrow().certPath();
    }
}
