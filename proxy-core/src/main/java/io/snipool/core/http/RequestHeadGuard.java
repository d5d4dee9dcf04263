package io.snipool.core.http;

import io.netty.buffer.ByteBuf;
import io.snipool.core.failure.FailureKind;
import java.nio.charset.StandardCharsets;

/**
 * Checks the syntax of an HTTP/1.1 request head byte by byte before Netty's decoder parses it, refusing every
 * ambiguity RFC 9112 lets a recipient refuse: bare LF or CR, obs-fold, whitespace before a colon, control
 * characters, versions other than 1.0 and 1.1, missing or repeated Host, conflicting or malformed framing headers.
 * Netty's decoder in its strictest configuration still joins obs-fold lines and accepts odd separators in the
 * request line, and a backend behind snipool might read such a head differently: that is how requests are
 * smuggled.
 *
 * <p>Incremental: it remembers how far it has read, so a head dribbled one byte per read costs linear time. It
 * reads at offsets from the buffer's reader index and consumes nothing. One instance per connection; call
 * {@link #reset()} before each new head.
 *
 * <p>Most bytes of a head are runs that decide nothing: the method, the request target, a field name, a field value.
 * Those are skipped in one tight loop over a lookup table of the bytes each may hold; every other byte (a separator,
 * CR, LF, or a byte a run refuses) goes through the state machine one at a time, which makes every decision.
 */
public final class RequestHeadGuard {

    /** RFC 9112 §2.2: "at least one" empty line before the request line may be ignored; more is noise. */
    static final int MAX_LEADING_EMPTY_LINES = 4;

    /**
     * Bytes copied out of the buffer at a time, so that the scan runs over a plain array whatever the buffer is
     * (pooled direct memory in production) and a run costs no bounds or access check per byte. Each guard owns its
     * window: a few hundred bytes per connection.
     */
    static final int WINDOW_BYTES = 256;

    /** The longest field name compared with a known one ({@code transfer-encoding}: 17); longer ones are cut. */
    private static final int KEPT_NAME_BYTES = 32;

    /** How much of a Content-Length or Transfer-Encoding value is kept to be judged; the rest is only checked. */
    private static final int KEPT_VALUE_BYTES = 256;

    /** RFC 9110 §5.6.2: tchar, the bytes of a method and of a field name. */
    private static final int TOKEN = 1;
    /** RFC 9112 §3.2: the request-target has no whitespace or control characters. */
    private static final int TARGET = 2;
    /** RFC 9110 §5.5: visible characters, SP, HTAB and obs-text; no control character (CR, LF, NUL, DEL...). */
    private static final int FIELD_VALUE = 4;
    /** Which of the classes above each byte belongs to, indexed by the byte. */
    private static final byte[] CLASSES = byteClasses();

    private enum State {
        LEADING, LEADING_LF, METHOD, TARGET, VERSION, REQUEST_LINE_LF,
        LINE_START, NAME, VALUE, VALUE_LF, END_LF, DONE
    }

    /** The framing headers whose values are checked; others are only checked for syntax. */
    private enum Watched { NONE, HOST, CONTENT_LENGTH, TRANSFER_ENCODING }

    private final int maxHeadBytes;
    private final int maxHeaders;

    private State state;
    private int scanned;
    private int leadingLines;
    private int tokenLength;
    private final byte[] window = new byte[WINDOW_BYTES];
    private final StringBuilder version = new StringBuilder(8);
    private boolean http11;
    private final byte[] name = new byte[KEPT_NAME_BYTES];
    private int nameLength;
    private final StringBuilder value = new StringBuilder(32);
    private Watched watched;
    private int headers;
    private int hosts;
    private int contentLengths;
    private String contentLength;
    private int transferEncodings;
    private final StringBuilder transferEncoding = new StringBuilder();

    /**
     * @param maxHeadBytes {@code limits.max_request_head_bytes}
     * @param maxHeaders   {@code limits.max_headers}
     */
    public RequestHeadGuard(int maxHeadBytes, int maxHeaders) {
        this.maxHeadBytes = maxHeadBytes;
        this.maxHeaders = maxHeaders;
        reset();
    }

    /** Forgets the previous head; the next {@link #check} starts a new one at the buffer's reader index. */
    public void reset() {
        state = State.LEADING;
        scanned = 0;
        leadingLines = 0;
        tokenLength = 0;
        version.setLength(0);
        http11 = false;
        nameLength = 0;
        value.setLength(0);
        watched = Watched.NONE;
        headers = 0;
        hosts = 0;
        contentLengths = 0;
        contentLength = null;
        transferEncodings = 0;
        transferEncoding.setLength(0);
    }

