package io.snipool.core.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * One direction of a {@link Tunnel}: what this channel reads is written to {@code peer}. Writes are flushed once
 * per read burst. When the peer cannot take more, this channel stops reading until the peer drains.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {

    private final Tunnel tunnel;
    private final Channel peer;
    private final Tunnel.Direction direction;
    private boolean flushPending;

    RelayHandler(Tunnel tunnel, Channel peer, Tunnel.Direction direction) {
        this.tunnel = tunnel;
        this.peer = peer;
        this.direction = direction;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf data) || tunnel.isClosed()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        tunnel.transferred(direction, data.readableBytes());
        // Ownership of data passes to the write. A void promise spares a promise and a listener per read: a failed
        // write surfaces as exceptionCaught in the peer's pipeline, where the peer's relay closes the tunnel.
        peer.write(data, peer.voidPromise());
        flushPending = true;
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (flushPending) {
            flushPending = false;
            peer.flush();
        }
        ctx.fireChannelReadComplete();
    }

    /** This channel drained: the peer, paused because of it, may read again. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            tunnel.resumeReading(peer);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            if (flushPending) {
                flushPending = false;
                peer.flush();
            }
            tunnel.inputShutdown(direction);
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        tunnel.channelClosed(direction);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset or read error ends the tunnel; the end of the client's pipeline behind this one must not see it as
        // an unhandled failure.
        tunnel.close(Tunnel.CloseReason.ERROR);
    }
}
