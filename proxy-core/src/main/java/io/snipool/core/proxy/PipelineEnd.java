package io.snipool.core.proxy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The last handler of a client connection accepted by a {@link LoopAcceptor}, the anchor the protocol handlers go
 * in front of (where Vert.x's own handler sits on a connection its {@code NetServer} accepted). It takes what no
 * handler took: a message is released, an error closes the connection (a handler that did not handle it has lost
 * track of the connection's state). Shared by every connection: it holds nothing of its own.
 */
@ChannelHandler.Sharable
final class PipelineEnd extends ChannelInboundHandlerAdapter {

    /** Its name in every client pipeline. */
    static final String NAME = "snipool-end";

    static final PipelineEnd INSTANCE = new PipelineEnd();

    private static final Logger LOG = Logger.getLogger(PipelineEnd.class.getName());

    private PipelineEnd() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        ReferenceCountUtil.release(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.FINE, cause, () -> "closing " + ctx.channel() + " on an error no handler took");
        ctx.close();
    }
}
