package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.util.ReferenceCountUtil;
import io.snipool.core.pool.IdleWatcher;
import io.snipool.core.pool.PooledConnection;

/**
 * A pooled HTTP/1.1 connection to a backend: a Netty channel with a request encoder and a
 * {@link StrictResponseDecoder}, and a dispatcher that hands what arrives to the exchange using the connection,
 * or, while the connection sits idle in the pool, reports it to the pool's watcher.
 */
final class Http1Connection implements BackendConnection, PooledConnection, StrictResponseDecoder.Observer {

    private final Channel channel;
    private final BackendKey key;
    private final StrictResponseDecoder decoder;
    private IdleWatcher watcher;
    private Listener listener;
    private boolean tainted;

    private Http1Connection(Channel channel, BackendKey key, int maxResponseHeadBytes) {
        this.channel = channel;
        this.key = key;
        this.decoder = new StrictResponseDecoder(maxResponseHeadBytes, this);
    }

    /** Installs the HTTP handlers on a freshly connected channel. */
    static Http1Connection install(Channel channel, BackendKey key, int maxResponseHeadBytes) {
        Http1Connection connection = new Http1Connection(channel, key, maxResponseHeadBytes);
        // A failed write shuts the output only, so that an answer already in the socket is still read (a backend
        // refusing an upload answers, then resets). Netty's default would close the channel, and on epoll it handles
        // the write before the read; the dispatcher closes once the exchange is done with it.
        channel.config().setAutoClose(false);
        channel.pipeline()
                .addLast(ENCODER, new HttpRequestEncoder())
                .addLast(DECODER, connection.decoder)
                .addLast(DISPATCHER, connection.new Dispatcher());
        return connection;
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public BackendKey key() {
        return key;
    }

    /** The exchange takes the connection; the decoder expects one response ({@code head}: to a HEAD request). */
    @Override
    public void attach(Listener exchange, boolean head) {
        listener = exchange;
        decoder.expectResponse(head);
        channel.config().setAutoRead(true);
    }

    @Override
    public void detach() {
        listener = null;
    }

    /** True if bytes came that belonged to no request: the connection cannot be reused. */
    @Override
    public boolean tainted() {
        return tainted || decoder.bytesAfterResponse();
    }

    StrictResponseDecoder decoder() {
        return decoder;
    }

    @Override
    public boolean isOpen() {
        return channel.isActive() && !tainted;
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public void watchIdle(IdleWatcher idleWatcher) {
        watcher = idleWatcher;
        decoder.markIdle();
        // Reading stays on while idle, so a FIN or stray bytes are seen at once.
        channel.config().setAutoRead(true);
        if (!channel.isActive()) {
            idleWatcher.peerClosed();
        }
    }

    @Override
    public void unwatchIdle() {
        watcher = null;
    }

    @Override
    public void unexpectedBytes() {
        tainted = true;
        if (watcher != null) {
            IdleWatcher current = watcher;
            watcher = null;
            current.unexpectedData();
        }
    }

    /** The last handler of the backend pipeline. */
    private final class Dispatcher extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (listener != null) {
                listener.backendRead(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (listener != null) {
                listener.backendReadComplete();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (listener != null) {
                listener.backendClosed();
            } else if (watcher != null) {
                IdleWatcher current = watcher;
                watcher = null;
                current.peerClosed();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof ChannelOutputShutdownException && listener != null && ctx.channel().isActive()) {
                // A failed write (see install): the input goes on until the backend's close or the exchange's end.
                tainted = true;
                listener.backendStoppedReading();
                return;
            }
            if (listener != null) {
                listener.backendFailed(cause);
            } else if (watcher != null) {
                IdleWatcher current = watcher;
                watcher = null;
                current.peerClosed();
            }
            ctx.close();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (listener != null && ctx.channel().isWritable()) {
                listener.backendWritable();
            }
        }
    }
}
