package io.snipool.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP/2 defences of one listener's client connections: each refusal by reason, each GOAWAY by direction and
 * error code. Thread-safe; shared by the listener's event loops and kept across reloads.
 */
public final class Http2Meters {

    public static final String REFUSALS = "snipool.http2.refusals";
    public static final String GOAWAYS = "snipool.http2.goaways";

    /** Why snipool refused a stream or closed a client's HTTP/2 connection; docs/http.md explains each. */
    public enum Refusal {
        /** More RST_STREAM frames within {@code http2.reset_window} than {@code http2.max_resets_per_window}. */
        RAPID_RESET,
        /** More small CONTINUATION frames in one header block than {@code http2.max_small_continuation_frames}. */
        CONTINUATION_FLOOD,
        /** A header block larger than {@code http2.max_header_list_size}. */
        HEADER_LIST_TOO_LARGE,
        /** More control frames queued for a client that does not read than {@code http2.max_queued_control_frames}. */
        CONTROL_FRAME_FLOOD,
        /** More empty DATA frames in a row than {@code http2.max_consecutive_empty_data_frames}. */
        EMPTY_DATA_FLOOD,
        /** A frame larger than {@code http2.max_frame_size}. */
        FRAME_TOO_LARGE,
        /** A stream beyond {@code http2.max_concurrent_streams} open at once (RST_STREAM REFUSED_STREAM). */
        CONCURRENT_STREAMS,
        /** The connection used up {@code http2.max_requests_per_connection} (GOAWAY NO_ERROR). */
        STREAM_BUDGET,
        /** A response waited {@code http2.window_stall_timeout} on a zero flow-control window. */
        WINDOW_STALL,
        /**
         * A malformed request (RFC 9113 §8.1.1): a header field name or value §8.2.1 forbids, a connection-specific
         * field, misused pseudo-headers, a body longer or shorter than its content-length (RST_STREAM PROTOCOL_ERROR).
         */
        MALFORMED,
        /** A flow-control violation by the client (FLOW_CONTROL_ERROR). */
        FLOW_CONTROL,
        /** Any other protocol violation that closed the connection. */
        PROTOCOL_ERROR;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Which way a GOAWAY went. */
    public enum Direction {
        SENT, RECEIVED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final String listener;
    private final Map<Refusal, Counter> refusals = new EnumMap<>(Refusal.class);
    /** Keyed by direction and error label, joined by a NUL, which neither contains. */
    private final Map<String, Counter> goAways = new ConcurrentHashMap<>();

    public Http2Meters(MeterRegistry registry, String listener) {
        this.registry = registry;
        this.listener = listener;
        for (Refusal reason : Refusal.values()) {
            refusals.put(reason, Counter.builder(REFUSALS)
                    .description("HTTP/2 streams refused or connections closed by a limit or defence, by reason")
                    .tag("listener", listener).tag("reason", reason.label()).register(registry));
        }
    }

    public void refused(Refusal reason) {
        refusals.get(reason).increment();
    }

    /**
     * Counts one GOAWAY; {@code error} is the lower-case name of its RFC 9113 §7 error code ({@code no_error},
     * {@code enhance_your_calm}, ...), or {@code unknown} for a code outside §7, so that the label set stays bounded.
     */
    public void goAway(Direction direction, String error) {
        goAways.computeIfAbsent(direction.label() + '\0' + error, key -> Counter.builder(GOAWAYS)
                .description("HTTP/2 GOAWAY frames on client connections, by direction and error code")
                .tag("listener", listener).tag("direction", direction.label()).tag("error", error)
                .register(registry)).increment();
    }

    /** The count of {@code reason} so far, for tests and the status page. */
    public double refusals(Refusal reason) {
        return refusals.get(reason).count();
    }
}
