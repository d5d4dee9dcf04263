package io.snipool.core.tls;

import io.netty.buffer.ByteBuf;
import io.snipool.config.HostNames;
import io.snipool.config.InetLiterals;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * Extracts server_name, ALPN and the presence of ECH from a complete ClientHello body (RFC 8446 §4.1.2, RFC 5246
 * §7.4.1.2), checking every length on the way. Pure: reads at absolute offsets and never changes the buffer.
 */
public final class ClientHelloParser {

    /** What {@link #parse} found. */
    public sealed interface Result permits Parsed, Rejected {
    }

    /** The body is a well-formed ClientHello with at most one valid host name. */
    public record Parsed(ClientHelloInfo hello) implements Result {
    }

    /** The body breaks a rule; see {@link HelloRejection} for the policy. */
    public record Rejected(HelloRejection reason, String detail) implements Result {
    }

    private static final int EXTENSION_SERVER_NAME = 0;
    private static final int EXTENSION_ALPN = 16;
    /** encrypted_client_hello, draft-ietf-tls-esni §5. */
    private static final int EXTENSION_ENCRYPTED_CLIENT_HELLO = 0xfe0d;
    private static final int NAME_TYPE_HOST_NAME = 0;
    private static final int RANDOM_LENGTH = 32;
    /** RFC 8446 §4.1.2: {@code opaque legacy_session_id<0..32>}. */
    private static final int MAX_SESSION_ID_LENGTH = 32;
    /** Names in log details are cut here: a host_name may be 64 KiB of attacker-chosen bytes. */
    private static final int MAX_NAME_IN_DETAIL = 80;

    private ClientHelloParser() {
    }

    /**
     * Parses the readable bytes of {@code body}, the ClientHello without its 4-byte handshake header.
     */
    public static Result parse(ByteBuf body) {
        try {
            return new Parsed(parseFields(new Cursor(body, body.readerIndex(), body.writerIndex())));
        } catch (Refusal refusal) {
            return new Rejected(refusal.reason, refusal.getMessage());
        }
    }

    private static ClientHelloInfo parseFields(Cursor hello) throws Refusal {
        int handshakeLength = hello.remaining();
        int legacyVersion = hello.u16("legacy_version");
        hello.skip(RANDOM_LENGTH, "random");
        Cursor sessionId = hello.vector8("legacy_session_id");
        if (sessionId.remaining() > MAX_SESSION_ID_LENGTH) {
            throw Refusal.malformed("legacy_session_id length: limit " + MAX_SESSION_ID_LENGTH + ", got "
                    + sessionId.remaining());
        }
        // RFC 8446 §4.1.2: CipherSuite cipher_suites<2..2^16-2>, two bytes each.
        Cursor cipherSuites = hello.vector16("cipher_suites");
        if (cipherSuites.remaining() < 2 || cipherSuites.remaining() % 2 != 0) {
            throw Refusal.malformed("cipher_suites length " + cipherSuites.remaining() + " is not a positive even "
                    + "number");
        }
        // RFC 8446 §4.1.2: opaque legacy_compression_methods<1..2^8-1>.
        Cursor compressionMethods = hello.vector8("legacy_compression_methods");
        if (compressionMethods.remaining() < 1) {
            throw Refusal.malformed("legacy_compression_methods is empty");
        }
        // RFC 5246 §7.4.1.2: a hello may end here; "the presence of extensions can be detected by determining
        // whether there are bytes following the compression_methods". Without extensions there is no SNI.
        if (hello.remaining() == 0) {
            return new ClientHelloInfo(Optional.empty(), List.of(), false, legacyVersion, handshakeLength);
        }
        Cursor extensions = hello.vector16("extensions");
        hello.expectEnd("ClientHello");
        return parseExtensions(extensions, legacyVersion, handshakeLength);
    }

