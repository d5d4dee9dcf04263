package io.snipool.core.http;

import io.netty.buffer.ByteBuf;
import java.util.Locale;
import java.util.Set;

/**
 * Checks the framing of a chunked request body (RFC 9112 §7.1) byte by byte before Netty's decoder reads it: chunk
 * sizes that are plain hex and fit, chunk extensions by their grammar, CRLF after every line and every chunk's data,
 * and a trailer section held to the same field syntax as a head, without the fields that frame or route a message.
 * Netty's decoder skips over chunk extensions it cannot read and merges folded trailer lines; a peer in front of
 * snipool or a backend behind it may read those bytes differently, and the trailer fields reach the backend.
 *
 * <p>Incremental and pure: state carries over between calls, bytes are read at absolute indices, nothing is consumed,
 * and chunk data is skipped by its size rather than scanned. One instance per connection; {@link #reset()} before
 * each chunked body.
 */
final class ChunkedBodyGuard {

    /** What the bytes scanned so far amount to. */
    sealed interface Verdict {
        /** Every byte up to the end of the range is well-formed, and the body goes on. */
        record NeedMore() implements Verdict {
            static final NeedMore INSTANCE = new NeedMore();
        }

        /** The body ends just before {@code end}, an index into the scanned buffer; what follows is not scanned. */
        record Done(int end) implements Verdict {
        }

        /** The byte at index {@code at} breaks the framing; every byte before it is well-formed. */
        record Invalid(int at, String reason) implements Verdict {
        }
    }

    /**
     * RFC 9112 §7.1: "Recipients MUST anticipate potentially large hexadecimal numerals and prevent parsing errors due
     * to integer conversion overflows". Netty's decoder keeps a chunk's size in an int.
     */
    static final long MAX_CHUNK_SIZE = Integer.MAX_VALUE;

    /**
     * RFC 9110 §6.5.1: fields that frame or route a message, or manage the connection, cannot be processed after the
     * content; a backend that merged them into the head would read another message than snipool did. The underscore
     * spellings are the same fields to a CGI-style gateway (RFC 3875 §4.1.18).
     */
    static final Set<String> FORBIDDEN_TRAILERS = Set.of("content-length", "transfer-encoding", "host", "connection",
            "keep-alive", "proxy-connection", "te", "upgrade", "trailer", "content_length", "transfer_encoding");

    private static final int LONGEST_FORBIDDEN_NAME = 17;

    private enum State {
        SIZE, SIZE_LF,
        EXT_BEFORE_SEMICOLON, EXT_NAME_START, EXT_NAME, EXT_AFTER_NAME, EXT_VALUE_START, EXT_TOKEN, EXT_QUOTED,
        EXT_QUOTED_PAIR, EXT_AFTER_QUOTE,
        DATA, DATA_CR, DATA_LF,
        TRAILER_LINE_START, TRAILER_NAME, TRAILER_VALUE, TRAILER_VALUE_LF, END_LF, DONE
    }

    private final int maxLineBytes;
    private final int maxTrailerBytes;
    private final int maxTrailers;

    private State state;
    private int digits;
    private long size;
    private long dataLeft;
    private int lineBytes;
    private int trailerBytes;
    private int trailers;
    private final StringBuilder name = new StringBuilder(LONGEST_FORBIDDEN_NAME);

    /**
     * @param maxHeadBytes {@code limits.max_request_head_bytes}: bounds each chunk-size line and the trailer section
     * @param maxHeaders   {@code limits.max_headers}: bounds the number of trailer fields
     */
    ChunkedBodyGuard(int maxHeadBytes, int maxHeaders) {
        this.maxLineBytes = maxHeadBytes;
        this.maxTrailerBytes = maxHeadBytes;
        this.maxTrailers = maxHeaders;
        reset();
    }

