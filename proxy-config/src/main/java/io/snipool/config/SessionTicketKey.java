package io.snipool.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * One TLS session ticket key as OpenSSL and BoringSSL take it: 16 bytes of name, 16 of HMAC secret, 16 of AES
 * key. Nodes behind one load balancer given the same keys ({@code tls.session_ticket_keys}) resume each other's
 * sessions.
 */
public record SessionTicketKey(byte[] bytes) {

    public static final int BYTES = 48;
    /** More keys than this are refused: a rotation needs two or three (the new one, the ones still in tickets). */
    public static final int MAX_KEYS = 16;

    public SessionTicketKey {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The 16-byte name a ticket carries, which picks the key that opens it. */
    public byte[] name() {
        return Arrays.copyOfRange(bytes, 0, 16);
    }

    public byte[] hmacKey() {
        return Arrays.copyOfRange(bytes, 16, 32);
    }

    public byte[] aesKey() {
        return Arrays.copyOfRange(bytes, 32, 48);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SessionTicketKey key && Arrays.equals(bytes, key.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "SessionTicketKey[" + Base64.getEncoder().encodeToString(name()) + "]"; // never the secrets
    }

    /** The keys of a key file's text, first line first; refused with the line of the first bad one. */
    static ValueParser.Parsed<List<SessionTicketKey>> parseAll(String text) {
        List<SessionTicketKey> keys = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(line);
            } catch (IllegalArgumentException e) {
                return new ValueParser.Parsed.Refused<>("line " + (i + 1) + " is not base64");
            }
            if (bytes.length != BYTES) {
                return new ValueParser.Parsed.Refused<>("line " + (i + 1) + " holds " + bytes.length
                        + " bytes; a key is " + BYTES + " (openssl rand -base64 48)");
            }
            keys.add(new SessionTicketKey(bytes));
        }
        if (keys.isEmpty()) {
            return new ValueParser.Parsed.Refused<>("no keys (one per line, base64 of 48 bytes: openssl rand"
                    + " -base64 48)");
        }
        if (keys.size() > MAX_KEYS) {
            return new ValueParser.Parsed.Refused<>(keys.size() + " keys; at most " + MAX_KEYS);
        }
        if (keys.stream().map(key -> Arrays.toString(key.name())).distinct().count() < keys.size()) {
            return new ValueParser.Parsed.Refused<>("two keys share a name (their first 16 bytes)");
        }
        return new ValueParser.Parsed.Accepted<>(List.copyOf(keys));
    }
}