    private static ClientHelloInfo parseExtensions(Cursor extensions, int legacyVersion, int handshakeLength)
            throws Refusal {
        Optional<String> serverName = Optional.empty();
        List<String> alpnProtocols = List.of();
        boolean encryptedClientHello = false;
        SeenTypes seen = new SeenTypes();
        while (extensions.remaining() > 0) {
            int type = extensions.u16("extension_type");
            Cursor data = extensions.vector16("extension_data");
            if (!seen.add(type)) {
                // RFC 8446 §4.2: "There MUST NOT be more than one extension of the same type in a given extension
                // block." This holds for GREASE types too; the backend's TLS stack would refuse the same way.
                throw type == EXTENSION_SERVER_NAME
                        ? new Refusal(HelloRejection.DUPLICATE_SNI, "server_name extension appears twice")
                        : new Refusal(HelloRejection.DUPLICATE_EXTENSION, "extension " + type + " appears twice");
            }
            switch (type) {
                case EXTENSION_SERVER_NAME -> serverName = parseServerName(data);
                case EXTENSION_ALPN -> alpnProtocols = parseAlpn(data);
                case EXTENSION_ENCRYPTED_CLIENT_HELLO -> encryptedClientHello = true;
                default -> {
                    // RFC 8446 §4.1.2: "Servers MUST ignore unrecognized extensions", GREASE types included
                    // (RFC 8701 §3.1). The backend's TLS stack judges the rest.
                }
            }
        }
        return new ClientHelloInfo(serverName, alpnProtocols, encryptedClientHello, legacyVersion,
                handshakeLength);
    }

    /** RFC 6066 §3: {@code ServerName server_name_list<1..2^16-1>}. */
    private static Optional<String> parseServerName(Cursor data) throws Refusal {
        Cursor list = data.vector16("server_name_list");
        data.expectEnd("server_name extension");
        if (list.remaining() == 0) {
            throw Refusal.malformed("server_name_list is empty");
        }
        Optional<String> hostName = Optional.empty();
        while (list.remaining() > 0) {
            int nameType = list.u8("name_type");
            // RFC 6066 §3: "all future data structures associated with new NameTypes MUST begin with a 16-bit
            // length field", so an unknown type can be skipped by its length.
            Cursor name = list.vector16("server_name");
            if (nameType != NAME_TYPE_HOST_NAME) {
                continue;
            }
            if (hostName.isPresent()) {
                // RFC 6066 §3: "The ServerNameList MUST NOT contain more than one name of the same name_type."
                throw new Refusal(HelloRejection.DUPLICATE_SNI, "two host_name entries in server_name_list");
            }
            hostName = Optional.of(validHostName(name));
        }
        return hostName;
    }

    /** RFC 6066 §3: ASCII, and "Literal IPv4 and IPv6 addresses are not permitted in "HostName"". */
    private static String validHostName(Cursor name) throws Refusal {
        if (name.remaining() == 0) {
            throw new Refusal(HelloRejection.INVALID_SNI, "empty host_name");
        }
        if (!name.isAscii()) {
            throw new Refusal(HelloRejection.INVALID_SNI, "host_name is not ASCII");
        }
        String normalized = HostNames.normalize(name.string());
        if (InetLiterals.isIpLiteral(normalized)) {
            throw new Refusal(HelloRejection.INVALID_SNI, "host_name is an IP literal: " + printable(normalized));
        }
        if (!HostNames.isValidDnsName(normalized)) {
            throw new Refusal(HelloRejection.INVALID_SNI, "host_name is not a DNS name: " + printable(normalized));
        }
        return normalized;
    }

    /** RFC 7301 §3.1: {@code ProtocolName protocol_name_list<2..2^16-1>}, {@code opaque ProtocolName<1..2^8-1>}. */
    private static List<String> parseAlpn(Cursor data) throws Refusal {
        Cursor list = data.vector16("protocol_name_list");
        data.expectEnd("application_layer_protocol_negotiation extension");
        if (list.remaining() == 0) {
            throw Refusal.malformed("protocol_name_list is empty");
        }
        List<String> protocols = new ArrayList<>();
        while (list.remaining() > 0) {
            Cursor protocol = list.vector8("protocol_name");
            if (protocol.remaining() == 0) {
                // RFC 7301 §3.1: "Empty strings MUST NOT be included".
                throw Refusal.malformed("empty protocol_name in protocol_name_list");
            }
            if (!isGreaseProtocol(protocol)) {
                protocols.add(protocol.string());
            }
        }
        return protocols;
    }

