package io.snipool.core.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

/**
 * Request ids for one event loop's share of a listener: a client's {@code X-Request-Id} is kept when it is
 * well-formed, else replaced by a new id, which the backend receives. A new id is 32 lower-case hex digits: a random
 * prefix drawn once per instance, then a counter, so making one costs no random numbers and no lock, and one
 * array: a new id is an {@link AsciiString} over the bytes it was written in, which the encoder copies as they are.
 * Not thread-safe: used on its loop only.
 */
final class RequestIds {

    /** The longest client id kept; a longer one is replaced. */
    static final int MAX_LENGTH = 128;
    static final AsciiString HEADER = AsciiString.cached("X-Request-Id");
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final long prefix;
    private long counter;

    RequestIds() {
        this(new SecureRandom().nextLong());
    }

    RequestIds(long prefix) {
        this.prefix = prefix;
    }

    /**
     * The request's id: its one {@code X-Request-Id} if well-formed, else a new one, set in {@code headers} in place
     * of whatever the client sent.
     */
    CharSequence idFor(HttpHeaders headers) {
        String sent = headers.get(HEADER);
        if (sent != null && wellFormed(sent)) {
            List<String> all = headers.getAll(HEADER);
            if (all.size() == 1) {
                return sent;
            }
        }
        AsciiString id = next();
        headers.set(HEADER, id);
        return id;
    }

    /**
     * 1 to {@value #MAX_LENGTH} visible ASCII characters, without quotes or backslashes: what can be logged and
     * passed on as it is, in any log format, without escaping.
     */
    static boolean wellFormed(String id) {
        if (id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private AsciiString next() {
        byte[] id = new byte[32];
        hex(prefix, id, 0);
        hex(counter++, id, 16);
        return new AsciiString(id, false);
    }

    private static void hex(long value, byte[] into, int offset) {
        for (int i = 15; i >= 0; i--) {
            into[offset + i] = HEX[(int) (value & 0xf)];
            value >>>= 4;
        }
    }
}