    /** After a {@link HeadCheck.Valid} verdict: whether the body is chunked (a single {@code chunked} coding). */
    public boolean chunked() {
        return transferEncodings > 0;
    }

    /** Continues reading {@code buffer} from where the last call stopped. */
    public HeadCheck check(ByteBuf buffer) {
        if (state == State.DONE) {
            return new HeadCheck.Valid(scanned);
        }
        int start = buffer.readerIndex();
        // Bytes beyond the limit are never read: whatever they hold, the verdict there is the limit's.
        int end = Math.min(buffer.readableBytes(), maxHeadBytes);
        while (scanned < end) {
            int length = Math.min(WINDOW_BYTES, end - scanned);
            buffer.getBytes(start + scanned, window, 0, length);
            HeadCheck verdict = scanWindow(length);
            if (verdict != null) {
                return verdict;
            }
        }
        return scanned >= maxHeadBytes ? tooLarge() : HeadCheck.NeedMore.INSTANCE;
    }

    /** Reads the first {@code length} bytes of the window on from {@link #scanned}; returns a verdict, or null. */
    private HeadCheck scanWindow(int length) {
        int at = 0;
        while (true) {
            at = skipRun(at, length);
            if (at == length) {
                scanned += length;
                return null;
            }
            int b = window[at++] & 0xFF;
            HeadCheck verdict = step(b);
            if (verdict != null || state == State.DONE) {
                scanned += at;
                return verdict != null ? verdict : finish();
            }
        }
    }

    /**
     * Skips, from window index {@code from}, the bytes that {@link #step} would only count or keep in the current
     * state; returns the index of the first byte it must see (or {@code to}).
     */
    private int skipRun(int from, int to) {
        switch (state) {
            case METHOD, TARGET -> {
                int end = runEnd(from, to, state == State.METHOD ? TOKEN : TARGET);
                tokenLength += end - from;
                return end;
            }
            case NAME -> {
                int end = runEnd(from, to, TOKEN);
                int kept = Math.min(end - from, KEPT_NAME_BYTES - nameLength);
                System.arraycopy(window, from, name, nameLength, kept);
                nameLength += kept;
                return end;
            }
            case VALUE -> {
                int end = runEnd(from, to, FIELD_VALUE);
                if (keepsValue()) {
                    for (int i = from; i < end && value.length() < KEPT_VALUE_BYTES; i++) {
                        value.append((char) (window[i] & 0xFF));
                    }
                }
                return end;
            }
            default -> {
                return from;
            }
        }
    }

    private int runEnd(int from, int to, int byteClass) {
        int at = from;
        while (at < to && (CLASSES[window[at] & 0xFF] & byteClass) != 0) {
            at++;
        }
        return at;
    }

    private HeadCheck tooLarge() {
        boolean inRequestLine = state.ordinal() <= State.REQUEST_LINE_LF.ordinal();
        return inRequestLine
                ? new HeadCheck.Invalid(FailureKind.URI_TOO_LONG,
                        "request line longer than the limit of " + maxHeadBytes + " bytes")
                : new HeadCheck.Invalid(FailureKind.HEAD_TOO_LARGE,
                        "request head larger than the limit of " + maxHeadBytes + " bytes");
    }

