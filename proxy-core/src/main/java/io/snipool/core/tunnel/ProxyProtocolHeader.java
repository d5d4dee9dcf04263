package io.snipool.core.tunnel;

import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.snipool.config.ProxyProtocol;
import io.snipool.core.accept.ClientConnection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Writes the PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) that tells a backend the real
 * client address before any client byte. The bytes are Netty's {@link HAProxyMessageEncoder}'s; this class only
 * chooses the message: the version, TCP4 or TCP6, and the address text.
 */
public final class ProxyProtocolHeader {

    private static final String ENCODER = "snipool-proxy-header";

    private ProxyProtocolHeader() {
    }

    /**
     * Writes (without flushing) the header for {@code version} naming {@code client}'s addresses; the addresses are
     * asked for only when there is a header to write.
     */
    public static void writeTo(Channel backend, ProxyProtocol version, ClientConnection client) {
        if (version != ProxyProtocol.NONE) {
            writeTo(backend, version, client.remoteAddress(), client.localAddress());
        }
    }

    /**
     * Writes (without flushing) the header for {@code version} to {@code backend}, ahead of anything else; nothing
     * for {@link ProxyProtocol#NONE}. Call on the backend's event loop, before the first byte of client data.
     *
     * @param source      the client's address (the real one when a PROXY header came in)
     * @param destination the address the client connected to
     */
    public static void writeTo(Channel backend, ProxyProtocol version, InetSocketAddress source,
                               InetSocketAddress destination) {
        if (version == ProxyProtocol.NONE) {
            return;
        }
        HAProxyProtocolVersion wire = version == ProxyProtocol.V1 ? HAProxyProtocolVersion.V1
                : HAProxyProtocolVersion.V2;
        // The encoder runs inside write(), on this thread: once the write returns, the header is bytes in the
        // channel's outbound buffer and the encoder can leave the pipeline again.
        backend.pipeline().addFirst(ENCODER, HAProxyMessageEncoder.INSTANCE);
        try {
            backend.write(message(wire, source, destination), backend.voidPromise());
        } finally {
            backend.pipeline().remove(ENCODER);
        }
    }

    /**
     * The message for one connection. Mixed address families (an IPv4 client on an IPv6 listener address, or the
     * reverse) have no header form of their own: both addresses go as TCP6, the IPv4 one v4-mapped.
     */
    static HAProxyMessage message(HAProxyProtocolVersion version, InetSocketAddress source,
                                  InetSocketAddress destination) {
        InetAddress src = source.getAddress();
        InetAddress dst = destination.getAddress();
        boolean ipv4 = src instanceof Inet4Address && dst instanceof Inet4Address;
        return new HAProxyMessage(version, HAProxyCommand.PROXY,
                ipv4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                text(src, ipv4), text(dst, ipv4), source.getPort(), destination.getPort());
    }

    /** RFC 5952 text (lower case, the longest zero run as "::"); an IPv4 side of a mixed pair as "::ffff:a.b.c.d". */
    private static String text(InetAddress address, boolean ipv4) {
        if (!ipv4 && address instanceof Inet4Address) {
            // Java turns the 16 bytes of a v4-mapped address back into an Inet4Address, whose text is no IPv6
            // address at all; RFC 5952 §5 keeps the dotted form for the IPv4 part.
            return "::ffff:" + address.getHostAddress();
        }
        return NetUtil.toAddressString(address);
    }
}
