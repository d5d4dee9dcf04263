package io.snipool.core.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.snipool.config.Limits;
import java.util.Objects;
import java.util.Optional;

/**
 * Reassembles the ClientHello handshake message from the TLS records a client sends first, across record
 * boundaries and across TCP reads, under a size cap. It does not look inside the hello; {@link ClientHelloParser}
 * does.
 *
 * <p>One instance per connection, used from that connection's event loop only. Each call to {@link #frame} gets
 * everything received so far, starting at the buffer's reader index; the framer reads at absolute offsets, never
 * moves the buffer's indexes, and remembers how far it got, so that a hello arriving in many small reads costs time
 * linear in its size. Once it has returned {@link Framed} or {@link Rejected} it returns that outcome again (a
 * {@code Framed} body is then taken from the buffer passed in, so that it never refers to an older buffer).
 *
 * <p>Bytes after the hello, in its last record or in later records, are not examined: the proxy forwards every
 * buffered byte to the backend untouched, and the backend's TLS stack judges them.
 */
public final class ClientHelloFramer {

    /**
     * Default cap on the handshake message body. <a href="https://www.rfc-editor.org/rfc/rfc8446#section-4">RFC
     * 8446 §4</a> allows up to 2^24-1 bytes (the length is a uint24); real hellos, even with post-quantum key shares
     * (draft-ietf-tls-ecdhe-mlkem), stay under a few KiB. The same default as the configuration's.
     */
    public static final int DEFAULT_MAX_CLIENT_HELLO_BYTES = Limits.DEFAULT_MAX_CLIENT_HELLO_BYTES;
    /**
     * <a href="https://www.rfc-editor.org/rfc/rfc8446#section-4">RFC 8446 §4</a>: the handshake length is a
     * uint24, so a cap of 2^24 means no cap beyond the format's own.
     */
    public static final int MAX_CLIENT_HELLO_BYTES_LIMIT = 1 << 24;
    /**
     * <a href="https://www.rfc-editor.org/rfc/rfc8446#section-5.1">RFC 8446 §5.1</a> and RFC 5246 §6.2.1: "The
     * length MUST NOT exceed 2^14 bytes" for a plaintext record.
     */
    public static final int MAX_PLAINTEXT_RECORD_LENGTH = 1 << 14;

    private static final int RECORD_HEADER_LENGTH = 5;
    private static final int HANDSHAKE_HEADER_LENGTH = 4;
    private static final int CONTENT_TYPE_HANDSHAKE = 22;
    private static final int HANDSHAKE_TYPE_CLIENT_HELLO = 1;
    private static final int TLS_MAJOR_VERSION = 3;
    private static final int SSLV2_CLIENT_HELLO = 1;

    /** What {@link #frame} found. */
    public sealed interface Result permits NeedMore, Framed, Rejected {
    }

    /** The bytes so far are a valid prefix; call again when more have arrived. */
    public record NeedMore() implements Result {
        static final NeedMore INSTANCE = new NeedMore();
    }

    /**
     * The whole ClientHello has arrived.
     *
     * @param body     the ClientHello body, without the 4-byte handshake header, readable from index 0. When the
     *                 hello came in one record this is a slice of the caller's buffer, valid only while the caller
     *                 holds that buffer; otherwise it is an unpooled heap copy. Either way it has no release duty
     *                 of its own: never release it.
     * @param consumed bytes of the records that carried the hello, counted from the caller's reader index
     */
    public record Framed(ByteBuf body, int consumed) implements Result {
    }

    /**
     * The bytes cannot start a ClientHello the proxy will accept.
     *
     * @param reason the policy case
     * @param detail specifics for the log
     */
    public record Rejected(HelloRejection reason, String detail) implements Result {
    }

    private enum State { RECORD_HEADER, RECORD_PAYLOAD, FRAMED, REJECTED }

    private final int maxClientHelloBytes;
    private final long maxRecordBytes;

    private State state = State.RECORD_HEADER;
    private Rejected rejected;
    /** Offset from the reader index of the record being read. */
    private int recordStart;
    private int recordLength;
    /** Handshake bytes in the records before the current one. */
    private int handshakeBytesBefore;
    private int headerBytesSeen;
    private int handshakeHeader;

    /** A framer with {@link #DEFAULT_MAX_CLIENT_HELLO_BYTES}. */
    public ClientHelloFramer() {
        this(DEFAULT_MAX_CLIENT_HELLO_BYTES);
    }

