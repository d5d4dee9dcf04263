package io.snipool.core.route;

import io.snipool.config.Cidr;
import io.snipool.config.RouteConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a {@link BackendTarget.Dynamic} target may be connected to once resolved. A template backend is
 * built from the client's name, so without this check a client could make the proxy reach its own loopback, the
 * private network behind it, or a cloud metadata service (169.254.169.254).
 *
 * <p>Forbidden are the ranges that the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890, updated by
 * RFC 8190) mark as not globally reachable, plus multicast, and IPv6 addresses that embed a forbidden IPv4 address.
 * Static backends are chosen by the operator and never checked.
 */
public final class TargetPolicy {

    /** The outcome of {@link #check}. */
    public sealed interface Decision {
    }

    /**
     * Every resolved address may be used; connect to {@link #first()} and, if that fails, the others in order.
     *
     * @param addresses in the resolver's order, never empty
     */
    public record Permitted(List<InetAddress> addresses) implements Decision {
        public Permitted {
            addresses = List.copyOf(addresses);
            if (addresses.isEmpty()) {
                throw new IllegalArgumentException("a permitted target needs at least one address");
            }
        }

        /** The address to connect to first. */
        public InetAddress first() {
            return addresses.get(0);
        }
    }

    /** The target must not be connected to; {@code reason} names the address and the range it fell in. */
    public record Refused(String reason) implements Decision {
    }

    private record SpecialRange(Cidr network, String description) {
        static SpecialRange of(String cidr, String description) {
            return new SpecialRange(Cidr.parse(cidr), description + " (" + cidr + ")");
        }
    }

    /** First match wins, so a narrow range is listed before a wider one that holds it, for the sharper reason. */
    private static final List<SpecialRange> FORBIDDEN_IPV4 = List.of(
            SpecialRange.of("0.0.0.0/8", "'this network', RFC 791 §3.2"),
            SpecialRange.of("10.0.0.0/8", "private-use, RFC 1918"),
            SpecialRange.of("100.64.0.0/10", "shared address space (carrier-grade NAT), RFC 6598"),
            SpecialRange.of("127.0.0.0/8", "loopback, RFC 1122 §3.2.1.3"),
            SpecialRange.of("169.254.0.0/16", "link-local, RFC 3927"),
            SpecialRange.of("172.16.0.0/12", "private-use, RFC 1918"),
            SpecialRange.of("192.0.0.0/24", "IETF protocol assignments, RFC 6890 §2.1"),
            SpecialRange.of("192.0.2.0/24", "documentation (TEST-NET-1), RFC 5737"),
            SpecialRange.of("192.168.0.0/16", "private-use, RFC 1918"),
            SpecialRange.of("198.18.0.0/15", "benchmarking, RFC 2544"),
            SpecialRange.of("198.51.100.0/24", "documentation (TEST-NET-2), RFC 5737"),
            SpecialRange.of("203.0.113.0/24", "documentation (TEST-NET-3), RFC 5737"),
            SpecialRange.of("224.0.0.0/4", "multicast, RFC 5771"),
            SpecialRange.of("255.255.255.255/32", "limited broadcast, RFC 8190"),
            SpecialRange.of("240.0.0.0/4", "reserved, RFC 1112 §4"));

    private static final List<SpecialRange> FORBIDDEN_IPV6 = List.of(
            SpecialRange.of("::/128", "unspecified, RFC 4291 §2.5.2"),
            SpecialRange.of("::1/128", "loopback, RFC 4291 §2.5.3"),
            SpecialRange.of("::/96", "deprecated IPv4-compatible, RFC 4291 §2.5.5.1"),
            SpecialRange.of("64:ff9b:1::/48", "local-use IPv4/IPv6 translation, RFC 8215"),
            SpecialRange.of("100::/64", "discard-only, RFC 6666"),
            SpecialRange.of("2001::/23", "IETF protocol assignments (Teredo among them), RFC 2928"),
            SpecialRange.of("2001:db8::/32", "documentation, RFC 3849"),
            SpecialRange.of("3fff::/20", "documentation, RFC 9637"),
            SpecialRange.of("5f00::/16", "segment routing (SRv6) SIDs, RFC 9602"),
            SpecialRange.of("fc00::/7", "unique-local, RFC 4193"),
            SpecialRange.of("fe80::/10", "link-local, RFC 4291 §2.5.6"),
            SpecialRange.of("fec0::/10", "deprecated site-local, RFC 3879"),
            SpecialRange.of("ff00::/8", "multicast, RFC 4291 §2.7"));

