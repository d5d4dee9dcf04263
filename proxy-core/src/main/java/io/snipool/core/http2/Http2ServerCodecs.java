package io.snipool.core.http2;

import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;
import io.snipool.config.Http2Limits;
import io.snipool.core.metrics.Http2Meters;

/**
 * Builds the server side of a client's HTTP/2 connection from {@link Http2Limits}: Netty's
 * {@link Http2FrameCodec} with every defence it offers switched on and set from the limits. Place an
 * {@link Http2ConnectionGuard} right after it; the guard raises the connection window and enforces the stream
 * budget and the window stall. The codec counts what it refuses in {@link Http2Meters}.
 *
 * <p>Header fields: with {@code validateHeaders} Netty 4.2.18's HPACK decoder refuses invalid names,
 * connection-specific fields, a {@code te} other than {@code trailers}, and values with NUL, CR, LF, other controls
 * or leading white space (RFC 9113 §8.2.1, §8.2.2), each a stream error PROTOCOL_ERROR; the codec adds the check of
 * trailing white space it leaves out.
 */
public final class Http2ServerCodecs {

    private Http2ServerCodecs() {
    }

    /**
     * A new codec for one client connection (a codec is a channel handler, not shareable) whose refusals and
     * GOAWAY frames count in {@code meters}.
     */
    public static Http2FrameCodec frameCodec(Http2Limits limits, Http2Meters meters) {
        int resetWindowSeconds = Math.toIntExact(limits.resetWindow().toSeconds());
        return new ServerCodecBuilder(meters)
                .initialSettings(initialSettings(limits))
                // RFC 9113 §8.2.1, §8.2.2, §8.3: field names, connection-specific fields, te, pseudo-headers.
                .validateHeaders(true)
                .validateRequiredPseudoHeaders(true)
                // Rapid reset (CVE-2023-44487): the client's RST_STREAM frames per window.
                .decoderEnforceMaxRstFramesPerWindow(limits.maxResetsPerWindow(), resetWindowSeconds)
                // MadeYouReset (CVE-2025-55163): the resets the client makes snipool send, on the same budget.
                .encoderEnforceMaxRstFramesPerWindow(limits.maxResetsPerWindow(), resetWindowSeconds)
                // SETTINGS, PING and RST_STREAM floods from a client that does not read (CVE-2019-9512/9514/9515).
                .encoderEnforceMaxQueuedControlFrames(limits.maxQueuedControlFrames())
                .decoderEnforceMaxSmallContinuationFrames(limits.maxSmallContinuationFrames())
                .decoderEnforceMaxConsecutiveEmptyDataFrames(limits.maxConsecutiveEmptyDataFrames())
                // A close (drain, budget, idle) waits this long for the streams in flight and their last bytes;
                // a client that lets them wait longer is stalling, as window_stall_timeout defines it.
                .gracefulShutdownTimeoutMillis(limits.windowStallTimeout().toMillis())
                .build();
    }

    /** The SETTINGS snipool sends first on every client connection (RFC 9113 §6.5.2). */
    public static Http2Settings initialSettings(Http2Limits limits) {
        return new Http2Settings()
                .maxConcurrentStreams(limits.maxConcurrentStreams())
                .maxHeaderListSize(limits.maxHeaderListSize())
                .headerTableSize(limits.headerTableSize())
                .maxFrameSize(limits.maxFrameSize())
                .initialWindowSize(limits.initialWindowSize());
    }

    /** Netty's server builder, building a {@link ServerFrameCodec} on Netty's own path (all its defences kept). */
    private static final class ServerCodecBuilder extends Http2FrameCodecBuilder {
        private final Http2Meters meters;

        ServerCodecBuilder(Http2Meters meters) {
            this.meters = meters;
            server(true);
        }

        @Override
        protected Http2FrameCodec build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                                        Http2Settings initialSettings) {
            return new ServerFrameCodec(encoder, decoder, initialSettings, decoupleCloseAndGoAway(), flushPreface(),
                    meters);
        }
    }
}
