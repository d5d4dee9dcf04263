package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.snipool.config.InetLiterals;
import io.snipool.core.accesslog.AccessRecord;
import io.snipool.core.http2.Http2ConnectionGuard;
import io.snipool.core.http2.Http2ServerCodecs;
import io.snipool.core.loop.Deadline;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * One HTTP/2 client connection: the frame codec, Netty's multiplexer giving each stream a child channel with an
 * {@link Http2StreamSession}, and this handler behind them, which holds what every stream shares (the client's
 * facts, the terminated TLS), swallows what the multiplexer passes on (connection frames), and drains: GOAWAY, then
 * the close once the streams in flight are done. The connection's flow control is the codec's; a stream's is tied to
 * its exchange by the stream session.
 */
final class Http2ClientConnection extends ChannelInboundHandlerAdapter {

    static final String FRAME_CODEC = "snipool-h2-frames";
    static final String GUARD = "snipool-h2-guard";
    static final String MULTIPLEX = "snipool-h2-streams";
    static final String NAME = "snipool-h2";
    /** The access log's protocol field for a request on a stream. */
    static final String PROTOCOL = "HTTP/2.0";

    private final HttpProxy proxy;
    private final Channel channel;
    private final String clientAddress;
    private final String clientEndpoint;
    private final Optional<TerminatedTls> tls;
    private final AccessRecord.Tls accessLogTls;
    /** The configuration {@link #trustedPeer} was last worked out for, and its answer. */
    private HttpListener trustJudgedFor;
    private boolean trustedPeer;
    /**
     * The connection's own timer: {@code timeouts.request_head} from its start to its first stream (the preface and
     * a request, as an HTTP/1.1 connection's first head), then {@code timeouts.idle} whenever no stream is open.
     */
    private final Deadline idleTimer;
    private final Runnable idleExpired = this::idleExpired;
    /** The streams' flushes: the responses written in one loop run leave in one TLS record and write. */
    private final CoalescedFlush flush;
    private int openStreams;
    /**
     * The timers of ended streams, for the next ones: a timer reused keeps its scheduled task, which a stream with
     * the same timeout need not replace, where a new timer per stream scheduled one and cancelled it at the end.
     */
    private final ArrayDeque<Deadline> spareTimers = new ArrayDeque<>();
    private boolean closed;

    private Http2ClientConnection(HttpProxy proxy, Channel channel, String clientAddress, String clientEndpoint,
                                  Optional<TerminatedTls> tls) {
        this.proxy = proxy;
        this.channel = channel;
        this.clientAddress = clientAddress;
        this.clientEndpoint = clientEndpoint;
        this.tls = tls;
        this.accessLogTls = tls.map(t -> new AccessRecord.Tls(t.protocol(), t.cipher(), t.serverName().orElse(null)))
                .orElse(null);
        this.idleTimer = new Deadline(channel.eventLoop());
        this.flush = new CoalescedFlush(channel);
    }

