package io.snipool.core.http2;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameStreamEvent;
import io.netty.handler.codec.http2.Http2LocalFlowController;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.concurrent.ScheduledFuture;
import io.snipool.config.Http2Limits;
import io.snipool.core.metrics.Http2Meters;
import io.snipool.core.metrics.Http2Meters.Refusal;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The limits of a client's HTTP/2 connection that Netty's codec does not enforce. Place it right after the codec
 * that {@link Http2ServerCodecs#frameCodec} built, before the {@code Http2MultiplexHandler}:
 * <ul>
 *   <li>the connection's flow-control window is raised to {@code http2.connection_window_size} at start;</li>
 *   <li>the stream budget: the stream that uses up {@code http2.max_requests_per_connection} is served, and
 *       GOAWAY NO_ERROR with its id as the last stream tells the client to open a new connection; streams in
 *       flight finish, later ones are ignored (RFC 9113 §6.8), and the connection closes when the last one ends.
 *       This is also the defence against stream-id exhaustion;</li>
 *   <li>the window stall: a stream whose response has begun and has no flow-control window to go on (its own or
 *       the connection's at zero) and gets no WINDOW_UPDATE for {@code http2.window_stall_timeout} is reset with
 *       RST_STREAM PROTOCOL_ERROR (nginx's code for a stream that timed out). Its child channel closes, and the
 *       exchange with it, which closes the backend connection of the unfinished response.</li>
 * </ul>
 * The guard watches the streams itself (stream events, the frames the streams write, the client's window
 * updates): the per-stream sessions need to call nothing.
 *
 * <p>A connection error the codec raised stops here: the codec answers it itself (GOAWAY with the error's code,
 * then the close), and a handler further on that closed the channel on it would have the codec send GOAWAY
 * NO_ERROR first, hiding the code from the client. Stream errors and every other exception go on.
 */
public final class Http2ConnectionGuard extends ChannelDuplexHandler {

    private final Http2Limits limits;
    private final Http2Meters meters;
    private final Map<Integer, ScheduledFuture<?>> stallTimers = new HashMap<>();
    private ChannelHandlerContext ctx;
    private ChannelHandlerContext codecContext;
    private Http2FrameCodec codec;
    private Http2Connection connection;
    private int streamsOpened;
    private boolean budgetSpent;
    private boolean windowRaised;

    public Http2ConnectionGuard(Http2Limits limits, Http2Meters meters) {
        this.limits = limits;
        this.meters = meters;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Http2Exception {
        this.ctx = ctx;
        codecContext = ctx.pipeline().context(Http2FrameCodec.class);
        if (codecContext == null || !(codecContext.handler() instanceof ServerFrameCodec watched)) {
            throw new IllegalStateException("Http2ConnectionGuard must follow the codec of Http2ServerCodecs");
        }
        codec = watched;
        connection = codec.connection();
        watched.onWindowUpdate(this::windowUpdated);
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamAdded(Http2Stream stream) {
                streamAdded(stream);
            }

            @Override
            public void onStreamClosed(Http2Stream stream) {
                streamClosed(stream);
            }
        });
        if (ctx.channel().isActive()) {
            raiseConnectionWindow();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        raiseConnectionWindow();
        super.channelActive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stallTimers.values().forEach(timer -> timer.cancel(false));
        stallTimers.clear();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        Http2Exception error = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
        if (error != null && !(error instanceof Http2Exception.StreamException)) {
            return;
        }
        super.exceptionCaught(ctx, cause);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof Http2FrameStreamEvent streamEvent
                && streamEvent.type() == Http2FrameStreamEvent.Type.Writability) {
            checkStall(connection.stream(streamEvent.stream().id()));
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        // Read before the write: the codec may release the frame.
        int streamId = msg instanceof Http2StreamFrame frame && frame.stream() != null ? frame.stream().id() : 0;
        ctx.write(msg, promise);
        if (streamId > 0) {
            checkStall(connection.stream(streamId));
        }
    }

    /**
     * RFC 9113 §6.9.2: the connection window starts at 65,535 and only WINDOW_UPDATE on stream 0 raises it. The
     * codec has sent its SETTINGS first (in its own handlerAdded or channelActive, which run before ours).
     */
    private void raiseConnectionWindow() throws Http2Exception {
        if (windowRaised) {
            return;
        }
        windowRaised = true;
        Http2Stream connectionStream = connection.connectionStream();
        Http2LocalFlowController flow = connection.local().flowController();
        int delta = limits.connectionWindowSize() - flow.initialWindowSize(connectionStream);
        if (delta > 0) {
            flow.incrementWindowSize(connectionStream, delta);
            codecContext.flush();
        }
    }

    private void streamAdded(Http2Stream stream) {
        if (!connection.remote().isValidStreamId(stream.id()) || budgetSpent) {
            return;
        }
        streamsOpened++;
        if (streamsOpened >= limits.maxRequestsPerConnection()) {
            budgetSpent = true;
            meters.refused(Refusal.STREAM_BUDGET);
            // This stream is the last one served; RFC 9113 §6.8 lets the client retry any later one elsewhere.
            codec.goAway(codecContext, stream.id(), Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER,
                    codecContext.newPromise());
            codecContext.flush();
        }
    }

    private void streamClosed(Http2Stream stream) {
        ScheduledFuture<?> timer = stallTimers.remove(stream.id());
        if (timer != null) {
            timer.cancel(false);
        }
        if (budgetSpent && connection.numActiveStreams() == 0) {
            // Not from inside the codec's stream bookkeeping: the close writes and flushes.
            ctx.executor().execute(ctx::close);
        }
    }

    private void windowUpdated(int streamId) {
        if (streamId == 0) {
            for (Integer id : stallTimers.keySet().toArray(Integer[]::new)) {
                restartStallTimer(id);
            }
        } else if (stallTimers.containsKey(streamId)) {
            restartStallTimer(streamId);
        }
    }

    /** A WINDOW_UPDATE is progress: the stall, if any, counts again from now. */
    private void restartStallTimer(int streamId) {
        ScheduledFuture<?> timer = stallTimers.remove(streamId);
        if (timer != null) {
            timer.cancel(false);
        }
        checkStall(connection.stream(streamId));
    }

    private void checkStall(Http2Stream stream) {
        // Asked on every frame written: the cheap state test first, the map (a boxed id) only for a stalled stream.
        if (stream == null || !stalled(stream) || stallTimers.containsKey(stream.id())) {
            return;
        }
        int streamId = stream.id();
        stallTimers.put(streamId, ctx.executor().schedule(() -> stallExpired(streamId),
                limits.windowStallTimeout().toNanos(), TimeUnit.NANOSECONDS));
    }

    private void stallExpired(int streamId) {
        stallTimers.remove(streamId);
        Http2Stream stream = connection.stream(streamId);
        if (stream == null || !stalled(stream)) {
            return;
        }
        meters.refused(Refusal.WINDOW_STALL);
        codec.resetStream(codecContext, streamId, Http2Error.PROTOCOL_ERROR.code(), codecContext.newPromise());
        codecContext.flush();
    }

    /**
     * A response under way (headers sent, END_STREAM not yet) with no window to send in: the stream's or the
     * connection's window at zero or below (RFC 9113 §6.9.2 lets a SETTINGS change push it below).
     */
    private boolean stalled(Http2Stream stream) {
        Http2Stream.State state = stream.state();
        if (!stream.isHeadersSent()
                || state != Http2Stream.State.OPEN && state != Http2Stream.State.HALF_CLOSED_REMOTE) {
            return false;
        }
        Http2RemoteFlowController flow = connection.remote().flowController();
        return flow.windowSize(stream) <= 0 || flow.windowSize(connection.connectionStream()) <= 0;
    }
}
