package io.snipool.core.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.snipool.config.InetLiterals;
import java.net.InetSocketAddress;

/**
 * Takes the PROXY protocol header that Netty's {@code HAProxyMessageDecoder} (in front of it) decoded, and the
 * {@code IdleStateHandler} deadline for it, on a listener with {@code proxy_protocol_in}. A header for TCP over IPv4
 * or IPv6 names the client; {@code UNKNOWN} (a balancer's own health check, PROXY v2's {@code LOCAL}) and a Unix
 * socket leave the socket's own addresses; a datagram protocol, which a stream cannot carry, closes the connection.
 * A malformed header is the decoder's to refuse (it closes the connection), as is a header too slow to arrive here.
 */
final class ProxyHeaderIn extends ChannelInboundHandlerAdapter {

    /** Told the addresses once the header has been read; both null when it names none. */
    interface Done {
        void read(InetSocketAddress source, InetSocketAddress destination);
    }

    private final Done done;

    ProxyHeaderIn(Done done) {
        this.done = done;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            // Bytes after the header: the decoder passes them on only once it has left the pipeline, after this.
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            HAProxyProxiedProtocol protocol = header.proxiedProtocol();
            if (protocol.transportProtocol() == HAProxyProxiedProtocol.TransportProtocol.DGRAM) {
                ctx.close();
                return;
            }
            boolean inet = protocol.addressFamily() == HAProxyProxiedProtocol.AddressFamily.AF_IPv4
                    || protocol.addressFamily() == HAProxyProxiedProtocol.AddressFamily.AF_IPv6;
            ctx.pipeline().remove(this);
            if (inet) {
                done.read(address(header.sourceAddress(), header.sourcePort()),
                        address(header.destinationAddress(), header.destinationPort()));
            } else {
                done.read(null, null);
            }
        } finally {
            ReferenceCountUtil.release(header);
        }
    }

    /** Netty's decoder has already checked that a TCP4/TCP6 header's addresses are literals: no lookup. */
    private static InetSocketAddress address(String literal, int port) {
        return new InetSocketAddress(InetLiterals.parse(literal), port);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent idle && idle.state() == IdleState.ALL_IDLE) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