    /**
     * IPv6 prefixes whose addresses carry an IPv4 address that the packet ends up at, and the offset of its four
     * bytes. {@code ::ffff:0:0/96} (IPv4-mapped, RFC 4291 §2.5.5.2) is tested on the bytes instead: Java parses
     * its text into an IPv4 address, so it cannot be written as a {@link Cidr}.
     */
    private static final int IPV4_MAPPED_OFFSET = 12;
    private static final Cidr NAT64_WELL_KNOWN = Cidr.parse("64:ff9b::/96");
    private static final int NAT64_OFFSET = 12;
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");
    private static final int SIX_TO_FOUR_OFFSET = 2;

    private TargetPolicy() {
    }

    /**
     * Decides on the addresses a dynamic target resolved to.
     *
     * <p>Unless the route sets {@code allow_private_targets}, the target is refused if <em>any</em> address is
     * forbidden, not merely the first: a name with one public and one internal record would otherwise let the
     * attacker steer which one a retry or a later resolution uses (DNS rebinding).
     *
     * @param resolved every address the name resolved to, in the resolver's order (an IP literal target resolves
     *                 to itself)
     */
    public static Decision check(RouteConfig route, List<InetAddress> resolved) {
        return check(route.allowPrivateTargets(), resolved);
    }

    /** As {@link #check(RouteConfig, List)}, for a route whose {@code allow_private_targets} is given. */
    public static Decision check(boolean allowPrivateTargets, List<InetAddress> resolved) {
        if (resolved.isEmpty()) {
            return new Refused("the name resolved to no address");
        }
        if (!allowPrivateTargets) {
            for (InetAddress address : resolved) {
                Optional<String> reason = forbiddenReason(address);
                if (reason.isPresent()) {
                    return new Refused(reason.get() + "; the route does not set allow_private_targets");
                }
            }
        }
        return new Permitted(resolved);
    }

    /** True if a dynamic target must not reach {@code address} unless its route sets allow_private_targets. */
    public static boolean isForbidden(InetAddress address) {
        return forbiddenReason(address).isPresent();
    }

    /** Why {@code address} is forbidden, e.g. {@code "10.1.2.3 is private-use, RFC 1918 (10.0.0.0/8)"}. */
    public static Optional<String> forbiddenReason(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 4) {
            return rangeOf(address, FORBIDDEN_IPV4).map(range -> address.getHostAddress() + " is " + range);
        }
        // Java turns ::ffff:a.b.c.d into an Inet4Address when it parses text, but not every producer does
        // (Inet6Address.getByAddress keeps it), so the mapped form is checked here too.
        if (isIpv4Mapped(bytes)) {
            return embeddedIpv4(address, IPV4_MAPPED_OFFSET, "IPv4-mapped");
        }
        Optional<String> embedded = embeddedIpv4(address, NAT64_WELL_KNOWN, NAT64_OFFSET, "NAT64")
                .or(() -> embeddedIpv4(address, SIX_TO_FOUR, SIX_TO_FOUR_OFFSET, "6to4"));
        if (embedded.isPresent()) {
            return embedded;
        }
        return rangeOf(address, FORBIDDEN_IPV6).map(range -> address.getHostAddress() + " is " + range);
    }

    private static Optional<String> rangeOf(InetAddress address, List<SpecialRange> ranges) {
        for (SpecialRange range : ranges) {
            if (range.network().contains(address)) {
                return Optional.of(range.description());
            }
        }
        return Optional.empty();
    }

    private static boolean isIpv4Mapped(byte[] ipv6) {
        for (int i = 0; i < 10; i++) {
            if (ipv6[i] != 0) {
                return false;
            }
        }
        return ipv6[10] == (byte) 0xff && ipv6[11] == (byte) 0xff;
    }

    private static Optional<String> embeddedIpv4(InetAddress address, Cidr prefix, int offset, String kind) {
        return prefix.contains(address) ? embeddedIpv4(address, offset, kind) : Optional.empty();
    }

    private static Optional<String> embeddedIpv4(InetAddress address, int offset, String kind) {
        byte[] bytes = address.getAddress();
        InetAddress ipv4;
        try {
            ipv4 = InetAddress.getByAddress(Arrays.copyOfRange(bytes, offset, offset + 4));
        } catch (UnknownHostException impossible) {
            throw new AssertionError("four bytes are always an IPv4 address", impossible);
        }
        return rangeOf(ipv4, FORBIDDEN_IPV4).map(range -> address.getHostAddress() + " is " + kind + " "
                + ipv4.getHostAddress() + ", " + range);
    }
}
