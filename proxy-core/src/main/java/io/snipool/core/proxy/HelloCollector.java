package io.snipool.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.util.ReferenceCountUtil;
import io.snipool.core.tls.ClientHelloReader;
import io.snipool.core.tls.HelloResult;

/**
 * Gathers a TLS client's first bytes until the {@link ClientHelloReader} decides, then stops reading. Sits in
 * the client pipeline in front of the pipeline's end, so nothing behind it sees these bytes. Owns the gathered bytes
 * until {@link #takeReceived()} hands them on (to the backend, unchanged), or releases them if the connection
 * ends first.
 *
 * <p>Once the hello is decided, a FIN from the client is remembered rather than taken as a close: the native
 * transports report it even while snipool is not reading (epoll's {@code EPOLLRDHUP}), and a client that sent its
 * request and half-closed still expects the answer through the tunnel ({@link #inputEnded()}).
 */
final class HelloCollector extends ChannelInboundHandlerAdapter {

    /** Name of this handler in the client pipeline. */
    static final String NAME = "snipool-hello";

    /** Told once of the decision, and of a client that left before it. */
    interface Session {
        void helloDecided(HelloResult result);

        void clientClosed();
    }

    private final ClientHelloReader reader;
    private final Session session;
    private ChannelHandlerContext context;
    private ByteBuf received;
    private boolean decided;
    private boolean inputEnded;

    HelloCollector(ClientHelloReader reader, Session session) {
        this.reader = reader;
        this.session = session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        context = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf data)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (received == null) {
            received = ctx.alloc().buffer(Math.max(1024, data.readableBytes()));
        }
        // Bytes that arrive after the decision (the rest of a read burst) are kept too: they follow the hello.
        received.writeBytes(data);
        data.release();
        if (decided) {
            return;
        }
        HelloResult result = reader.read(received);
        if (!(result instanceof HelloResult.NeedMore)) {
            decided = true;
            ctx.channel().config().setAutoRead(false);
            ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            session.helloDecided(result);
        }
    }

    /**
     * Passes everything received so far to the next handler (a terminating route's {@code SslHandler}, which
     * reads the hello again itself), and leaves the pipeline.
     */
    void handOn() {
        ByteBuf bytes = received;
        received = null;
        context.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        if (bytes != null) {
            context.fireChannelRead(bytes);
            context.fireChannelReadComplete();
        }
        context.pipeline().remove(this);
        if (inputEnded) {
            // A client that has stopped sending cannot finish a handshake.
            context.channel().close();
        }
    }

    /** Whether the client sent its FIN after the hello was decided (and before the bytes were handed on). */
    boolean inputEnded() {
        return inputEnded;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            inputEnded = true;
            return;
        }
        if (event instanceof ChannelInputShutdownReadComplete) {
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    /** Everything received so far, now owned by the caller; an empty buffer if nothing came. */
    ByteBuf takeReceived() {
        ByteBuf bytes = received;
        received = null;
        return bytes == null ? io.netty.buffer.Unpooled.EMPTY_BUFFER : bytes;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        session.clientClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset while reading the hello: the client is gone; channelInactive follows.
        ctx.close();
    }

    private void release() {
        if (received != null) {
            received.release();
            received = null;
        }
    }
}
