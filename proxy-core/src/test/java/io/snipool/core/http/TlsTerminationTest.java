package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.metrics.TlsMeters;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.CapturedLogs;
import io.snipool.core.testbed.TestPki;
import io.snipool.core.testbed.TestProxy;
import io.snipool.core.testbed.TlsBackend;
import io.snipool.core.testbed.TlsClient;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Vector;
import java.util.logging.LogRecord;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.ServerOnlyTlsAuthentication;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS terminated by snipool on one listener beside passthrough routes: terminated requests join the HTTP path and
 * the pool, a Host outside the connection's certificate gets 421, and every refused handshake is counted.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class TlsTerminationTest {

    private static final TestPki PKI = new TestPki();

    @TempDir
    Path certs;

    private RawBackend plain;
    private TlsBackend passthrough;
    private TestProxy proxy;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        // Answers every request with what the proxy told it: the Host and the forwarding headers.
        plain = new RawBackend(connection -> {
            for (HttpWire.Request request = connection.readRequest(); request != null;
                 request = connection.readRequest()) {
                String body = "host=" + request.header("Host") + " proto=" + request.header("X-Forwarded-Proto");
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            }
        });
        passthrough = Await.result(TlsBackend.start(vertx, "tunnelled", PKI.leaf("pass.test")));
        TestPki.Leaf ab = PKI.leaf("a.test", "b.test");
        TestPki.Leaf wild = PKI.leaf("*.wild.test");
        write("ab", ab);
        write("wild", wild);
        proxy = start(vertx, "auto");
    }

    private TestProxy start(Vertx vertx, String provider) {
        return TestProxy.start(vertx, """
                listeners:
                  - name: edge
                    bind: "127.0.0.1:0"
                    mode: tls
                    tls:
                      certificates:
                        - { cert: "%1$s/ab.pem", key: "%1$s/ab.key" }
                        - { cert: "%1$s/wild.pem", key: "%1$s/wild.key" }
                      provider: %4$s
                    routes:
                      - { hosts: ["a.test", "b.test"], terminate: true, backends: ["%2$s"] }
                      - { hosts: ["*.wild.test"], terminate: true, backends: ["%2$s"] }
                      - { hosts: ["pass.test"], backends: ["127.0.0.1:%3$d"] }
                      - { hosts: ["*.nocert.test"], terminate: true, backends: ["%2$s"] }
                metrics: { bind: "127.0.0.1:0" }
                """.formatted(certs, plain.address(), passthrough.port(), provider), Map.of(),
                (host, loop, callback) -> callback.failed(new UnknownHostException(host)));
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.stop();
        }
        plain.close();
        Await.result(passthrough.close());
    }

    private void write(String name, TestPki.Leaf leaf) throws IOException {
        Files.writeString(certs.resolve(name + ".pem"), leaf.certificatePem());
        Files.writeString(certs.resolve(name + ".key"), leaf.privateKeyPem());
    }

    /** A TLS client connection to the listener, sending {@code serverName} as SNI. */
    private RawClient https(String serverName, String... alpn) throws IOException {
        SSLSocket socket = (SSLSocket) PKI.clientContext().getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), proxy.port("edge"));
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (alpn.length > 0) {
            parameters.setApplicationProtocols(alpn);
        }
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return new RawClient(socket);
    }

    private double handshakes(String outcome) {
        return proxy.registry().find(TlsMeters.HANDSHAKES).tag("listener", "edge").tag("outcome", outcome)
                .counter().count();
    }

    @Test
    void terminatedRequestsReachThePlainBackendOverPooledConnections() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (RawClient client = https("a.test")) {
                HttpWire.Response response = client.exchange(RawClient.get("a.test", "/", "Connection: close"));
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.bodyText()).isEqualTo("host=a.test proto=https");
            }
        }
        assertThat(plain.accepted()).as("five TLS connections, five requests, backend connections reused")
                .isLessThanOrEqualTo(TestProxy.EVENT_LOOPS);
        assertThat(handshakes("ok")).isEqualTo(5);
        assertThat(proxy.connections("edge", ProxyMetrics.Outcome.TERMINATED)).isEqualTo(5);
    }

    @Test
    void everyRequestOfAConnectionIsRoutedByItsHostWithinTheCertificate() throws Exception {
        try (RawClient client = https("a.test")) {
            assertThat(client.exchange(RawClient.get("a.test", "/")).bodyText()).isEqualTo("host=a.test proto=https");
            assertThat(client.exchange(RawClient.get("b.test", "/")).bodyText())
                    .as("the certificate names b.test too").isEqualTo("host=b.test proto=https");
            HttpWire.Response outside = client.exchange(RawClient.get("x.wild.test", "/"));
            assertThat(outside.status()).as("served here, but not by this connection's certificate").isEqualTo(421);
            assertThat(outside.bodyText()).contains("does not cover 'x.wild.test'");
        }
        try (RawClient client = https("x.wild.test")) {
            assertThat(client.exchange(RawClient.get("y.wild.test", "/")).bodyText())
                    .isEqualTo("host=y.wild.test proto=https");
            assertThat(client.exchange(RawClient.get("pass.test", "/")).status())
                    .as("a passthrough name on a terminated connection").isEqualTo(421);
        }
    }

    @Test
    void anHttp10RequestWithoutHostGoesToTheSniNameAndTheBackendGetsThatHost() throws Exception {
        try (RawClient client = https("a.test")) {
            HttpWire.Response response = client.exchange("GET / HTTP/1.0\r\n\r\n");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.bodyText()).isEqualTo("host=a.test proto=https");
        }
    }

    @Test
    void passthroughRoutesStillTunnelUntouched() throws Exception {
        assertThat(new TlsClient(PKI.clientContext()).backendName(proxy.port("edge"), "pass.test"))
                .isEqualTo("tunnelled");
        assertThat(proxy.connections("edge", ProxyMetrics.Outcome.TUNNELLED)).isEqualTo(1);
        assertThat(handshakes("ok")).isZero();
    }

    @Test
    void aNameWithoutACertificateIsRefusedWithUnrecognizedName() throws Exception {
        assertThatThrownBy(() -> https("x.nocert.test")).isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("unrecognized_name");
        assertThat(handshakes("unknown_name")).isEqualTo(1);
        assertThat(proxy.connections("edge", ProxyMetrics.Outcome.TLS_ERROR)).isEqualTo(1);
        // A name no route serves is refused by routing first, with the same alert.
        assertThatThrownBy(() -> https("nothing.test")).isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("unrecognized_name");
        assertThat(proxy.connections("edge", ProxyMetrics.Outcome.NO_ROUTE)).isEqualTo(1);
    }

    @Test
    void aClientOfferingOnlyProtocolsSnipoolDoesNotSpeakGetsNoApplicationProtocol() throws Exception {
        assertThatThrownBy(() -> https("a.test", "spdy/3")).isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("no_application_protocol");
        assertThat(handshakes("no_alpn")).isEqualTo(1);
        try (RawClient client = https("a.test", "spdy/3", "http/1.1")) {
            assertThat(client.exchange(RawClient.get("a.test", "/")).status()).isEqualTo(200);
        }
    }

    @Test
    void aSecondConnectionOfTheSameClientResumesItsSession() throws Exception {
        assertResumes();
    }

    @Test
    void theJdkProviderResumesToo(Vertx vertx) throws Exception {
        proxy.stop();
        proxy = start(vertx, "jdk");
        assertResumes();
    }

    private void assertResumes() throws Exception {
        SSLContext context = PKI.clientContext();
        for (int i = 0; i < 2; i++) {
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                    proxy.port("edge"));
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName("a.test")));
            socket.setSSLParameters(parameters);
            try (RawClient client = new RawClient(socket)) {
                socket.startHandshake();
                assertThat(client.exchange(RawClient.get("a.test", "/")).status()).isEqualTo(200);
            }
        }
        assertThat(handshakes("ok")).isEqualTo(2);
        assertThat(proxy.registry().find(TlsMeters.SESSIONS_RESUMED).counter().count())
                .as("the second handshake resumed the first one's session").isEqualTo(1);
    }

    @Test
    void tls11IsRefusedWithProtocolVersion() throws Exception {
        List<LogRecord> logged;
        try (CapturedLogs vertxLog = CapturedLogs.of("io.vertx");
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port("edge"))) {
            socket.setSoTimeout(10_000);
            TlsClientProtocol protocol = new TlsClientProtocol(
                    socket.getInputStream(), socket.getOutputStream());
            assertThatThrownBy(() -> protocol.connect(new SniClient(ProtocolVersion.TLSv11.only(), "a.test")))
                    .isInstanceOf(TlsFatalAlertReceived.class)
                    .hasMessageContaining("protocol_version");
            Await.until("a protocol_version handshake", () -> handshakes("protocol_version"), count -> count == 1);
            logged = vertxLog.records();
        }
        assertThat(logged).as("a refused handshake is counted, not logged by Vert.x as an error on each connection")
                .extracting(LogRecord::getMessage).isEmpty();
    }

    /** Bouncy Castle's client sending SNI {@code name}, offering {@code versions} (null: its defaults). */
    private static class SniClient extends DefaultTlsClient {
        private final ProtocolVersion[] versions;
        private final String name;

        SniClient(ProtocolVersion[] versions, String name) {
            super(new BcTlsCrypto(new SecureRandom()));
            this.versions = versions;
            this.name = name;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return versions == null ? super.getSupportedVersions() : versions;
        }

        @Override
        protected Vector<ServerName> getSNIServerNames() {
            Vector<ServerName> names = new Vector<>();
            names.add(new ServerName(NameType.host_name, name.getBytes(StandardCharsets.US_ASCII)));
            return names;
        }

        @Override
        public TlsAuthentication getAuthentication() {
            throw new UnsupportedOperationException("the handshake must not get this far");
        }
    }

    @Test
    void bouncyCastlesClientIsServedToo() throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port("edge"))) {
            socket.setSoTimeout(10_000);
            TlsClientProtocol protocol = new TlsClientProtocol(socket.getInputStream(), socket.getOutputStream());
            protocol.connect(new SniClient(null, "a.test") {
                @Override
                public TlsAuthentication getAuthentication() {
                    return new ServerOnlyTlsAuthentication() {
                        @Override
                        public void notifyServerCertificate(TlsServerCertificate certificate) {
                            assertThat(certificate.getCertificate().isEmpty()).isFalse();
                        }
                    };
                }
            });
            protocol.getOutputStream().write(RawClient.get("a.test", "/", "Connection: close")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(protocol.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 200").endsWith("host=a.test proto=https");
        }
    }

    @Test
    void eachCertificatesExpiryIsAGauge() {
        assertThat(proxy.registry().find(TlsMeters.CERTIFICATE_EXPIRY).gauges()).hasSize(2)
                .allSatisfy(gauge -> assertThat(gauge.value()).isGreaterThan(System.currentTimeMillis() / 1000.0));
    }

    @Test
    void plaintextOnTheTlsPortIsClosedAndCounted() throws Exception {
        assertThat(io.snipool.core.testbed.RawClient.closedAfterSending(proxy.port("edge"),
                "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII))).isTrue();
        Await.until("a not_tls hello error", () -> proxy.helloErrors("edge", "not_tls"), count -> count == 1);
    }
}
