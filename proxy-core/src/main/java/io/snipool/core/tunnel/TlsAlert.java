package io.snipool.core.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** A fatal TLS alert record, sent in the clear before closing a client whose hello snipool refuses. */
public final class TlsAlert {

    /** RFC 6066 §3: the server does not recognise the name. */
    public static final int UNRECOGNIZED_NAME = 112;
    /** RFC 7301 §3.2: no protocol in common. */
    public static final int NO_APPLICATION_PROTOCOL = 120;
    /** RFC 8446 §6.2: an internal error unrelated to the peer. */
    public static final int INTERNAL_ERROR = 80;

    /** RFC 8446 §5.1: ContentType alert. */
    private static final int CONTENT_TYPE_ALERT = 21;
    /** RFC 8446 §5.1: legacy_record_version is 0x0303 for every record but the very first ClientHello. */
    private static final int LEGACY_RECORD_VERSION = 0x0303;
    /** RFC 8446 §6: AlertLevel fatal. */
    private static final int LEVEL_FATAL = 2;

    private TlsAlert() {
    }

    /** A 7-byte record: alert, TLS 1.2 record version, length 2, fatal, {@code description}. */
    public static ByteBuf fatal(int description, ByteBufAllocator allocator) {
        ByteBuf record = allocator.buffer(7);
        record.writeByte(CONTENT_TYPE_ALERT);
        record.writeShort(LEGACY_RECORD_VERSION);
        record.writeShort(2);
        record.writeByte(LEVEL_FATAL);
        record.writeByte(description);
        return record;
    }
}
