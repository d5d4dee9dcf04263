package io.snipool.core.tls;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;

/** Builds TLS wire bytes by hand for tests: integers, length-prefixed vectors, records. */
public final class Wire {

    private Wire() {
    }

    public static byte[] u8(int value) {
        return new byte[] {(byte) value};
    }

    public static byte[] u16(int value) {
        return new byte[] {(byte) (value >>> 8), (byte) value};
    }

    public static byte[] u24(int value) {
        return new byte[] {(byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** An opaque vector with a 1-byte length prefix. */
    public static byte[] vector8(byte[]... parts) {
        byte[] content = concat(parts);
        return concat(u8(content.length), content);
    }

    /** An opaque vector with a 2-byte length prefix. */
    public static byte[] vector16(byte[]... parts) {
        byte[] content = concat(parts);
        return concat(u16(content.length), content);
    }

    public static byte[] ascii(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Hex digits, ignoring white space. */
    public static byte[] hex(String digits) {
        return HexFormat.of().parseHex(digits.replaceAll("\\s+", ""));
    }

    /** A handshake message: type, uint24 length, body (RFC 8446 §4). */
    public static byte[] handshake(int type, byte[] body) {
        return concat(u8(type), u24(body.length), body);
    }

    /** One TLS record header with the given content type, version and length, without its payload. */
    public static byte[] recordHeader(int contentType, int version, int length) {
        return concat(u8(contentType), u16(version), u16(length));
    }

    /** {@code payload} cut into handshake records (type 22, version 0x0301) of at most {@code fragment} bytes. */
    public static byte[] records(byte[] payload, int fragment) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int start = 0; start < payload.length; start += fragment) {
            int length = Math.min(fragment, payload.length - start);
            out.writeBytes(recordHeader(22, 0x0301, length));
            out.write(payload, start, length);
        }
        return out.toByteArray();
    }

    /** The concatenated payloads of a sequence of complete records: the inverse of {@link #records}. */
    static byte[] payloads(byte[] records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (at < records.length) {
            int length = ((records[at + 3] & 0xFF) << 8) | (records[at + 4] & 0xFF);
            out.write(records, at + 5, length);
            at += 5 + length;
        }
        return out.toByteArray();
    }
}