    /** RFC 8701 §2: GREASE ALPN identifiers are the two bytes {0x?A, 0x?A} with both bytes equal. */
    private static boolean isGreaseProtocol(Cursor protocol) {
        if (protocol.remaining() != 2) {
            return false;
        }
        int first = protocol.byteAt(0);
        return first == protocol.byteAt(1) && (first & 0x0F) == 0x0A;
    }

    /** For log details only: control characters would let a client forge log lines. */
    private static String printable(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_NAME_IN_DETAIL) + 3);
        for (int i = 0; i < text.length() && i < MAX_NAME_IN_DETAIL; i++) {
            char c = text.charAt(i);
            out.append(c < 0x20 || c == 0x7F ? '?' : c);
        }
        return text.length() > MAX_NAME_IN_DETAIL ? out.append("...").toString() : out.toString();
    }

    /**
     * The extension types of one block seen so far: the first {@link #LISTED} in a list scanned in place (a
     * browser's hello has about 20 extensions: nothing to allocate but this), a bit per possible type beyond that
     * (8 KiB, only for a hello with more extensions than any client sends), so that a hello of thousands of tiny
     * extensions costs one pass, not a scan per extension.
     */
    private static final class SeenTypes {
        static final int LISTED = 32;
        private final int[] listed = new int[LISTED];
        private int count;
        private BitSet many;

        /** Adds {@code type}; false if the block had it already. */
        boolean add(int type) {
            if (many != null) {
                boolean fresh = !many.get(type);
                many.set(type);
                return fresh;
            }
            for (int i = 0; i < count; i++) {
                if (listed[i] == type) {
                    return false;
                }
            }
            if (count < LISTED) {
                listed[count++] = type;
                return true;
            }
            many = new BitSet(1 << 16);
            for (int seen : listed) {
                many.set(seen);
            }
            many.set(type);
            return true;
        }
    }

    /**
     * A bounded view of part of the body. Every length-prefixed vector becomes its own cursor, so a length that
     * overruns its enclosing vector is caught where it is read.
     */
    private static final class Cursor {
        private final ByteBuf buffer;
        private final int end;
        private int position;

        Cursor(ByteBuf buffer, int position, int end) {
            this.buffer = buffer;
            this.position = position;
            this.end = end;
        }

        int remaining() {
            return end - position;
        }

        int u8(String field) throws Refusal {
            require(1, field);
            return buffer.getUnsignedByte(position++);
        }

        int u16(String field) throws Refusal {
            require(2, field);
            int value = buffer.getUnsignedShort(position);
            position += 2;
            return value;
        }

        void skip(int length, String field) throws Refusal {
            require(length, field);
            position += length;
        }

        Cursor vector8(String field) throws Refusal {
            return take(u8(field), field);
        }

        Cursor vector16(String field) throws Refusal {
            return take(u16(field), field);
        }

        void expectEnd(String what) throws Refusal {
            if (position != end) {
                throw Refusal.malformed(what + ": " + remaining() + " bytes after the last field");
            }
        }

        int byteAt(int index) {
            return buffer.getUnsignedByte(position + index);
        }

        boolean isAscii() {
            for (int i = position; i < end; i++) {
                if (buffer.getByte(i) < 0) {
                    return false;
                }
            }
            return true;
        }

        /** ISO-8859-1 maps each byte to one char, as the JDK does for ALPN names, so nothing is lost. */
        String string() {
            return buffer.toString(position, remaining(), StandardCharsets.ISO_8859_1);
        }

        private Cursor take(int length, String field) throws Refusal {
            require(length, field);
            Cursor vector = new Cursor(buffer, position, position + length);
            position += length;
            return vector;
        }

        private void require(int length, String field) throws Refusal {
            if (remaining() < length) {
                throw Refusal.malformed(field + ": needs " + length + " bytes, " + remaining() + " left");
            }
        }
    }

    /**
     * Unwinds from a rule broken deep inside nested vectors to {@link #parse}, which turns it into a result; it
     * never leaves this class. No stack trace: a client can cause one per connection.
     */
    private static final class Refusal extends Exception {
        private final HelloRejection reason;

        Refusal(HelloRejection reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }

        static Refusal malformed(String detail) {
            return new Refusal(HelloRejection.MALFORMED, detail);
        }
    }
}
