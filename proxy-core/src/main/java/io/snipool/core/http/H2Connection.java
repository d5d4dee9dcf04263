package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.snipool.core.pool.EvictionReason;
import io.snipool.core.pool.IdleWatcher;
import io.snipool.core.pool.Lease;
import io.snipool.core.pool.PooledConnection;

/**
 * A pooled HTTP/2 backend connection (h2 over TLS, or h2c): Netty's client frame codec and multiplex handler, and a
 * watcher of the connection-level frames. To the generic pool it is one connection, leased by {@link H2StreamPool}
 * for as long as it carries a stream and idle when it carries none; the streams it carries are counted here.
 */
final class H2Connection implements PooledConnection {

    static final String CODEC = "snipool-h2-codec";
    static final String MULTIPLEX = "snipool-h2-multiplex";
    static final String WATCHER = "snipool-h2-connection";

    /** Told once, when the backend's first SETTINGS came (the connection is usable) or the channel closed first. */
    interface Ready {
        void ready(H2Connection connection);

        void closedBeforeSettings();
    }

    private final Channel channel;
    private final BackendKey key;
    private final Http2FrameCodec codec;
    private final Http2StreamChannelBootstrap streams;
    /** The streams' flushes: the requests written in one loop run leave in one write. */
    private final CoalescedFlush flush;
    private Ready ready;
    private IdleWatcher watcher;
    private boolean goAwayReceived;
    /** Its backend was removed by a reload or went down: it finishes its streams and takes no new one. */
    private EvictionReason retired;
    /** Streams open now, and opened in the connection's life (what {@code max_requests_per_connection} counts). */
    private int activeStreams;
    private long streamsOpened;
    /** The generic pool's lease, while {@link H2StreamPool} holds the connection (it carries streams). */
    private Lease<H2Connection> lease;

    private H2Connection(Channel channel, BackendKey key, Http2FrameCodec codec) {
        this.channel = channel;
        this.key = key;
        this.codec = codec;
        this.streams = new Http2StreamChannelBootstrap(channel);
        this.flush = new CoalescedFlush(channel);
    }

    /**
     * Installs the HTTP/2 handlers on a connected (and, for h2, TLS-established) channel and sends the preface;
     * {@code ready} hears when the backend's SETTINGS arrive.
     *
     * @param maxHeaderListSize SETTINGS_MAX_HEADER_LIST_SIZE announced to the backend: the response head limit
     */
    static H2Connection install(Channel channel, BackendKey key, int maxHeaderListSize, Ready ready) {
        // RFC 9113 §8.4: a proxy's backend connection has no use for server push.
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false).maxHeaderListSize(
                        maxHeaderListSize))
                .validateHeaders(true)
                .build();
        H2Connection connection = new H2Connection(channel, key, codec);
        connection.ready = ready;
        channel.pipeline()
                .addLast(CODEC, codec)
                .addLast(MULTIPLEX, new Http2MultiplexHandler(RefusedPush.INSTANCE))
                .addLast(WATCHER, connection.new Watcher());
        // Every stream's frames come through this channel; each stream's own back-pressure is its flow-control window.
        channel.config().setAutoRead(true);
        return connection;
    }

    Channel channel() {
        return channel;
    }

    BackendKey key() {
        return key;
    }

    /**
     * How many streams it may carry at once: {@code configured}, lowered by the backend's
     * SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §6.5.2), which Netty holds as the local endpoint's limit.
     */
    int capacity(int configured) {
        return Math.min(configured, codec.connection().local().maxActiveStreams());
    }

    int activeStreams() {
        return activeStreams;
    }

    long streamsOpened() {
        return streamsOpened;
    }

    boolean goAwayReceived() {
        return goAwayReceived;
    }

    void retire(EvictionReason reason) {
        retired = reason;
    }

    /** Why it was retired; null if it was not. */
    EvictionReason retired() {
        return retired;
    }

    /** True while it may take a new stream as far as its own state goes: open, no GOAWAY, not retired. */
    boolean takesStreams() {
        return isOpen() && retired == null;
    }

    Lease<H2Connection> lease() {
        return lease;
    }

    void held(Lease<H2Connection> generic) {
        lease = generic;
    }

    void released() {
        lease = null;
    }

    /** Counts a stream about to open and opens it; the future completes on the connection's loop. */
    Future<Http2StreamChannel> openStream() {
        activeStreams++;
        streamsOpened++;
        return streams.open();
    }

    /** A stream's lease ended. */
    void streamEnded() {
        activeStreams--;
    }

    H2Stream installStream(Http2StreamChannel child) {
        return H2Stream.install(child, key, codec, flush);
    }

    @Override
    public boolean isOpen() {
        return channel.isActive() && !goAwayReceived;
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public void watchIdle(IdleWatcher idleWatcher) {
        watcher = idleWatcher;
        if (!isOpen()) {
            tellWatcher();
        }
    }

    @Override
    public void unwatchIdle() {
        watcher = null;
    }

    private void tellWatcher() {
        if (watcher != null) {
            IdleWatcher current = watcher;
            watcher = null;
            current.peerClosed();
        }
    }

    @Override
    public String toString() {
        return key.label() + " h2 (" + activeStreams + " streams)";
    }

    /** Connection-level frames and the channel's end, after the multiplex handler. */
    private final class Watcher extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2SettingsFrame && ready != null) {
                    Ready told = ready;
                    ready = null;
                    told.ready(H2Connection.this);
                } else if (msg instanceof Http2GoAwayFrame) {
                    // RFC 9113 §6.8: no new stream on it; those below the last stream id finish, then it closes.
                    goAwayReceived = true;
                    tellWatcher();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ready != null) {
                Ready told = ready;
                ready = null;
                told.closedBeforeSettings();
            }
            tellWatcher();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Server-initiated streams are refused: pushes are disabled in SETTINGS, so none should come. */
    @ChannelHandler.Sharable
    private static final class RefusedPush extends ChannelInboundHandlerAdapter {
        static final RefusedPush INSTANCE = new RefusedPush();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