    /**
     * Makes {@code channel} an HTTP/2 connection: its handlers go in front of {@code before} (Vert.x's own, or the
     * h2c preface sniffer's successor), and the client's preface, read or still to come, is the codec's to check.
     *
     * @return the connection, whose {@link #drain} the listener's shutdown calls
     */
    static Http2ClientConnection start(HttpProxy proxy, Channel channel, String before, String clientAddress,
                                       String clientEndpoint, Optional<TerminatedTls> tls) {
        Http2ClientConnection connection = new Http2ClientConnection(proxy, channel, clientAddress, clientEndpoint,
                tls);
        proxy.listener().meters().http2Connection();
        // A FIN ends an h2 connection: no request can be half sent the way an HTTP/1.1 one is answered after it.
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        ChannelPipeline pipeline = channel.pipeline();
        HttpListener listener = proxy.listener();
        pipeline.addBefore(before, FRAME_CODEC, Http2ServerCodecs.frameCodec(listener.http2(), listener.http2Meters()));
        pipeline.addBefore(before, GUARD, new Http2ConnectionGuard(listener.http2(), listener.http2Meters()));
        pipeline.addBefore(before, MULTIPLEX, new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                // The stream session asks for each frame: an unread DATA frame keeps its bytes out of the window.
                stream.config().setAutoRead(false);
                stream.pipeline().addLast(CoalescedFlush.NAME, connection.flush);
                stream.pipeline().addLast(H2ObjectCodec.NAME, new H2ObjectCodec(H2ObjectCodec.Side.SERVER));
                stream.pipeline().addLast(Http2StreamSession.NAME, new Http2StreamSession(connection, stream));
            }
        }));
        pipeline.addBefore(before, NAME, connection);
        connection.idleTimer.arm(listener.timeouts().requestHead(), connection.idleExpired);
        // The streams' flow control paces the client; the connection itself is always read.
        channel.config().setAutoRead(true);
        return connection;
    }

    /** Sends what the streams wrote now, ahead of a frame that must not overtake it. */
    void flushNow() {
        flush.flushNow();
    }

    HttpProxy proxy() {
        return proxy;
    }

    String clientAddress() {
        return clientAddress;
    }

    Optional<TerminatedTls> tls() {
        return tls;
    }

    /** A request's log, with the connection's client and TLS. */
    RequestLog newLog(HttpListener listener) {
        return new RequestLog(listener, clientEndpoint, accessLogTls);
    }

    /** As {@link ClientSession#trustedPeer}: worked out once per connection and configuration. */
    boolean trustedPeer(HttpListener listener) {
        if (listener != trustJudgedFor) {
            trustJudgedFor = listener;
            trustedPeer = !listener.forwarded().trustedProxies().isEmpty() && InetLiterals.isIpLiteral(clientAddress)
                    && listener.forwarded().trusts(InetLiterals.parse(clientAddress));
        }
        return trustedPeer;
    }

    /**
     * The listener is shutting down: the codec's close is graceful (RFC 9113 §6.8): GOAWAY(NO_ERROR) with the last
     * stream it took, then the close once those streams are done, within the listener's drain {@code timeout}
     * (the codec's own is {@code http2.window_stall_timeout}, meant for a close of snipool's own).
     */
    void drain(Duration timeout) {
        Runnable close = () -> {
            Http2FrameCodec codec = (Http2FrameCodec) channel.pipeline().get(FRAME_CODEC);
            if (codec != null) {
                codec.gracefulShutdownTimeoutMillis(Math.max(1, timeout.toMillis()));
            }
            channel.close();
        };
        if (channel.eventLoop().inEventLoop()) {
            close.run();
        } else {
            channel.eventLoop().execute(close);
        }
    }

    /** A timer for a stream, a spare one if an ended stream left one. */
    Deadline streamTimer() {
        Deadline spare = spareTimers.poll();
        return spare != null ? spare : new Deadline(channel.eventLoop());
    }

    /** An ended stream's timer, cancelled, kept for the next stream; disposed once the connection is closed. */
    void streamTimerDone(Deadline timer) {
        if (closed) {
            timer.dispose();
        } else {
            timer.cancel();
            spareTimers.push(timer);
        }
    }

    /** A stream session started: the connection is not idle. */
    void streamOpened() {
        openStreams++;
        idleTimer.cancel();
    }

    /** A stream session ended; the last one starts {@code timeouts.idle}. */
    void streamClosed() {
        openStreams--;
        if (openStreams == 0 && channel.isActive()) {
            idleTimer.arm(proxy.listener().timeouts().idle(), idleExpired);
        }
    }

    /**
     * No stream for the timeout: the close is the codec's graceful one (GOAWAY NO_ERROR, RFC 9113 §9.1: a server
     * that closes an idle connection says so first), which a stream opened meanwhile would wait for.
     */
    private void idleExpired() {
        if (openStreams == 0) {
            channel.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        idleTimer.dispose();
        closed = true;
        spareTimers.forEach(Deadline::dispose);
        spareTimers.clear();
        context.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        // Connection frames the multiplexer passes on (SETTINGS, PING, GOAWAY): the codec has acted on them.
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            context.close();
            return;
        }
        context.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        // The codec answered a connection error with GOAWAY already; what reaches here is a read error or a reset.
        context.close();
    }
}
