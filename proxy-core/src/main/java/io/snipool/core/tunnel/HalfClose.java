package io.snipool.core.tunnel;

import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.snipool.core.loop.ChannelTransport;
import java.io.IOException;
import java.nio.channels.NotYetConnectedException;

/**
 * Passes a FIN on to one side of a {@link Tunnel} whose other side has ended, without the two exceptions Netty
 * makes on that path. Both are built with a stack trace, on every tunnel that half-closes (every TLS connection
 * whose server ends it first), and were about 4 % of snipool's CPU per new passthrough connection
 * (bench/results/issue-13-handshake-callgraph):
 * <ul>
 *   <li>{@code shutdownOutput()} closes the channel's outbound buffer with a {@code ChannelOutputShutdownException}
 *       as the cause for writes still queued, even when none is (the tunnel sends the FIN only after its flush);</li>
 *   <li>when the side's own FIN comes afterwards, a half-closable channel shuts its input down with
 *       {@code shutdown(SHUT_RD)}; TCP has already closed that socket (the FIN completed the close it started), so
 *       the call fails with ENOTCONN, which Netty raises as a {@code NotYetConnectedException} and ignores.</li>
 * </ul>
 * Only io_uring channels take the shortcut. On epoll it broke new connections when first tried: under
 * bench/soak.sh's TLS load (h2load, 4 clients, a new connection per request, nginx behind) about one passthrough
 * connection in 300 was ended by snipool right after its ClientHello, a FIN to both sides, with the per-loop
 * acceptor; with Netty's {@code shutdownOutput()} none was (bench/results/issue-13-oneshot-polls/README.md,
 * "epoll"). That was most likely Netty's stale epoll events ({@code EpollRegistrationRepair}): since the repair runs
 * on every epoll channel and {@code TargetConnector} connects once more when such an event closed its channel, the
 * shortcut passes that soak on epoll (67,200 TLS connections, none failed). It is still not taken there, because
 * the benchmark showed no gain from it on epoll (CPU per new TLS connection level within a spread of 30 %; the same
 * README, "Session 18"). Epoll and NIO pay the two exceptions.
 */
final class HalfClose {

    private HalfClose() {
    }

    /**
     * Sends {@code side} a FIN now; nothing may be queued for it. On io_uring this is the socket's own
     * {@code shutdown(SHUT_WR)}, which is all Netty's {@code shutdownOutput()} does to the socket there; on epoll and
     * NIO, {@code shutdownOutput()}. With {@code inputOpen}, the side's own FIN, when it comes, closes it instead of
     * half-closing it: nothing can flow through the tunnel after it, and the close reaches the tunnel as
     * {@code channelInactive}.
     */
    static void sendFin(DuplexChannel side, boolean inputOpen) {
        if (inputOpen) {
            side.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        }
        if (ChannelTransport.of(side) == ChannelTransport.IO_URING && side instanceof UnixChannel unix
                && unix.fd() instanceof Socket socket) {
            try {
                socket.shutdown(false, true);
            } catch (IOException | NotYetConnectedException e) {
                // The connection is gone already (reset, or closed under us): nothing more can reach the peer.
                side.close();
            }
        } else {
            side.shutdownOutput();
        }
    }
}
