package io.snipool.core.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.snipool.config.ProxyProtocol;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Encodes the PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) that tells a backend the
 * real client address before any client byte. Pure: returns a new buffer the caller writes (and so releases).
 */
public final class ProxyProtocolHeader {

    /** proxy-protocol.txt §2.2: the 12-byte v2 signature. */
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** Version 2, command PROXY. */
    private static final int V2_PROXY_COMMAND = 0x21;
    /** TCP over IPv4 / IPv6 (address family in the high nibble, STREAM in the low one). */
    private static final int V2_TCP4 = 0x11;
    private static final int V2_TCP6 = 0x21;

    private ProxyProtocolHeader() {
    }

    /**
     * The header for {@code version}, or null for {@link ProxyProtocol#NONE}.
     *
     * @param source      the client's address (the real one when a PROXY header came in)
     * @param destination the address the client connected to
     */
    public static ByteBuf encode(ProxyProtocol version, InetSocketAddress source, InetSocketAddress destination,
                                 ByteBufAllocator allocator) {
        return switch (version) {
            case NONE -> null;
            case V1 -> v1(source, destination, allocator);
            case V2 -> v2(source, destination, allocator);
        };
    }

    /** {@code PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n}; mixed families are sent as IPv6 (v4-mapped). */
    static ByteBuf v1(InetSocketAddress source, InetSocketAddress destination, ByteBufAllocator allocator) {
        InetAddress src = source.getAddress();
        InetAddress dst = destination.getAddress();
        boolean ipv4 = src instanceof Inet4Address && dst instanceof Inet4Address;
        String line = "PROXY " + (ipv4 ? "TCP4 " : "TCP6 ")
                + text(src, ipv4) + " " + text(dst, ipv4) + " "
                + source.getPort() + " " + destination.getPort() + "\r\n";
        ByteBuf header = allocator.buffer(line.length());
        header.writeCharSequence(line, StandardCharsets.US_ASCII);
        return header;
    }

    static ByteBuf v2(InetSocketAddress source, InetSocketAddress destination, ByteBufAllocator allocator) {
        InetAddress src = source.getAddress();
        InetAddress dst = destination.getAddress();
        boolean ipv4 = src instanceof Inet4Address && dst instanceof Inet4Address;
        byte[] srcBytes = ipv4 ? src.getAddress() : ipv6Bytes(src);
        byte[] dstBytes = ipv4 ? dst.getAddress() : ipv6Bytes(dst);
        int addressLength = srcBytes.length * 2 + 4;
        ByteBuf header = allocator.buffer(V2_SIGNATURE.length + 4 + addressLength);
        header.writeBytes(V2_SIGNATURE);
        header.writeByte(V2_PROXY_COMMAND);
        header.writeByte(ipv4 ? V2_TCP4 : V2_TCP6);
        header.writeShort(addressLength);
        header.writeBytes(srcBytes);
        header.writeBytes(dstBytes);
        header.writeShort(source.getPort());
        header.writeShort(destination.getPort());
        return header;
    }

    private static String text(InetAddress address, boolean ipv4) {
        if (ipv4) {
            return address.getHostAddress();
        }
        if (address instanceof Inet4Address) {
            // The IPv4 side of a mixed pair. Built by hand: Java turns the 16 bytes of a v4-mapped address back
            // into an Inet4Address, whose text has no "::ffff:" and is no IPv6 address at all (the header then
            // failed to encode). RFC 5952 §5 keeps the dotted form for the IPv4 part.
            return "::ffff:" + address.getHostAddress();
        }
        return compress(address.getAddress());
    }

    private static byte[] ipv6Bytes(InetAddress address) {
        if (address instanceof Inet6Address) {
            return address.getAddress();
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(address.getAddress(), 0, mapped, 12, 4);
        return mapped;
    }

    /**
     * RFC 5952 §4: lower case, leading zeros dropped, the longest run (the first of equals) of two or more zero
     * groups as "::".
     */
    static String compress(byte[] ipv6) {
        int[] groups = new int[8];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = ((ipv6[2 * i] & 0xFF) << 8) | (ipv6[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        // RFC 5952 §4.2.2: a single zero group is not shortened.
        int bestLength = 1;
        for (int i = 0; i < groups.length; ) {
            int j = i;
            while (j < groups.length && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(j, i + 1);
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < groups.length; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