    /**
     * @param maxClientHelloBytes largest ClientHello body accepted, 1..{@value #MAX_CLIENT_HELLO_BYTES_LIMIT}
     */
    public ClientHelloFramer(int maxClientHelloBytes) {
        if (maxClientHelloBytes < 1 || maxClientHelloBytes > MAX_CLIENT_HELLO_BYTES_LIMIT) {
            throw new IllegalArgumentException("maxClientHelloBytes: limit 1.." + MAX_CLIENT_HELLO_BYTES_LIMIT
                    + ", got " + maxClientHelloBytes);
        }
        this.maxClientHelloBytes = maxClientHelloBytes;
        // Record headers may add at most as many bytes again as the handshake message they carry: a small hello
        // cut into 1-byte records still passes, and a hello never makes the caller buffer much more than twice
        // the cap.
        this.maxRecordBytes = 2L * (maxClientHelloBytes + HANDSHAKE_HEADER_LENGTH);
    }

    /**
     * Looks at everything received so far, from {@code received.readerIndex()}, without moving any index.
     *
     * @param received all bytes received from the client so far; the same, growing, sequence on every call
     */
    public Result frame(ByteBuf received) {
        Objects.requireNonNull(received, "received");
        int base = received.readerIndex();
        int available = received.readableBytes();
        if (available < recordStart) {
            throw new IllegalStateException("received shrank to " + available + " bytes after " + recordStart
                    + " were framed; pass everything received so far");
        }
        while (true) {
            switch (state) {
                case RECORD_HEADER -> {
                    Optional<Result> stop = readRecordHeader(received, base, available);
                    if (stop.isPresent()) {
                        return remember(stop.get());
                    }
                    state = State.RECORD_PAYLOAD;
                }
                case RECORD_PAYLOAD -> {
                    Optional<Result> stop = readRecordPayload(received, base, available);
                    if (stop.isPresent()) {
                        return remember(stop.get());
                    }
                    state = State.RECORD_HEADER;
                }
                case FRAMED -> {
                    return new Framed(collectBody(received, base), recordStart);
                }
                case REJECTED -> {
                    return rejected;
                }
            }
        }
    }

    /** Empty once a complete, acceptable record header has been read; otherwise why to stop here. */
    private Optional<Result> readRecordHeader(ByteBuf received, int base, int available) {
        boolean first = recordStart == 0;
        int have = available - recordStart;
        int at = base + recordStart;
        if (have >= 1) {
            int contentType = received.getUnsignedByte(at);
            if (contentType != CONTENT_TYPE_HANDSHAKE) {
                if (first) {
                    return Optional.of(classifyNonTls(received, at, have));
                }
                // RFC 8446 §5.1: "Handshake messages MUST NOT be interleaved with other record types."
                return reject(HelloRejection.MALFORMED, "record type " + contentType + " at offset "
                        + recordStart + " before the ClientHello was complete");
            }
        }
        if (have >= 2) {
            // RFC 8446 §5.1: legacy_record_version "MUST be ignored for all purposes", but every SSL 3.0 and TLS
            // version has major 3, so anything else is not TLS at all.
            int major = received.getUnsignedByte(at + 1);
            if (major != TLS_MAJOR_VERSION) {
                return reject(first ? HelloRejection.NOT_TLS : HelloRejection.MALFORMED,
                        "record version major " + major + " at offset " + recordStart);
            }
        }
        if (have < RECORD_HEADER_LENGTH) {
            return Optional.of(NeedMore.INSTANCE);
        }
        int length = received.getUnsignedShort(at + 3);
        if (length == 0) {
            // RFC 8446 §5.1: "Implementations MUST NOT send zero-length fragments of Handshake types."
            return reject(HelloRejection.MALFORMED, "zero-length handshake record at offset " + recordStart);
        }
        if (length > MAX_PLAINTEXT_RECORD_LENGTH) {
            // RFC 8446 §5.1: "The length MUST NOT exceed 2^14 bytes." (record_overflow)
            return reject(HelloRejection.MALFORMED, "record length: limit " + MAX_PLAINTEXT_RECORD_LENGTH
                    + ", got " + length);
        }
        // Refused from the header alone, before the record's bytes are buffered. A ClientHello is the client's
        // only handshake message until the server answers, so its records carry nothing else.
        long handshakeBytes = (long) handshakeBytesBefore + length;
        if (handshakeBytes > maxClientHelloBytes + HANDSHAKE_HEADER_LENGTH) {
            return reject(HelloRejection.TOO_LARGE, "handshake bytes in records: limit "
                    + (maxClientHelloBytes + HANDSHAKE_HEADER_LENGTH) + ", got " + handshakeBytes);
        }
        long recordBytes = (long) recordStart + RECORD_HEADER_LENGTH + length;
        if (recordBytes > maxRecordBytes) {
            return reject(HelloRejection.TOO_LARGE, "record bytes before the ClientHello is complete: limit "
                    + maxRecordBytes + ", got " + recordBytes);
        }
        recordLength = length;
        return Optional.empty();
    }

