package io.snipool.core.http2;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.snipool.core.metrics.Http2Meters.Refusal;
import java.util.Locale;
import java.util.Optional;

/**
 * Which defence an {@link Http2Exception} of Netty's codec stands for. Netty tells its defences apart only by error
 * code and message, so the messages of Netty 4.2.18 are matched here, in one place; the attack tests in
 * {@code Http2AttackTest} fail if a Netty upgrade rewords them.
 */
final class Http2Refusals {

    private Http2Refusals() {
    }

    /** The refusal a connection error counts as; empty for a close that refuses nothing (NO_ERROR). */
    static Optional<Refusal> ofConnectionError(Http2Error error, String message) {
        String text = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return Optional.ofNullable(switch (error) {
            case NO_ERROR -> null;
            case ENHANCE_YOUR_CALM -> text.contains("rst frames") ? Refusal.RAPID_RESET
                    : text.contains("control frames") ? Refusal.CONTROL_FRAME_FLOOD
                    : text.contains("continuation") ? Refusal.CONTINUATION_FLOOD
                    : text.contains("empty data") ? Refusal.EMPTY_DATA_FLOOD
                    : Refusal.PROTOCOL_ERROR;
            case PROTOCOL_ERROR -> text.contains("header size exceeded") ? Refusal.HEADER_LIST_TOO_LARGE
                    : Refusal.PROTOCOL_ERROR;
            case FRAME_SIZE_ERROR -> Refusal.FRAME_TOO_LARGE;
            case FLOW_CONTROL_ERROR -> Refusal.FLOW_CONTROL;
            // Stream ids used up (RFC 9113 §5.1.1): the budget ends a connection long before, but count it alike.
            case REFUSED_STREAM -> Refusal.STREAM_BUDGET;
            default -> Refusal.PROTOCOL_ERROR;
        });
    }

    /**
     * The refusal a stream error counts as; empty for STREAM_CLOSED (frames racing a reset, which every busy
     * client sends) and CANCEL (snipool's own reset when an exchange ends early).
     */
    static Optional<Refusal> ofStreamError(Http2Exception.StreamException error) {
        return Optional.ofNullable(switch (error.error()) {
            case REFUSED_STREAM -> Refusal.CONCURRENT_STREAMS;
            case PROTOCOL_ERROR -> error instanceof Http2Exception.HeaderListSizeException
                    ? Refusal.HEADER_LIST_TOO_LARGE : Refusal.MALFORMED;
            case FLOW_CONTROL_ERROR -> Refusal.FLOW_CONTROL;
            case FRAME_SIZE_ERROR -> Refusal.FRAME_TOO_LARGE;
            case STREAM_CLOSED, CANCEL, NO_ERROR -> null;
            default -> Refusal.MALFORMED;
        });
    }

    /** The {@code error} label of a GOAWAY: the RFC 9113 §7 name, or {@code unknown} (bounded label set). */
    static String errorLabel(long code) {
        Http2Error error = Http2Error.valueOf(code);
        return error == null ? "unknown" : error.name().toLowerCase(Locale.ROOT);
    }
}
