package io.snipool.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.RawClient;
import io.snipool.core.testbed.RecordingBackend;
import io.snipool.core.testbed.TestProxy;
import io.snipool.core.tls.HelloBuilder;
import io.snipool.core.tls.Wire;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The PROXY header a backend receives before the hello, and a client address taken from an incoming one. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ProxyProtocolTest {

    private static final String CONFIG = """
            timeouts:
              client_hello: 1s
            listeners:
              - name: v1
                bind: "127.0.0.1:0"
                mode: tls
                routes: [ { hosts: ["*"], backends: ["127.0.0.1:${env:R}"], proxy_protocol: v1 } ]
              - name: v2
                bind: "127.0.0.1:0"
                mode: tls
                routes: [ { hosts: ["*"], backends: ["127.0.0.1:${env:R}"], proxy_protocol: v2 } ]
              - name: behind-lb
                bind: "127.0.0.1:0"
                mode: tls
                proxy_protocol_in: true
                routes: [ { hosts: ["*"], backends: ["127.0.0.1:${env:R}"], proxy_protocol: v2 } ]
            """;
    private static final Duration WAIT = Await.TIMEOUT;
    /** proxy-protocol.txt §2.2: 16 bytes of signature, version, family and length, then 12 for TCP over IPv4. */
    private static final int V2_TCP4_LENGTH = 16 + 12;

    private final byte[] hello = new HelloBuilder().serverName("a.test").records();
    private RecordingBackend backend;
    private TestProxy proxy;

    @BeforeEach
    void start(Vertx vertx) {
        backend = Await.result(RecordingBackend.start(vertx));
        proxy = TestProxy.start(vertx, CONFIG, Map.of("R", Integer.toString(backend.port())), new FakeResolver());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (proxy != null) {
            proxy.awaitAllClosed();
            proxy.stop();
        }
    }

    @Test
    void v1LineThenTheUntouchedHello() throws Exception {
        try (RawClient client = RawClient.connect(proxy.port("v1"))) {
            client.write(hello);
            String line = "PROXY TCP4 127.0.0.1 127.0.0.1 " + client.socket().getLocalPort() + " "
                    + proxy.port("v1") + "\r\n";
            byte[] expected = Wire.concat(line.getBytes(StandardCharsets.US_ASCII), hello);

            assertThat(backend.nextConnection(WAIT).awaitBytes(expected.length, WAIT)).isEqualTo(expected);
        }
    }

    @Test
    void v2HeaderThenTheUntouchedHello() throws Exception {
        try (RawClient client = RawClient.connect(proxy.port("v2"))) {
            client.write(hello);
            byte[] received = backend.nextConnection(WAIT).awaitBytes(V2_TCP4_LENGTH + hello.length, WAIT);

            HAProxyMessage header = decode(Arrays.copyOf(received, V2_TCP4_LENGTH));
            try {
                assertThat(header.protocolVersion()).isEqualTo(HAProxyProtocolVersion.V2);
                assertThat(header.sourceAddress()).isEqualTo("127.0.0.1");
                assertThat(header.sourcePort()).isEqualTo(client.socket().getLocalPort());
                assertThat(header.destinationAddress()).isEqualTo("127.0.0.1");
                assertThat(header.destinationPort()).isEqualTo(proxy.port("v2"));
            } finally {
                header.release();
            }
            assertThat(Arrays.copyOfRange(received, V2_TCP4_LENGTH, received.length)).isEqualTo(hello);
        }
    }

    @Test
    void incomingV1HeaderGivesTheAddressesOfTheOutgoingOne() throws Exception {
        byte[] incoming = "PROXY TCP4 203.0.113.7 198.51.100.9 40000 443\r\n".getBytes(StandardCharsets.US_ASCII);
        try (RawClient client = RawClient.connect(proxy.port("behind-lb"))) {
            // One write: the hello follows the header in the same segment, as a load balancer sends it.
            client.write(Wire.concat(incoming, hello));
            byte[] received = backend.nextConnection(WAIT).awaitBytes(V2_TCP4_LENGTH + hello.length, WAIT);

            HAProxyMessage header = decode(Arrays.copyOf(received, V2_TCP4_LENGTH));
            try {
                assertThat(header.sourceAddress()).isEqualTo("203.0.113.7");
                assertThat(header.sourcePort()).isEqualTo(40000);
                assertThat(header.destinationAddress()).isEqualTo("198.51.100.9");
                assertThat(header.destinationPort()).isEqualTo(443);
            } finally {
                header.release();
            }
            assertThat(Arrays.copyOfRange(received, V2_TCP4_LENGTH, received.length)).isEqualTo(hello);
        }
    }

    @Test
    void incomingHeaderWithoutAddressesLeavesTheConnectionsOwn() throws Exception {
        // proxy-protocol.txt §2.1 and §2.2: with UNKNOWN (v1) or LOCAL (v2) the receiver uses the real endpoints.
        byte[] unknownV1 = "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] localV2 = Wire.hex("0d0a0d0a000d0a515549540a 20 00 0000");
        for (byte[] incoming : new byte[][] {unknownV1, localV2}) {
            try (RawClient client = RawClient.connect(proxy.port("behind-lb"))) {
                client.write(Wire.concat(incoming, hello));
                byte[] received = backend.nextConnection(WAIT).awaitBytes(V2_TCP4_LENGTH + hello.length, WAIT);

                HAProxyMessage header = decode(Arrays.copyOf(received, V2_TCP4_LENGTH));
                try {
                    assertThat(header.sourceAddress()).isEqualTo("127.0.0.1");
                    assertThat(header.sourcePort()).isEqualTo(client.socket().getLocalPort());
                    assertThat(header.destinationPort()).isEqualTo(proxy.port("behind-lb"));
                } finally {
                    header.release();
                }
                assertThat(Arrays.copyOfRange(received, V2_TCP4_LENGTH, received.length)).isEqualTo(hello);
            }
        }
    }

    @Test
    void aMalformedOrDatagramHeaderClosesTheConnectionAndReachesNoBackend() throws Exception {
        byte[] malformedV1 = "PROXY TCP4 not-an-address 198.51.100.9 40000 443\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        // proxy-protocol.txt §2.2: family 0x12 is UDP over IPv4 (203.0.113.7:40000 to 198.51.100.9:443), which a
        // stream connection cannot carry.
        byte[] udpV2 = Wire.hex("0d0a0d0a000d0a515549540a 21 12 000c cb007107 c6336409 9c40 01bb");
        for (byte[] incoming : new byte[][] {malformedV1, udpV2}) {
            assertThat(RawClient.closedAfterSending(proxy.port("behind-lb"), Wire.concat(incoming, hello)))
                    .as(new String(incoming, StandardCharsets.ISO_8859_1)).isTrue();
        }
        assertThat(backend.acceptedTotal()).isZero();
    }

    @Test
    void aHeaderThatDoesNotArriveWithinTheHelloTimeoutClosesTheConnection() throws Exception {
        // Half a v1 line, then nothing: timeouts.client_hello (1s here) bounds the header too.
        byte[] partial = "PROXY TCP4 203.0.113.7 ".getBytes(StandardCharsets.US_ASCII);
        assertThat(RawClient.closedAfterSending(proxy.port("behind-lb"), partial)).isTrue();
        assertThat(backend.acceptedTotal()).isZero();
    }

    private static HAProxyMessage decode(byte[] header) {
        EmbeddedChannel channel = new EmbeddedChannel(new HAProxyMessageDecoder());
        assertThat(channel.writeInbound(Unpooled.wrappedBuffer(header))).isTrue();
        HAProxyMessage message = channel.readInbound();
        assertThat(channel.finishAndReleaseAll()).as("bytes beyond the header").isFalse();
        return message;
    }
}