    /** Forgets the previous body; the next {@link #scan} starts at a first chunk-size line. */
    void reset() {
        state = State.SIZE;
        digits = 0;
        size = 0;
        dataLeft = 0;
        lineBytes = 0;
        trailerBytes = 0;
        trailers = 0;
        name.setLength(0);
    }

    /** Continues with the bytes of {@code buffer} from index {@code from} (inclusive) to {@code to} (exclusive). */
    Verdict scan(ByteBuf buffer, int from, int to) {
        int index = from;
        while (index < to) {
            if (state == State.DATA) {
                long skipped = Math.min(dataLeft, to - index);
                dataLeft -= skipped;
                index += (int) skipped;
                if (dataLeft == 0) {
                    state = State.DATA_CR;
                }
                continue;
            }
            String problem = step(buffer.getByte(index) & 0xFF);
            if (problem != null) {
                return new Verdict.Invalid(index, problem);
            }
            index++;
            if (state == State.DONE) {
                return new Verdict.Done(index);
            }
        }
        return Verdict.NeedMore.INSTANCE;
    }

    /** Advances by one byte outside chunk data; returns why the byte is refused, or null. */
    private String step(int b) {
        if (state.ordinal() <= State.EXT_AFTER_QUOTE.ordinal() && ++lineBytes > maxLineBytes) {
            return "chunk-size line longer than the limit of " + maxLineBytes + " bytes";
        }
        if (state.ordinal() >= State.TRAILER_LINE_START.ordinal() && ++trailerBytes > maxTrailerBytes) {
            return "trailer section larger than the limit of " + maxTrailerBytes + " bytes";
        }
        switch (state) {
            case SIZE:
                return size(b);
            case SIZE_LF:
                if (b != '\n') {
                    return "CR not followed by LF in a chunk-size line";
                }
                lineBytes = 0;
                if (size == 0) {
                    state = State.TRAILER_LINE_START;
                } else {
                    dataLeft = size;
                    state = State.DATA;
                }
                return null;
            case EXT_BEFORE_SEMICOLON:
                // RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ); the only
                // whitespace allowed before the line's end is inside a quoted value.
                return isWhitespace(b) ? null : b == ';' ? to(State.EXT_NAME_START) : badExtension(b);
            case EXT_NAME_START:
                return isWhitespace(b) ? null : RequestHeadGuard.isTchar(b) ? to(State.EXT_NAME) : badExtension(b);
            case EXT_NAME:
                if (RequestHeadGuard.isTchar(b)) {
                    return null;
                }
                return afterExtensionPart(b, true);
            case EXT_AFTER_NAME:
                return isWhitespace(b) ? null : b == '=' ? to(State.EXT_VALUE_START)
                        : b == ';' ? to(State.EXT_NAME_START) : badExtension(b);
            case EXT_VALUE_START:
                if (isWhitespace(b)) {
                    return null;
                }
                return b == '"' ? to(State.EXT_QUOTED) : RequestHeadGuard.isTchar(b) ? to(State.EXT_TOKEN)
                        : badExtension(b);
            case EXT_TOKEN:
                return RequestHeadGuard.isTchar(b) ? null : afterExtensionPart(b, false);
            case EXT_QUOTED:
                // RFC 9110 §5.6.4: qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
                if (b == '"') {
                    return to(State.EXT_AFTER_QUOTE);
                }
                if (b == '\\') {
                    return to(State.EXT_QUOTED_PAIR);
                }
                return b == '\t' || (b >= 0x20 && b != 0x7F) ? null : badExtension(b);
            case EXT_QUOTED_PAIR:
                // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                return b == '\t' || (b >= 0x20 && b != 0x7F) ? to(State.EXT_QUOTED) : badExtension(b);
            case EXT_AFTER_QUOTE:
                return afterExtensionPart(b, false);
            case DATA_CR:
                return b == '\r' ? to(State.DATA_LF) : "chunk data not followed by CRLF";
            case DATA_LF:
                if (b != '\n') {
                    return "chunk data not followed by CRLF";
                }
                digits = 0;
                size = 0;
                return to(State.SIZE);
            case TRAILER_LINE_START:
                if (b == '\r') {
                    return to(State.END_LF);
                }
                if (isWhitespace(b)) {
                    // RFC 9112 §5.2 holds for trailer fields as for header fields: obs-fold is refused.
                    return "obsolete line folding (obs-fold) in the trailer section";
                }
                if (++trailers > maxTrailers) {
                    return "more than " + maxTrailers + " trailer fields";
                }
                name.setLength(0);
                state = State.TRAILER_NAME;
                return trailerName(b);
            case TRAILER_NAME:
                return trailerName(b);
            case TRAILER_VALUE:
                if (b == '\r') {
                    return to(State.TRAILER_VALUE_LF);
                }
                // RFC 9110 §5.5: CR, LF and NUL must be refused; every other control character is refused as well.
                return (b < 0x20 && b != '\t') || b == 0x7F
                        ? "control character 0x" + Integer.toHexString(b) + " in a trailer field value" : null;
            case TRAILER_VALUE_LF:
                return b == '\n' ? to(State.TRAILER_LINE_START) : "CR not followed by LF in the trailer section";
            case END_LF:
                return b == '\n' ? to(State.DONE) : "CR not followed by LF at the end of the trailer section";
            default:
                throw new IllegalStateException(state.name());
        }
    }

