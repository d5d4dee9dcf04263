package io.snipool.core.loop;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Stops an io_uring channel from waiting for input once its close has been asked for, working around a bug of Netty
 * 4.2.18's io_uring transport. A close that finds a write in flight is finished only when the write completes, and
 * the channel stays active until then. Close cancels the channel's polls at once, but a read asked for in between
 * (auto-read after the read burst that led to the close, or a read left pending by it) arms a new {@code POLL_ADD}
 * that nothing cancels. The descriptor is then closed, but the ring's request still holds the socket: the kernel
 * keeps it open and the peer sees no FIN until the socket next has something to read, which for a peer waiting on
 * the FIN is never. An HTTP/2 backend connection closed after its GOAWAY stayed open until the backend's own 30 s
 * graceful-close timeout.
 *
 * <p>The handler goes first in the pipeline, so it sees every close and read request. On a close it clears a read
 * left pending (Netty clears it when auto-read is turned off) and drops the read requests that follow. Channels of
 * the other transports get nothing. Remove this class once snipool runs on a Netty whose io_uring channel arms no
 * poll after a close began.
 */
public final class ReadsEndAtClose extends ChannelOutboundHandlerAdapter {

    /** Name of the handler in a pipeline. */
    public static final String HANDLER_NAME = "snipool-reads-end-at-close";

    private boolean closing;

    private ReadsEndAtClose() {
    }

    /** Installs the handler at the head of {@code channel}'s pipeline if it runs on io_uring; else does nothing. */
    public static void install(Channel channel) {
        if (ChannelTransport.of(channel) == ChannelTransport.IO_URING) {
            channel.pipeline().addFirst(HANDLER_NAME, new ReadsEndAtClose());
        }
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (!closing) {
            ctx.read();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!closing) {
            closing = true;
            ChannelConfig config = ctx.channel().config();
            // Turning auto-read off clears a pending read; on, it asks for a read, which is dropped above.
            config.setAutoRead(true);
            config.setAutoRead(false);
        }
        ctx.close(promise);
    }
}