    /** Advances by one byte; returns a verdict only when the head is refused. */
    private HeadCheck step(int b) {
        switch (state) {
            case LEADING:
                if (b == '\r') {
                    state = State.LEADING_LF;
                    return null;
                }
                if (b == '\n') {
                    return bad("bare LF before the request line");
                }
                state = State.METHOD;
                return method(b);
            case LEADING_LF:
                if (b != '\n') {
                    return bad("CR not followed by LF");
                }
                if (++leadingLines > MAX_LEADING_EMPTY_LINES) {
                    return bad("too many empty lines before the request line");
                }
                state = State.LEADING;
                return null;
            case METHOD:
                return method(b);
            case TARGET:
                // RFC 9112 §3.2: the request-target has no whitespace or control characters.
                if (b == ' ') {
                    if (tokenLength == 0) {
                        return bad("empty request target");
                    }
                    state = State.VERSION;
                    return null;
                }
                if (!is(b, TARGET)) {
                    return bad("invalid character 0x" + Integer.toHexString(b) + " in the request target");
                }
                tokenLength++;
                return null;
            case VERSION:
                if (b == '\r') {
                    state = State.REQUEST_LINE_LF;
                    return checkVersion();
                }
                if (version.length() >= 8) {
                    return bad("malformed HTTP version");
                }
                version.append((char) b);
                return null;
            case REQUEST_LINE_LF:
                return b == '\n' ? lineDone(State.LINE_START) : bad("CR not followed by LF in the request line");
            case LINE_START:
                if (b == '\r') {
                    state = State.END_LF;
                    return null;
                }
                if (b == ' ' || b == '\t') {
                    // RFC 9112 §5.2: a server MUST reject obs-fold (or replace it); rejecting avoids ambiguity.
                    return bad("obsolete line folding (obs-fold) in a header field");
                }
                if (++headers > maxHeaders) {
                    return new HeadCheck.Invalid(FailureKind.HEAD_TOO_LARGE,
                            "more than " + maxHeaders + " header fields");
                }
                state = State.NAME;
                nameLength = 0;
                return name(b);
            case NAME:
                return name(b);
            case VALUE:
                return value(b);
            case VALUE_LF:
                if (b != '\n') {
                    return bad("CR not followed by LF in a header field");
                }
                HeadCheck watchedVerdict = recordWatched();
                return watchedVerdict != null ? watchedVerdict : lineDone(State.LINE_START);
            case END_LF:
                if (b != '\n') {
                    return bad("CR not followed by LF at the end of the head");
                }
                state = State.DONE;
                return null;
            default:
                throw new IllegalStateException(state.name());
        }
    }

    private HeadCheck method(int b) {
        if (b == ' ') {
            if (tokenLength == 0) {
                return bad("empty method");
            }
            state = State.TARGET;
            tokenLength = 0;
            return null;
        }
        if (!is(b, TOKEN)) {
            return bad("invalid character 0x" + Integer.toHexString(b) + " in the method");
        }
        tokenLength++;
        return null;
    }

    private HeadCheck checkVersion() {
        // Compared in place: a String of the version per request was a measurable share of the garbage of keep-alive
        // load (bench/results/issue-13-tail).
        http11 = "HTTP/1.1".contentEquals(version);
        if (http11 || "HTTP/1.0".contentEquals(version)) {
            return null;
        }
        String text = version.toString();
        if (text.matches("HTTP/\\d\\.\\d")) {
            return new HeadCheck.Invalid(FailureKind.VERSION_NOT_SUPPORTED,
                    "HTTP version " + text.substring(5) + " is not supported");
        }
        return bad("malformed HTTP version '" + text + "'");
    }

    private HeadCheck name(int b) {
        if (b == ':') {
            if (nameLength == 0) {
                return bad("empty header field name");
            }
            if (nameEqualsIgnoreCase("transfer_encoding") || nameEqualsIgnoreCase("content_length")) {
                // A CGI-style gateway behind snipool maps '-' and '_' to the same variable (RFC 3875 §4.1.18): it
                // would frame the body by a field snipool does not.
                return bad("'" + new String(name, 0, nameLength, StandardCharsets.ISO_8859_1)
                        + "' looks like a framing field spelled with an underscore");
            }
            watched = watchedHeader();
            value.setLength(0);
            state = State.VALUE;
            return null;
        }
        if (b == ' ' || b == '\t') {
            // RFC 9112 §5.1: "A server MUST reject, with a response status code of 400 (Bad Request), any
            // received request message that contains whitespace between a header field name and colon."
            return bad("whitespace between a header field name and the colon");
        }
        if (!is(b, TOKEN)) {
            return bad("invalid character 0x" + Integer.toHexString(b) + " in a header field name");
        }
        if (nameLength < KEPT_NAME_BYTES) {
            name[nameLength++] = (byte) b;
        }
        return null;
    }

    private HeadCheck value(int b) {
        if (b == '\r') {
            state = State.VALUE_LF;
            return null;
        }
        // RFC 9110 §5.5: field values are visible characters, SP, HTAB and obs-text; CR, LF and NUL "MUST" be
        // rejected or replaced, and so is every other control character here.
        if (b == '\n') {
            return bad("bare LF in a header field");
        }
        if (!is(b, FIELD_VALUE)) {
            return bad("control character 0x" + Integer.toHexString(b) + " in a header field value");
        }
        if (keepsValue() && value.length() < KEPT_VALUE_BYTES) {
            value.append((char) b);
        }
        return null;
    }

    /** Whether the value of the current field is kept, to be judged once the head is complete. */
    private boolean keepsValue() {
        return watched == Watched.CONTENT_LENGTH || watched == Watched.TRANSFER_ENCODING;
    }