    /** chunk-size = 1*HEXDIG, then the extensions or the line's end. */
    private String size(int b) {
        int digit = Character.digit(b, 16);
        if (digit >= 0 && b < 0x80) {
            digits++;
            size = size * 16 + digit;
            return size > MAX_CHUNK_SIZE ? "chunk size over the limit of " + MAX_CHUNK_SIZE + " bytes" : null;
        }
        if (digits == 0) {
            return b == '\r' ? "empty chunk size"
                    : "invalid character 0x" + Integer.toHexString(b) + " in a chunk size";
        }
        if (b == '\r') {
            return to(State.SIZE_LF);
        }
        if (b == ';') {
            return to(State.EXT_NAME_START);
        }
        return isWhitespace(b) ? to(State.EXT_BEFORE_SEMICOLON)
                : "invalid character 0x" + Integer.toHexString(b) + " in a chunk size";
    }

    /** After an extension's name or value: whitespace, the next extension, a value (after a name), or CR. */
    private String afterExtensionPart(int b, boolean afterName) {
        if (b == '\r') {
            return to(State.SIZE_LF);
        }
        if (b == ';') {
            return to(State.EXT_NAME_START);
        }
        if (afterName && b == '=') {
            return to(State.EXT_VALUE_START);
        }
        if (isWhitespace(b)) {
            return to(afterName ? State.EXT_AFTER_NAME : State.EXT_BEFORE_SEMICOLON);
        }
        return badExtension(b);
    }

    private String trailerName(int b) {
        if (b == ':') {
            if (name.length() == 0) {
                return "empty trailer field name";
            }
            String lower = name.toString().toLowerCase(Locale.ROOT);
            if (FORBIDDEN_TRAILERS.contains(lower)) {
                return "'" + name + "' is not allowed in the trailer section";
            }
            return to(State.TRAILER_VALUE);
        }
        if (isWhitespace(b)) {
            return "whitespace between a trailer field name and the colon";
        }
        if (!RequestHeadGuard.isTchar(b)) {
            return "invalid character 0x" + Integer.toHexString(b) + " in a trailer field name";
        }
        // Longer names cannot be forbidden ones; keeping one more character than the longest tells them apart.
        if (name.length() <= LONGEST_FORBIDDEN_NAME) {
            name.append((char) b);
        }
        return null;
    }

    private String to(State next) {
        state = next;
        return null;
    }

    private static String badExtension(int b) {
        return "invalid chunk extension (character 0x" + Integer.toHexString(b) + ")";
    }

    private static boolean isWhitespace(int b) {
        return b == ' ' || b == '\t';
    }
}
