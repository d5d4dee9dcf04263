package io.snipool.core.http;

import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Shared names for the header fields most messages carry, so that a decoder need not make a new name (an
 * {@link AsciiString} and its byte array) for each of them in every head. Netty's request decoder does this for five
 * request fields; its response decoder does it for none, and a backend's response head was the largest part of the
 * garbage per proxied request (bench/results/issue-13-tail). A name is shared only when the bytes are exactly its
 * usual spelling or its lower-case one, so what is forwarded is byte for byte what arrived.
 */
final class KnownHeaderNames {

    /** The usual spellings; each is also known in lower case. */
    private static final List<String> SPELLINGS = List.of("Accept-Ranges", "Age", "Cache-Control", "Connection",
            "Content-Encoding", "Content-Length", "Content-Type", "Date", "ETag", "Expires", "Keep-Alive",
            "Last-Modified", "Location", "Server", "Set-Cookie", "Transfer-Encoding", "Vary", "X-Request-Id");

    /** Indexed by length: the few names of that length, so a lookup compares bytes with two or three at most. */
    private static final AsciiString[][] BY_LENGTH = byLength();

    private KnownHeaderNames() {
    }

    /** The shared name whose bytes are {@code bytes[start, start + length)}, or null if none is. */
    static AsciiString find(byte[] bytes, int start, int length) {
        if (length >= BY_LENGTH.length) {
            return null;
        }
        for (AsciiString name : BY_LENGTH[length]) {
            if (Arrays.equals(name.array(), 0, length, bytes, start, start + length)) {
                return name;
            }
        }
        return null;
    }

    private static AsciiString[][] byLength() {
        int longest = SPELLINGS.stream().mapToInt(String::length).max().orElse(0);
        List<List<AsciiString>> lists = new ArrayList<>();
        for (int i = 0; i <= longest; i++) {
            lists.add(new ArrayList<>());
        }
        for (String spelling : SPELLINGS) {
            lists.get(spelling.length()).add(AsciiString.cached(spelling));
            lists.get(spelling.length()).add(AsciiString.cached(spelling.toLowerCase(Locale.ROOT)));
        }
        AsciiString[][] table = new AsciiString[longest + 1][];
        for (int i = 0; i <= longest; i++) {
            table[i] = lists.get(i).toArray(new AsciiString[0]);
        }
        return table;
    }
}
