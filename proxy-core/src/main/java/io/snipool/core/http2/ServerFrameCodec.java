package io.snipool.core.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.snipool.core.metrics.Http2Meters;
import io.snipool.core.metrics.Http2Meters.Direction;
import io.snipool.core.metrics.Http2Meters.Refusal;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Netty's frame codec, watched: every error it handles is counted by the defence it stands for, every GOAWAY either
 * way by its error code, and header field values get the one check of RFC 9113 §8.2.1 that Netty 4.2.18 leaves
 * out. Window updates are passed on to the {@link Http2ConnectionGuard}.
 */
final class ServerFrameCodec extends Http2FrameCodec {

    private final Http2Meters meters;
    /** Only the first connection error counts: the bytes already read behind it may raise more. */
    private boolean connectionErrorCounted;
    private IntConsumer windowUpdates = streamId -> { };

    ServerFrameCodec(Http2ConnectionEncoder encoder, Http2ConnectionDecoder decoder, Http2Settings settings,
                     boolean decoupleCloseAndGoAway, boolean flushPreface, Http2Meters meters) {
        super(encoder, decoder, settings, decoupleCloseAndGoAway, flushPreface);
        this.meters = meters;
        decoder.frameListener(new WatchingListener(decoder.frameListener()));
        connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
                meters.goAway(Direction.SENT, Http2Refusals.errorLabel(errorCode));
            }

            @Override
            public void onGoAwayReceived(int lastStreamId, long errorCode, ByteBuf debugData) {
                meters.goAway(Direction.RECEIVED, Http2Refusals.errorLabel(errorCode));
            }
        });
    }

    /** {@code listener} hears the stream id of every WINDOW_UPDATE the client sends (0: the connection's). */
    void onWindowUpdate(IntConsumer listener) {
        this.windowUpdates = listener;
    }

    @Override
    public void onError(ChannelHandlerContext ctx, boolean outbound, Throwable cause) {
        Http2Exception embedded = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
        if (embedded instanceof Http2Exception.StreamException streamError) {
            if (!outbound) {
                Http2Refusals.ofStreamError(streamError).ifPresent(meters::refused);
            }
        } else if (embedded != null && !connectionErrorCounted) {
            // Outbound too: the control-frame limit reports its flood as an outbound error.
            connectionErrorCounted = true;
            Http2Refusals.ofConnectionError(embedded.error(), embedded.getMessage()).ifPresent(meters::refused);
        }
        super.onError(ctx, outbound, cause);
    }

    /** The codec's own listener, behind a check of header values and a tap on window updates. */
    private final class WatchingListener extends Http2FrameListenerDecorator {

        WatchingListener(io.netty.handler.codec.http2.Http2FrameListener listener) {
            super(listener);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                                  boolean endOfStream) throws Http2Exception {
            if (valid(ctx, streamId, headers)) {
                super.onHeadersRead(ctx, streamId, headers, padding, endOfStream);
            }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int dependency,
                                  short weight, boolean exclusive, int padding, boolean endOfStream)
                throws Http2Exception {
            if (valid(ctx, streamId, headers)) {
                super.onHeadersRead(ctx, streamId, headers, dependency, weight, exclusive, padding, endOfStream);
            }
        }

        @Override
        public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int increment)
                throws Http2Exception {
            super.onWindowUpdateRead(ctx, streamId, increment);
            windowUpdates.accept(streamId);
        }

        /**
         * RFC 9113 §8.2.1: "a field value MUST NOT start or end with an ASCII whitespace character"; such a request
         * is malformed, a stream error of type PROTOCOL_ERROR (§8.1.1). Netty's decoder refuses NUL, CR, LF, other
         * controls and leading white space, but lets trailing white space through. The stream is reset before any
         * handler sees its headers, so nothing of it reaches a backend.
         */
        private boolean valid(ChannelHandlerContext ctx, int streamId, Http2Headers headers) {
            for (Map.Entry<CharSequence, CharSequence> field : headers) {
                CharSequence value = field.getValue();
                int last = value.length() - 1;
                if (last >= 0 && (value.charAt(last) == ' ' || value.charAt(last) == '\t')) {
                    meters.refused(Refusal.MALFORMED);
                    resetStream(ctx, streamId, Http2Error.PROTOCOL_ERROR.code(), ctx.newPromise());
                    return false;
                }
            }
            return true;
        }
    }
}
