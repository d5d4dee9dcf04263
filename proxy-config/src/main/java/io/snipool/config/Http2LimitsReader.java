package io.snipool.config;

import java.time.Duration;

/** Reads the top-level {@code http2} block over {@link Http2Limits#defaults()}, each key within its range. */
final class Http2LimitsReader {

    /** Netty counts the rapid-reset window in whole seconds. */
    private static final ValueParser<Duration> RESET_WINDOW = ValueParser.duration(Duration.ofSeconds(1),
            Duration.ofHours(1)).then((text, value) -> value.getNano() == 0
            ? new ValueParser.Parsed.Accepted<>(value)
            : new ValueParser.Parsed.Refused<>("must be whole seconds (Netty counts the reset window in seconds),"
                    + " got " + text));

    private Http2LimitsReader() {
    }

    static Http2Limits read(YamlMap map) {
        Http2Limits limits = new Http2Limits(
                map.intValue("max_concurrent_streams", Http2Limits.DEFAULT_MAX_CONCURRENT_STREAMS, 1, 100_000),
                map.size("max_header_list_size", Http2Limits.DEFAULT_MAX_HEADER_LIST_SIZE, 1024, 1024 * 1024),
                // 0 is legal (RFC 7541 §4.2: no dynamic table); 64KiB is 16 times what any browser asks for.
                map.size("header_table_size", Http2Limits.DEFAULT_HEADER_TABLE_SIZE, 0, 64 * 1024),
                map.size("max_frame_size", Http2Limits.DEFAULT_MAX_FRAME_SIZE, Http2Limits.MIN_FRAME_SIZE,
                        Http2Limits.MAX_FRAME_SIZE),
                // Below 1KiB every upload crawls; 0 is legal in the protocol but would stall every request body.
                map.size("initial_window_size", Http2Limits.DEFAULT_INITIAL_WINDOW_SIZE, 1024,
                        Http2Limits.MAX_WINDOW_SIZE),
                map.size("connection_window_size", Http2Limits.DEFAULT_CONNECTION_WINDOW_SIZE, 64 * 1024,
                        Http2Limits.MAX_WINDOW_SIZE),
                map.intValue("max_requests_per_connection", Http2Limits.DEFAULT_MAX_REQUESTS_PER_CONNECTION, 1,
                        Http2Limits.MAX_CLIENT_STREAM_IDS),
                map.intValue("max_resets_per_window", Http2Limits.DEFAULT_MAX_RESETS_PER_WINDOW, 1, 1_000_000),
                map.value("reset_window", Http2Limits.DEFAULT_RESET_WINDOW, RESET_WINDOW),
                map.intValue("max_queued_control_frames", Http2Limits.DEFAULT_MAX_QUEUED_CONTROL_FRAMES, 1,
                        1_000_000),
                map.intValue("max_small_continuation_frames", Http2Limits.DEFAULT_MAX_SMALL_CONTINUATION_FRAMES, 1,
                        10_000),
                map.intValue("max_consecutive_empty_data_frames",
                        Http2Limits.DEFAULT_MAX_CONSECUTIVE_EMPTY_DATA_FRAMES, 1, 10_000),
                map.duration("window_stall_timeout", Http2Limits.DEFAULT_WINDOW_STALL_TIMEOUT, Duration.ofMillis(1),
                        Duration.ofHours(1)));
        map.finish();
        return limits;
    }
}