    /** The first byte is not a handshake record: tell an SSL 2.0 hello from anything else. */
    private static Result classifyNonTls(ByteBuf received, int at, int have) {
        int first = received.getUnsignedByte(at);
        if ((first & 0x80) == 0) {
            return new Rejected(HelloRejection.NOT_TLS, "first byte 0x" + Integer.toHexString(first));
        }
        // SSL 2.0 (RFC 6101 Appendix E.2 compatibility): a 2-byte header with the high bit set, then
        // msg_type 1 for CLIENT-HELLO.
        if (have < 3) {
            return NeedMore.INSTANCE;
        }
        if (received.getUnsignedByte(at + 2) == SSLV2_CLIENT_HELLO) {
            return new Rejected(HelloRejection.SSLV2, "SSL 2.0 CLIENT-HELLO");
        }
        return new Rejected(HelloRejection.NOT_TLS, "first byte 0x" + Integer.toHexString(first));
    }

    /**
     * Checks the handshake header as soon as its bytes are here, even in a record that is still arriving; returns
     * empty when the record is complete and the hello is not.
     */
    private Optional<Result> readRecordPayload(ByteBuf received, int base, int available) {
        int payloadStart = recordStart + RECORD_HEADER_LENGTH;
        int recordEnd = payloadStart + recordLength;
        int arrivedEnd = Math.min(available, recordEnd);
        while (headerBytesSeen < HANDSHAKE_HEADER_LENGTH
                && payloadStart + headerBytesSeen - handshakeBytesBefore < arrivedEnd) {
            int offset = payloadStart + headerBytesSeen - handshakeBytesBefore;
            handshakeHeader = (handshakeHeader << 8) | received.getUnsignedByte(base + offset);
            headerBytesSeen++;
            Optional<Result> rejected = checkHandshakeHeader();
            if (rejected.isPresent()) {
                return rejected;
            }
        }
        if (available < recordEnd) {
            return Optional.of(NeedMore.INSTANCE);
        }
        handshakeBytesBefore += recordLength;
        recordStart = recordEnd;
        if (headerBytesSeen == HANDSHAKE_HEADER_LENGTH
                && handshakeBytesBefore >= HANDSHAKE_HEADER_LENGTH + handshakeLength()) {
            return Optional.of(new Framed(collectBody(received, base), recordEnd));
        }
        return Optional.empty();
    }

    private Optional<Result> checkHandshakeHeader() {
        if (headerBytesSeen == 1 && handshakeHeader != HANDSHAKE_TYPE_CLIENT_HELLO) {
            // RFC 8446 §4.1.2: "When a client first connects to a server, it is REQUIRED to send the ClientHello
            // as its first TLS message."
            return reject(HelloRejection.WRONG_HANDSHAKE_TYPE, "handshake type " + handshakeHeader);
        }
        if (headerBytesSeen == HANDSHAKE_HEADER_LENGTH && handshakeLength() > maxClientHelloBytes) {
            return reject(HelloRejection.TOO_LARGE, "ClientHello length: limit " + maxClientHelloBytes
                    + ", got " + handshakeLength());
        }
        return Optional.empty();
    }

    private int handshakeLength() {
        return handshakeHeader & 0xFFFFFF;
    }

    /**
     * The body without copying when the first record holds the whole message (the common case); otherwise the
     * record payloads are copied into one heap array. Bytes after the hello are left for the backend to judge.
     */
    private ByteBuf collectBody(ByteBuf received, int base) {
        int bodyLength = handshakeLength();
        int messageLength = HANDSHAKE_HEADER_LENGTH + bodyLength;
        int firstRecordLength = received.getUnsignedShort(base + 3);
        if (firstRecordLength >= messageLength) {
            return received.slice(base + RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH, bodyLength);
        }
        byte[] message = new byte[messageLength];
        int filled = 0;
        int at = base;
        while (filled < messageLength) {
            int length = received.getUnsignedShort(at + 3);
            int take = Math.min(length, messageLength - filled);
            received.getBytes(at + RECORD_HEADER_LENGTH, message, filled, take);
            filled += take;
            at += RECORD_HEADER_LENGTH + length;
        }
        return Unpooled.wrappedBuffer(message, HANDSHAKE_HEADER_LENGTH, bodyLength);
    }

    private static Optional<Result> reject(HelloRejection reason, String detail) {
        return Optional.of(new Rejected(reason, detail));
    }

    private Result remember(Result result) {
        if (result instanceof Framed) {
            state = State.FRAMED;
        } else if (result instanceof Rejected refusal) {
            state = State.REJECTED;
            rejected = refusal;
        }
        return result;
    }
}