    private HeadCheck recordWatched() {
        if (watched == Watched.NONE) {
            return null;
        }
        if (watched == Watched.HOST) {
            hosts++; // only counted: no need to build its text
            watched = Watched.NONE;
            return null;
        }
        String text = value.toString().strip();
        switch (watched) {
            case CONTENT_LENGTH -> {
                contentLengths++;
                contentLength = text;
            }
            case TRANSFER_ENCODING -> {
                if (transferEncodings++ > 0) {
                    transferEncoding.append(',');
                }
                transferEncoding.append(text);
            }
            default -> {
            }
        }
        watched = Watched.NONE;
        return null;
    }

    private HeadCheck lineDone(State next) {
        state = next;
        return null;
    }

    /** The checks that need the whole head: Host and framing (RFC 9112 §3.2, §6.1, §6.3). */
    private HeadCheck finish() {
        if (hosts > 1) {
            return bad("more than one Host header field");
        }
        if (hosts == 0 && http11) {
            return bad("missing Host header field");
        }
        if (contentLengths > 1) {
            return bad("more than one Content-Length header field");
        }
        if (contentLength != null && (contentLength.isEmpty() || contentLength.length() > 18
                || !contentLength.chars().allMatch(c -> c >= '0' && c <= '9'))) {
            return bad("Content-Length is not a single non-negative number: '" + contentLength + "'");
        }
        if (transferEncodings > 0) {
            if (!http11) {
                // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 request is a sign of smuggling.
                return bad("Transfer-Encoding in an HTTP/1.0 request");
            }
            if (contentLength != null) {
                // RFC 9112 §6.1: such a message "ought to be handled as an error".
                return bad("both Transfer-Encoding and Content-Length");
            }
            HeadCheck codings = checkCodings(transferEncoding.toString());
            if (codings != null) {
                return codings;
            }
        }
        return new HeadCheck.Valid(scanned);
    }

    /** Only a single "chunked" is understood; RFC 9112 §6.1 wants 501 for codings a server does not know. */
    private static HeadCheck checkCodings(String list) {
        int chunked = 0;
        String last = "";
        for (String element : list.split(",", -1)) {
            String coding = element.strip();
            if (coding.isEmpty()) {
                return bad("empty element in Transfer-Encoding");
            }
            if (coding.equalsIgnoreCase("chunked")) {
                chunked++;
            } else {
                return new HeadCheck.Invalid(FailureKind.NOT_IMPLEMENTED,
                        "transfer coding '" + coding + "' is not implemented");
            }
            last = coding;
        }
        if (chunked > 1) {
            return bad("chunked applied more than once");
        }
        return last.equalsIgnoreCase("chunked") ? null : bad("malformed Transfer-Encoding");
    }

    private Watched watchedHeader() {
        if (nameEqualsIgnoreCase("host")) {
            return Watched.HOST;
        }
        if (nameEqualsIgnoreCase("content-length")) {
            return Watched.CONTENT_LENGTH;
        }
        if (nameEqualsIgnoreCase("transfer-encoding")) {
            return Watched.TRANSFER_ENCODING;
        }
        return Watched.NONE;
    }

    /** Whether the kept name is {@code lowerCase}, ignoring case; a name cut at {@link #KEPT_NAME_BYTES} never is. */
    private boolean nameEqualsIgnoreCase(String lowerCase) {
        if (nameLength != lowerCase.length()) {
            return false;
        }
        for (int i = 0; i < nameLength; i++) {
            if (Character.toLowerCase((char) (name[i] & 0xFF)) != lowerCase.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110 §5.6.2: tchar. */
    static boolean isTchar(int b) {
        if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')) {
            return true;
        }
        return switch (b) {
            case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~' -> true;
            default -> false;
        };
    }

    private static boolean is(int b, int byteClass) {
        return (CLASSES[b] & byteClass) != 0;
    }

    private static byte[] byteClasses() {
        byte[] classes = new byte[256];
        for (int b = 0; b < classes.length; b++) {
            int byteClass = isTchar(b) ? TOKEN : 0;
            if (b > 0x20 && b < 0x7F) {
                byteClass |= TARGET;
            }
            if (b == '\t' || (b >= 0x20 && b != 0x7F)) {
                byteClass |= FIELD_VALUE;
            }
            classes[b] = (byte) byteClass;
        }
        return classes;
    }

    private static HeadCheck.Invalid bad(String reason) {
        return new HeadCheck.Invalid(FailureKind.BAD_REQUEST, reason);
    }
}
