package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.metrics.ProxyMetrics;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * How a connection becomes HTTP/2, and how it does not: ALPN on terminated TLS, the preface on an h2c listener,
 * HTTP/1.1 beside both on the same listeners, and the HTTP/1.1 {@code Upgrade: h2c} dance never honoured.
 */
class Http2NegotiationTest extends Http2ProxyBase {

    /** A TLS client connection to {@code edge} with SNI a.test, offering {@code alpn} (none if empty). */
    private RawClient https(String... alpn) throws IOException {
        SSLSocket socket = (SSLSocket) PKI.clientContext().getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), proxy.port("edge"));
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("a.test")));
        if (alpn.length > 0) {
            parameters.setApplicationProtocols(alpn);
        }
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        assertThat(socket.getApplicationProtocol()).isEqualTo(alpn.length == 0 ? "" : "http/1.1");
        return new RawClient(socket);
    }

    @Test
    void aTlsClientWithoutAlpnOrOfferingOnlyHttp11GetsHttp11() throws Exception {
        try (RawClient client = https()) {
            HttpWire.Response response = client.exchange(RawClient.get("a.test", "/"));
            assertThat(response.version()).isEqualTo("HTTP/1.1");
            assertThat(response.bodyText()).startsWith("method=GET host=a.test proto=https");
        }
        try (RawClient client = https("http/1.1")) {
            assertThat(client.exchange(RawClient.get("a.test", "/")).bodyText()).startsWith("method=GET host=a.test");
        }
        assertThat(counter(ProxyMetrics.HTTP2_CONNECTIONS, "edge")).isZero();
    }

    @Test
    void anHttp11ClientOnAPriorKnowledgeListenerIsServedAsBefore() throws Exception {
        try (RawClient client = new RawClient(proxy.port("web"))) {
            for (int i = 0; i < 3; i++) {
                HttpWire.Response response = client.exchange(RawClient.get("a.test", "/" + i));
                assertThat(response.version()).isEqualTo("HTTP/1.1");
                assertThat(response.bodyText()).startsWith("method=GET host=a.test proto=http");
            }
            // A method that begins like the preface is still HTTP/1.1: the sniffer decides at the first difference.
            HttpWire.Response pri = client.exchange("PRIX / HTTP/1.1\r\nHost: a.test\r\n\r\n");
            assertThat(pri.status()).isEqualTo(200);
            assertThat(pri.bodyText()).startsWith("method=PRIX ");
        }
        assertThat(counter(ProxyMetrics.HTTP2_CONNECTIONS, "web")).isZero();
    }

    @Test
    void thePrefaceSplitAcrossSegmentsStillMakesAnH2cConnection() throws Exception {
        try (RawClient client = new RawClient(proxy.port("web"))) {
            client.send("PRI * HTTP/2.0\r\n");
            client.output().flush();
            client.send("\r\nSM\r\n\r\n");
            // A SETTINGS frame (RFC 9113 §6.5: length 0, type 4, flags 0, stream 0) is the server's preface.
            String answer = client.readBytes(9);
            assertThat(answer.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)).startsWith(0, 0);
            assertThat((int) answer.charAt(3)).as("frame type SETTINGS").isEqualTo(4);
        }
        assertThat(counter(ProxyMetrics.HTTP2_CONNECTIONS, "web")).isEqualTo(1);
    }

    @Test
    void upgradeH2cIsNeverHonoured() throws Exception {
        try (RawClient client = new RawClient(proxy.port("web"))) {
            HttpWire.Response response = client.exchange("GET / HTTP/1.1\r\nHost: a.test\r\n"
                    + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
            assertThat(response.status()).as("answered as the HTTP/1.1 request it is").isEqualTo(200);
            assertThat(response.version()).isEqualTo("HTTP/1.1");
            HttpWire.Request forwarded = received.peek();
            assertThat(forwarded.header("Upgrade")).as("the upgrade is not passed on").isNull();
            assertThat(forwarded.header("HTTP2-Settings")).isNull();
            assertThat(forwarded.header("Connection")).isNull();

            HttpWire.Response switched = client.exchange("GET /switch HTTP/1.1\r\nHost: a.test\r\n"
                    + "Connection: Upgrade\r\nUpgrade: websocket, h2c\r\n\r\n");
            assertThat(switched.status()).as("a backend that switches anyway is broken, never a tunnel")
                    .isEqualTo(502);
        }
    }
}
