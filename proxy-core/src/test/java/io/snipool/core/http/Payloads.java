package io.snipool.core.http;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/** Large bodies for transfer tests: reproducible bytes and their SHA-256. */
final class Payloads {

    static final int TEN_MIB = 10 * 1024 * 1024;

    private Payloads() {
    }

    /** {@code length} pseudo-random bytes, the same for the same seed. */
    static byte[] bytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code body} as chunks of {@code chunkSize} bytes, then the last chunk. */
    static byte[] chunked(byte[] body, int chunkSize) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(body.length + body.length / 8 + 16);
        for (int offset = 0; offset < body.length; offset += chunkSize) {
            int length = Math.min(chunkSize, body.length - offset);
            out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(body, offset, length);
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        out.writeBytes("0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return out.toByteArray();
    }
}
