package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static io.snipool.config.TlsFiles.certificates;
import static io.snipool.config.TlsFiles.edge;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every mistake in the TLS settings and their files: reported with its key path and line, all at once. */
class TlsConfigErrorsTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeFiles() {
        TlsFiles.writeAll(dir);
    }

    private static List<String> problems(String yaml) {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> new ConfigLoader(Map.<String, String>of()::get).parse(yaml, "bad.yaml", dir));
        assertThat(e).as("expected the file to be refused").isNotNull();
        return e.problems().stream().map(TlsConfigErrorsTest::pathLineMessage).toList();
    }

    private static String only(String yaml) {
        List<String> found = problems(yaml);
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    /** {@code path (line N): message}: the column is ConfigErrorsTest's business. */
    private static String pathLineMessage(ConfigProblem problem) {
        return problem.path() + " (line " + problem.line() + "): " + problem.message();
    }

    /** The certificates of a.example.test and *.wild.test, lines 5-8. */
    private static final String TWO_CERTIFICATES = certificates("{ cert: certs/a.pem, key: certs/a.key }",
            "{ cert: certs/wild.pem, key: certs/wild.key }");

    private static final String TERMINATING_ROUTE =
            "      - { hosts: [a.example.test], backends: [\"127.0.0.1:9000\"], terminate: true }\n";

    @Test
    void tlsBelongsToTlsListeners() {
        assertThat(only(edge(TWO_CERTIFICATES, "      - { hosts: [a.example.test], backends: [\"b:1\"] }\n")
                .replace("mode: tls", "mode: http"))).isEqualTo("listeners[0].tls (line 5): tls applies only to"
                + " mode: tls listeners; an http listener takes plain HTTP (serve HTTPS from a tls listener with"
                + " terminate: true)");
    }

    @Test
    void terminateOnAnHttpListenerIsRefusedBecauseItAlwaysTerminates() {
        assertThat(only(edge("", TERMINATING_ROUTE).replace("mode: tls", "mode: http"))).isEqualTo(
                "listeners[0].routes[0].terminate (line 6): terminate applies only to routes of tls listeners; an"
                        + " http listener always terminates: it reads every request itself");
    }

    @Test
    void terminateNeedsTheListenersCertificates() {
        assertThat(only(edge("", TERMINATING_ROUTE))).isEqualTo("listeners[0].routes[0].terminate (line 6):"
                + " terminate: true needs certificates: add a tls block with certificates to this listener");
    }

    @Test
    void certificatesThatNoRouteServesAreRefused() {
        assertThat(only(edge(TWO_CERTIFICATES, "      - { hosts: [a.example.test], backends: [\"b:1\"] }\n")))
                .isEqualTo("listeners[0].tls (line 5): no route of this listener terminates, so its certificates"
                        + " would never be served; set terminate: true on the routes to decrypt, or remove tls");
    }

    @Test
    void passthroughRoutesTakeNoBackendTlsAndNoPool() {
        List<String> found = problems(edge(TWO_CERTIFICATES, TERMINATING_ROUTE + """
                      - hosts: [pass.test]
                        backends: ["b:1"]
                        backend_tls: { verify: true }
                        pool: { idle_timeout: 1s }
                """));
        assertThat(found).containsExactly(
                "listeners[0].routes[1].backend_tls (line 13): backend_tls needs terminate: true; a passthrough"
                        + " route tunnels the client's TLS bytes to the backend untouched",
                "listeners[0].routes[1].pool (line 14): pool settings apply only to pooled routes (http listeners,"
                        + " terminate: true); a passthrough route tunnels each connection to its own backend socket");
    }

    @Test
    void aTerminatingRouteSendsNoProxyHeaderBecauseItsBackendConnectionsArePooled() {
        assertThat(only(edge(TWO_CERTIFICATES, TERMINATING_ROUTE.replace(" }", ", proxy_protocol: v2 }"))))
                .isEqualTo("listeners[0].routes[0].proxy_protocol (line 10): proxy_protocol is only supported on"
                        + " passthrough routes of tls listeners: a pooled HTTP backend connection carries requests"
                        + " of many clients");
    }

    @Test
    void protocolVersionsAlpnAndProvider() {
        List<String> found = problems(edge(TWO_CERTIFICATES + """
                      min_version: TLSv1.1
                      alpn: [http/1.1, h2c, http/1.1, "http 1.1", ""]
                      provider: boringssl
                """, TERMINATING_ROUTE));
        assertThat(found).containsExactly(
                "listeners[0].tls.min_version (line 9): 'TLSv1.1' is refused: TLS 1.0 and 1.1 are deprecated (RFC"
                        + " 8996: no AEAD cipher, SHA-1 in the handshake) and SSL is broken; use TLSv1.2 or TLSv1.3",
                "listeners[0].tls.alpn[1] (line 10): 'h2c': only h2 and http/1.1 are served",
                "listeners[0].tls.alpn[2] (line 10): 'http/1.1' is listed twice",
                "listeners[0].tls.alpn[3] (line 10): 'http 1.1' is not a protocol id: printable ASCII without"
                        + " spaces, such as http/1.1",
                "listeners[0].tls.alpn[4] (line 10): a protocol id is 1 to 255 bytes (RFC 7301 §3.1), got 0",
                "listeners[0].tls.provider (line 11): expected one of auto, openssl, jdk; got 'boringssl'");

        assertThat(only(edge(TWO_CERTIFICATES + "      min_version: tlsv1.4\n", TERMINATING_ROUTE)))
                .isEqualTo("listeners[0].tls.min_version (line 9): expected one of TLSv1.2, TLSv1.3; got 'tlsv1.4'"
                        + " (did you mean 'TLSv1.2'?)");
        assertThat(only(edge(TWO_CERTIFICATES + "      alpn: []\n", TERMINATING_ROUTE)))
                .isEqualTo("listeners[0].tls.alpn (line 9): alpn must list at least one entry");
        assertThat(only(edge(TWO_CERTIFICATES + "      alpn: [" + "x".repeat(256) + "]\n", TERMINATING_ROUTE)))
                .isEqualTo("listeners[0].tls.alpn[0] (line 9): a protocol id is 1 to 255 bytes (RFC 7301 §3.1),"
                        + " got 256");
    }

    @Test
    void atMostOneDefaultCertificate() {
        String twoDefaults = certificates("{ cert: certs/a.pem, key: certs/a.key, default: true }",
                "{ cert: certs/wild.pem, key: certs/wild.key, default: true }");
        assertThat(only(edge(twoDefaults, TERMINATING_ROUTE))).isEqualTo("listeners[0].tls.certificates[1].default"
                + " (line 8): a second default certificate; listeners[0].tls.certificates[0] is the default already"
                + " (at most one)");
    }

    @Test
    void certificateEntriesNeedCertAndKey() {
        String halves = certificates("{ cert: certs/a.pem }", "{ key: certs/a.key, defualt: true }");
        assertThat(problems(edge(halves, TERMINATING_ROUTE))).containsExactly(
                "listeners[0].tls.certificates[0].key (line 7): required key 'key' is missing",
                "listeners[0].tls.certificates[1].cert (line 8): required key 'cert' is missing",
                "listeners[0].tls.certificates[1].defualt (line 8): unknown key 'defualt' (did you mean"
                        + " 'default'?)");
        assertThat(only(edge("    tls: { certificates: [] }\n", TERMINATING_ROUTE)))
                .isEqualTo("listeners[0].tls.certificates (line 5): certificates must list at least one entry");
    }

    @Test
    void unreadableFilesNameThePathAndTheReason() {
        List<String> found = problems(edge(certificates("{ cert: certs/missing.pem, key: certs }",
                "{ cert: bad/not-pem.txt, key: certs/a.pem }"), TERMINATING_ROUTE));
        assertThat(found).containsExactly(
                "listeners[0].tls.certificates[0].cert (line 7): cannot read 'certs/missing.pem' ("
                        + dir.resolve("certs/missing.pem") + "): no such file",
                "listeners[0].tls.certificates[0].key (line 7): cannot read 'certs' (" + dir.resolve("certs")
                        + "): it is a directory",
                "listeners[0].tls.certificates[1].cert (line 8): 'bad/not-pem.txt': holds no certificate (no BEGIN"
                        + " CERTIFICATE block)",
                "listeners[0].tls.certificates[1].key (line 8): 'certs/a.pem': holds no private key (expected BEGIN"
                        + " PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)");
    }

    @Test
    void aPathTheSystemCannotNameIsRefused() {
        assertThat(only(edge(certificates("{ cert: \"a\\u0000b\", key: certs/a.key }"), TERMINATING_ROUTE)))
                .isEqualTo("listeners[0].tls.certificates[0].cert (line 7): 'a\u0000b' is not a file path: Nul"
                        + " character not allowed");
    }

    @Test
    void chainOutOfOrderNamesTheIndex() {
        assertThat(only(edge(certificates("{ cert: bad/wrong-order.pem, key: certs/a.key }"), TERMINATING_ROUTE)))
                .isEqualTo("listeners[0].tls.certificates[0].cert (line 7): 'bad/wrong-order.pem': chain order:"
                        + " certificate [1] (CN=a.example.test) did not sign certificate [0] (CN=Test Intermediate);"
                        + " write the leaf first, then each certificate's issuer");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() {
        assertThat(problems(edge(certificates("{ cert: certs/a.pem, key: bad/other.key }",
                "{ cert: certs/wild.pem, key: certs/a.key }"), TERMINATING_ROUTE))).containsExactly(
                "listeners[0].tls.certificates[0].key (line 7): 'bad/other.key': the key does not belong to the"
                        + " certificate (CN=a.example.test): it is another EC key",
                "listeners[0].tls.certificates[1].key (line 8): 'certs/a.key': the key does not belong to the"
                        + " certificate (CN=*.wild.test): the key is EC, the certificate's key is RSA");
    }

    @Test
    void encryptedKeysAreRefusedSayingSo() {
        List<String> found = problems(edge(certificates("{ cert: certs/a.pem, key: bad/encrypted.key }",
                "{ cert: certs/wild.pem, key: bad/proc-type.key }"), TERMINATING_ROUTE));
        assertThat(found).hasSize(2);
        assertThat(found.get(0)).isEqualTo("listeners[0].tls.certificates[0].key (line 7): 'bad/encrypted.key':"
                + " line 1: the key is encrypted (BEGIN ENCRYPTED PRIVATE KEY); snipool reads unencrypted keys only:"
                + " decrypt it (openssl pkey -in KEY -out PLAIN) and protect the file by its permissions");
        assertThat(found.get(1)).startsWith("listeners[0].tls.certificates[1].key (line 8): 'bad/proc-type.key':"
                + " line 1: the key is encrypted (Proc-Type: 4,ENCRYPTED)");
    }

    @Test
    void anExpiredCertificateIsRefused() {
        assertThat(only(edge(certificates("{ cert: bad/expired.pem, key: bad/expired.key }"),
                TERMINATING_ROUTE.replace("a.example.test", "old.test"))))
                .matches("listeners\\[0]\\.tls\\.certificates\\[0]\\.cert \\(line 7\\): 'bad/expired\\.pem': the"
                        + " certificate \\(CN=old\\.test\\) expired at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z");
    }

    @Test
    void anExactHostNoCertificateCoversIsRefusedUnlessOneIsTheDefault() throws Exception {
        String routes = """
                      - hosts: [a.example.test, b.example.test, "*.other.test", x.wild.test, wild.test]
                        backends: ["127.0.0.1:9000"]
                        terminate: true
                      - { hosts: [c.example.test], backends: ["b:1"] }
                """;
        assertThat(problems(edge(TWO_CERTIFICATES, routes))).containsExactly(
                "listeners[0].routes[0].hosts[1] (line 10): no certificate covers 'b.example.test' and none is the"
                        + " default (the certificates name a.example.test, www.example.test, *.wild.test,"
                        + " wild.test); add the name to a certificate, or mark one default: true");

        String withDefault = TWO_CERTIFICATES.replace("key: certs/wild.key }", "key: certs/wild.key, default: true }");
        assertThat(new ConfigLoader(name -> null).parse(edge(withDefault, routes), "ok.yaml", dir)
                .listeners()).hasSize(1);
    }

    @Test
    void backendTlsClientCertificateSniAndCa() {
        List<String> found = problems("""
                listeners:
                  - name: web
                    bind: 127.0.0.1:8080
                    mode: http
                    routes:
                      - hosts: ["~^(?<tenant>[a-z]+)\\\\.apps\\\\.test$"]
                        backends: ["b:1"]
                        backend_tls: { sni: "${tenant}.${zone}.internal", cert: certs/a.pem }
                      - hosts: [b.test]
                        backends: ["b:1"]
                        backend_tls: { sni: "10.0.0.7", key: certs/a.key, ca: certs/nope.pem }
                      - hosts: [c.test]
                        backends: ["b:1"]
                        backend_tls: { sni: "-bad-", verify: false, ca: certs/ca.pem }
                      - hosts: [d.test]
                        backends: ["b:1"]
                        backend_tls: { cert: certs/wild.pem, key: certs/a.key }
                """);
        assertThat(found).containsExactly(
                "listeners[0].routes[0].backend_tls.sni (line 8): ${zone} is not a named group of host"
                        + " '~^(?<tenant>[a-z]+)\\.apps\\.test$'; every host of the route must define it (available"
                        + " here: ${host}, ${tenant})",
                "listeners[0].routes[0].backend_tls.cert (line 8): cert needs key: the client certificate's private"
                        + " key",
                "listeners[0].routes[1].backend_tls.sni (line 11): '10.0.0.7' is an IP address, which SNI cannot"
                        + " carry (RFC 6066 §3); name the host the backend's certificate is for",
                "listeners[0].routes[1].backend_tls.key (line 11): key needs cert: the client certificate the key"
                        + " belongs to",
                "listeners[0].routes[1].backend_tls.ca (line 11): cannot read 'certs/nope.pem' ("
                        + dir.resolve("certs/nope.pem") + "): no such file",
                "listeners[0].routes[2].backend_tls.sni (line 14): '-bad-' is not a valid host name",
                "listeners[0].routes[2].backend_tls.ca (line 14): ca has no use with verify: false (nothing is"
                        + " checked); remove one of them",
                "listeners[0].routes[3].backend_tls.key (line 17): 'certs/a.key': the key does not belong to the"
                        + " certificate (CN=*.wild.test): the key is EC, the certificate's key is RSA");
    }
}
