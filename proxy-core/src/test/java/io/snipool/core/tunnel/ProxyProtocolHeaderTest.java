package io.snipool.core.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.snipool.config.ProxyProtocol;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The PROXY header as a real decoder (Netty's HAProxy codec, the one Vert.x and many backends use) reads it. */
class ProxyProtocolHeaderTest {

    static Stream<Arguments> addressPairs() {
        return Stream.of(
                Arguments.of("192.0.2.1", 56324, "198.51.100.1", 443, HAProxyProxiedProtocol.TCP4),
                Arguments.of("2001:db8::1", 1, "2001:db8:0:1::2", 65535, HAProxyProxiedProtocol.TCP6),
                Arguments.of("::1", 40000, "fe80::1:2:3:4", 8443, HAProxyProxiedProtocol.TCP6),
                // Mixed families: no header form carries one of each, so both go as IPv6, the IPv4 one v4-mapped.
                Arguments.of("192.0.2.1", 5000, "2001:db8::7", 443, HAProxyProxiedProtocol.TCP6),
                Arguments.of("2001:db8::7", 5000, "10.0.0.1", 443, HAProxyProxiedProtocol.TCP6));
    }

    @ParameterizedTest(name = "v1 {0}:{1} -> {2}:{3}")
    @MethodSource("addressPairs")
    void v1DecodesToTheSameAddresses(String src, int srcPort, String dst, int dstPort,
                                     HAProxyProxiedProtocol family) throws Exception {
        HAProxyMessage message = decode(ProxyProtocol.V1, src, srcPort, dst, dstPort);
        try {
            assertThat(message.protocolVersion()).isEqualTo(HAProxyProtocolVersion.V1);
            assertDecoded(message, src, srcPort, dst, dstPort, family);
        } finally {
            message.release();
        }
    }

    @ParameterizedTest(name = "v2 {0}:{1} -> {2}:{3}")
    @MethodSource("addressPairs")
    void v2DecodesToTheSameAddresses(String src, int srcPort, String dst, int dstPort,
                                     HAProxyProxiedProtocol family) throws Exception {
        HAProxyMessage message = decode(ProxyProtocol.V2, src, srcPort, dst, dstPort);
        try {
            assertThat(message.protocolVersion()).isEqualTo(HAProxyProtocolVersion.V2);
            assertThat(message.command()).isEqualTo(HAProxyCommand.PROXY);
            assertDecoded(message, src, srcPort, dst, dstPort, family);
        } finally {
            message.release();
        }
    }

    @Test
    void v1IsTheLiteralLineOfTheSpecification() throws Exception {
        // proxy-protocol.txt §2.1, the example line.
        assertThat(text(ProxyProtocol.V1, "192.168.0.1", 56324, "192.168.0.11", 443))
                .isEqualTo("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
        // RFC 5952 text: lower case, no leading zeros, the longest zero run (the first of equals) as "::".
        assertThat(text(ProxyProtocol.V1, "2001:0DB8:0:0:1:0:0:1", 1, "fe80::", 2))
                .isEqualTo("PROXY TCP6 2001:db8::1:0:0:1 fe80:: 1 2\r\n");
        assertThat(text(ProxyProtocol.V1, "2001:db8:0:1:1:1:1:1", 1, "::", 2))
                .isEqualTo("PROXY TCP6 2001:db8:0:1:1:1:1:1 :: 1 2\r\n");
        // Mixed families: the IPv4 side v4-mapped, its last 32 bits dotted (RFC 5952 §5).
        assertThat(text(ProxyProtocol.V1, "192.0.2.1", 1, "2001:db8::7", 2))
                .isEqualTo("PROXY TCP6 ::ffff:192.0.2.1 2001:db8::7 1 2\r\n");
    }

    @Test
    void v2IsTheLiteralStructure() throws Exception {
        ByteBuf header = encode(ProxyProtocol.V2, "192.0.2.1", 0x1234, "198.51.100.1", 443);
        try {
            // signature, version 2 + PROXY, TCP over IPv4, length 12, src, dst, src port, dst port
            assertThat(ByteBufUtil.hexDump(header)).isEqualTo("0d0a0d0a000d0a515549540a" + "21" + "11" + "000c"
                    + "c0000201" + "c6336401" + "1234" + "01bb");
        } finally {
            header.release();
        }
    }

    @Test
    void noneWritesNothing() throws Exception {
        EmbeddedChannel backend = new EmbeddedChannel();
        ProxyProtocolHeader.writeTo(backend, ProxyProtocol.NONE, address("192.0.2.1", 1), address("192.0.2.2", 2));
        assertThat((Object) backend.readOutbound()).isNull();
        assertThat(backend.finishAndReleaseAll()).isFalse();
    }

    @Test
    void theEncoderLeavesThePipelineAfterTheHeader() throws Exception {
        EmbeddedChannel backend = new EmbeddedChannel();
        int handlers = backend.pipeline().names().size();
        ProxyProtocolHeader.writeTo(backend, ProxyProtocol.V2, address("192.0.2.1", 1), address("192.0.2.2", 2));
        assertThat(backend.pipeline().names()).hasSize(handlers);
        backend.flushOutbound();
        assertThat(backend.finishAndReleaseAll()).as("the header was written").isTrue();
    }

    private static void assertDecoded(HAProxyMessage message, String src, int srcPort, String dst, int dstPort,
                                      HAProxyProxiedProtocol family) throws UnknownHostException {
        assertThat(message.proxiedProtocol()).isEqualTo(family);
        assertThat(InetAddress.getByName(message.sourceAddress())).isEqualTo(InetAddress.getByName(src));
        assertThat(InetAddress.getByName(message.destinationAddress())).isEqualTo(InetAddress.getByName(dst));
        assertThat(message.sourcePort()).isEqualTo(srcPort);
        assertThat(message.destinationPort()).isEqualTo(dstPort);
    }

    private static HAProxyMessage decode(ProxyProtocol version, String src, int srcPort, String dst, int dstPort)
            throws UnknownHostException {
        EmbeddedChannel channel = new EmbeddedChannel(new HAProxyMessageDecoder());
        assertThat(channel.writeInbound(encode(version, src, srcPort, dst, dstPort))).isTrue();
        HAProxyMessage message = channel.readInbound();
        assertThat(channel.finishAndReleaseAll()).isFalse();
        return message;
    }

    private static String text(ProxyProtocol version, String src, int srcPort, String dst, int dstPort)
            throws UnknownHostException {
        ByteBuf header = encode(version, src, srcPort, dst, dstPort);
        try {
            return header.toString(StandardCharsets.US_ASCII);
        } finally {
            header.release();
        }
    }

    /** The bytes {@link ProxyProtocolHeader#writeTo} puts on a channel, in one buffer (the caller releases it). */
    private static ByteBuf encode(ProxyProtocol version, String src, int srcPort, String dst, int dstPort)
            throws UnknownHostException {
        EmbeddedChannel backend = new EmbeddedChannel();
        ProxyProtocolHeader.writeTo(backend, version, address(src, srcPort), address(dst, dstPort));
        backend.flushOutbound();
        ByteBuf header = backend.readOutbound();
        assertThat(backend.finishAndReleaseAll()).as("one buffer").isFalse();
        return header;
    }

    private static InetSocketAddress address(String literal, int port) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(literal), port);
    }
}
