package io.snipool.config;

import java.time.Duration;

/**
 * The limits of every client-side HTTP/2 connection (ALPN h2 on terminating routes, h2c with prior knowledge on
 * HTTP listeners): the top-level {@code http2} block. The first six are advertised to the client in the server's
 * SETTINGS or WINDOW_UPDATE; the rest are defences the client learns of only when it crosses them.
 *
 * @param maxConcurrentStreams     SETTINGS_MAX_CONCURRENT_STREAMS: streams open at once; one more is refused
 *                                 with RST_STREAM REFUSED_STREAM
 * @param maxHeaderListSize        SETTINGS_MAX_HEADER_LIST_SIZE: a request's header fields, decompressed, counted
 *                                 as RFC 9113 §6.5.2 does (name + value + 32 per field)
 * @param headerTableSize          SETTINGS_HEADER_TABLE_SIZE: the HPACK dynamic table the client may use
 * @param maxFrameSize             SETTINGS_MAX_FRAME_SIZE: the largest frame payload the client may send
 * @param initialWindowSize        SETTINGS_INITIAL_WINDOW_SIZE: the flow-control window of each request stream
 * @param connectionWindowSize     the connection's flow-control window, raised by WINDOW_UPDATE on stream 0 at
 *                                 start (the protocol starts it at 65,535 and has no setting for it)
 * @param maxRequestsPerConnection streams (requests) over a connection's life; the last one allowed is answered and
 *                                 the connection is closed with GOAWAY NO_ERROR, so that the client opens a new one
 * @param maxResetsPerWindow       RST_STREAM frames the client may send within {@code resetWindow}; one more
 *                                 closes the connection with GOAWAY ENHANCE_YOUR_CALM (rapid reset)
 * @param resetWindow              the window of {@code maxResetsPerWindow}, whole seconds
 * @param maxQueuedControlFrames   control frames (SETTINGS and PING acknowledgements, RST_STREAM) queued for a
 *                                 client that does not read them; one more closes the connection
 * @param maxSmallContinuationFrames CONTINUATION frames in one header block that are smaller than the
 *                                 average of a real one; one more closes the connection (CONTINUATION flood)
 * @param maxConsecutiveEmptyDataFrames DATA frames in a row with neither payload nor END_STREAM; one more closes
 *                                 the connection
 * @param windowStallTimeout       a stream with a response under way and no flow-control window to send it in is
 *                                 reset after this long
 */
public record Http2Limits(int maxConcurrentStreams, int maxHeaderListSize, int headerTableSize, int maxFrameSize,
                          int initialWindowSize, int connectionWindowSize, int maxRequestsPerConnection,
                          int maxResetsPerWindow, Duration resetWindow, int maxQueuedControlFrames,
                          int maxSmallContinuationFrames, int maxConsecutiveEmptyDataFrames,
                          Duration windowStallTimeout) {

    /** RFC 9113 §6.5.2 recommends advertising no fewer than 100 concurrent streams. */
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 100;
    /** RFC 9113 §6.5.2 leaves SETTINGS_MAX_HEADER_LIST_SIZE unlimited; 64KiB matches HTTP/1.1's request head. */
    public static final int DEFAULT_MAX_HEADER_LIST_SIZE = 64 * 1024;
    /** RFC 9113 §6.5.2: SETTINGS_HEADER_TABLE_SIZE starts at 4,096 octets. */
    public static final int DEFAULT_HEADER_TABLE_SIZE = 4096;
    /** RFC 9113 §6.5.2: SETTINGS_MAX_FRAME_SIZE starts at 2^14, also its smallest allowed value. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 16 * 1024;
    /**
     * RFC 9113 §6.5.2 starts SETTINGS_INITIAL_WINDOW_SIZE at 65,535; 64KiB is one more, a round number for an
     * upload in flight per stream.
     */
    public static final int DEFAULT_INITIAL_WINDOW_SIZE = 64 * 1024;
    /** RFC 9113 §6.9.2: the connection window starts at 65,535; 1MiB lets ten streams upload at full window. */
    public static final int DEFAULT_CONNECTION_WINDOW_SIZE = 1024 * 1024;
    /**
     * A client's stream ids are odd numbers below 2^31 (RFC 9113 §5.1.1), so a connection can carry at most 2^30
     * streams; ending it earlier also moves long-lived clients across the nodes behind a load balancer now and then.
     * A million, not nginx's thousand: a gRPC channel or a benchmark sends thousands of requests a second on one
     * connection, and a budget of 10,000 had them reconnecting every few seconds (h2load, which does not reconnect,
     * lost most of its clients within a 10 s run).
     */
    public static final int DEFAULT_MAX_REQUESTS_PER_CONNECTION = 1_000_000;
    /** Netty's and nginx's figure against rapid reset (CVE-2023-44487): 200 resets per 30 seconds. */
    public static final int DEFAULT_MAX_RESETS_PER_WINDOW = 200;
    public static final Duration DEFAULT_RESET_WINDOW = Duration.ofSeconds(30);
    /** Netty's default against SETTINGS and PING floods (CVE-2019-9512, CVE-2019-9515). */
    public static final int DEFAULT_MAX_QUEUED_CONTROL_FRAMES = 10_000;
    /** Netty's default against the CONTINUATION flood (CVE-2024-27316 family). */
    public static final int DEFAULT_MAX_SMALL_CONTINUATION_FRAMES = 16;
    /** Netty's default against empty DATA frames (CVE-2019-9518), which no real client sends. */
    public static final int DEFAULT_MAX_CONSECUTIVE_EMPTY_DATA_FRAMES = 2;
    public static final Duration DEFAULT_WINDOW_STALL_TIMEOUT = Duration.ofSeconds(30);

    /** RFC 9113 §6.5.2: SETTINGS_MAX_FRAME_SIZE must be between 2^14 and 2^24-1. */
    public static final int MIN_FRAME_SIZE = 16 * 1024;
    public static final int MAX_FRAME_SIZE = 16 * 1024 * 1024 - 1;
    /** RFC 9113 §6.9.1: a flow-control window must not exceed 2^31-1. */
    public static final int MAX_WINDOW_SIZE = Integer.MAX_VALUE;
    /** RFC 9113 §6.9.2: the connection window starts at 65,535 and can only be raised. */
    public static final int PROTOCOL_CONNECTION_WINDOW = 65_535;
    /** RFC 9113 §5.1.1: client stream ids are the odd numbers below 2^31. */
    public static final int MAX_CLIENT_STREAM_IDS = 1 << 30;

    public static Http2Limits defaults() {
        return new Http2Limits(DEFAULT_MAX_CONCURRENT_STREAMS, DEFAULT_MAX_HEADER_LIST_SIZE, DEFAULT_HEADER_TABLE_SIZE,
                DEFAULT_MAX_FRAME_SIZE, DEFAULT_INITIAL_WINDOW_SIZE, DEFAULT_CONNECTION_WINDOW_SIZE,
                DEFAULT_MAX_REQUESTS_PER_CONNECTION, DEFAULT_MAX_RESETS_PER_WINDOW, DEFAULT_RESET_WINDOW,
                DEFAULT_MAX_QUEUED_CONTROL_FRAMES, DEFAULT_MAX_SMALL_CONTINUATION_FRAMES,
                DEFAULT_MAX_CONSECUTIVE_EMPTY_DATA_FRAMES, DEFAULT_WINDOW_STALL_TIMEOUT);
    }
}
