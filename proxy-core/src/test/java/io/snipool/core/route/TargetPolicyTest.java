package io.snipool.core.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.InetLiterals;
import io.snipool.config.RouteConfig;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TargetPolicyTest {

    private static final RouteConfig STRICT_ROUTE = RouteYaml.routes("""
            - hosts: ['~(?<tenant>[a-z]+)\\.example\\.test']
              backends: ['${tenant}.internal:443']
            """).get(0);
    private static final RouteConfig PRIVATE_ALLOWED_ROUTE = RouteYaml.routes("""
            - hosts: ['~(?<tenant>[a-z]+)\\.example\\.test']
              backends: ['${tenant}.internal:443']
              allow_private_targets: true
            """).get(0);

    @ParameterizedTest
    @ValueSource(strings = {
            "0.0.0.0", "0.1.2.3", "0.255.255.255",                  // 'this network' and unspecified
            "10.0.0.0", "10.1.2.3", "10.255.255.255",               // private
            "100.64.0.0", "100.100.100.100", "100.127.255.255",     // carrier-grade NAT
            "127.0.0.1", "127.0.0.0", "127.255.255.254",            // loopback
            "169.254.0.1", "169.254.169.254", "169.254.255.255",    // link-local, cloud metadata
            "172.16.0.0", "172.20.1.1", "172.31.255.255",           // private
            "192.168.0.0", "192.168.1.1", "192.168.255.255",        // private
            "192.0.0.8", "192.0.2.1", "198.51.100.7", "203.0.113.9", // protocol assignments, documentation
            "198.18.0.1", "198.19.255.255",                         // benchmarking
            "224.0.0.1", "239.255.255.250",                         // multicast
            "240.0.0.1", "255.255.255.254", "255.255.255.255",      // reserved, limited broadcast
    })
    void forbiddenIpv4(String literal) {
        assertThat(TargetPolicy.isForbidden(address(literal))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "8.8.8.8", "1.1.1.1", "93.184.215.14",
            "1.0.0.0", "9.255.255.255", "11.0.0.0",                 // around 0/8 and 10/8
            "100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.0",
            "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0",
            "192.167.255.255", "192.169.0.0", "192.0.1.255", "192.0.3.0",
            "198.17.255.255", "198.20.0.0", "223.255.255.255",      // around benchmarking and multicast
    })
    void publicIpv4IsPermitted(String literal) {
        assertThat(TargetPolicy.isForbidden(address(literal))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "::", "::1",                                            // unspecified, loopback
            "::7f00:1", "::808:808",                                // deprecated IPv4-compatible
            "fe80::1", "febf:ffff::1",                              // link-local
            "fc00::1", "fd12:3456:789a::1", "fdff:ffff::1",         // unique-local
            "fec0::1",                                              // deprecated site-local
            "ff02::1", "ff0e::101",                                 // multicast
            "2001:db8::1", "3fff::1",                               // documentation
            "2001::1", "2001:1ff::1",                               // IETF protocol assignments, Teredo
            "100::1", "64:ff9b:1::1", "5f00::1",                    // discard, local NAT64, SRv6
            "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe", // NAT64 of 127.0.0.1, 10.0.0.1, metadata
            "2002:7f00:1::1", "2002:c0a8:101::1",                   // 6to4 of 127.0.0.1, 192.168.1.1
    })
    void forbiddenIpv6(String literal) {
        assertThat(TargetPolicy.isForbidden(address(literal))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001::1",
            "2001:200::1",                                          // just above 2001::/23
            "64:ff9b::808:808",                                     // NAT64 of 8.8.8.8
            "2002:808:808::1",                                      // 6to4 of 8.8.8.8
    })
    void publicIpv6IsPermitted(String literal) {
        assertThat(TargetPolicy.isForbidden(address(literal))).isFalse();
    }

    @Test
    void ipv4MappedIpv6IsJudgedByItsIpv4Address() throws UnknownHostException {
        // Parsing text yields an Inet4Address, but Inet6Address.getByAddress keeps the IPv6 form.
        assertThat(address("::ffff:127.0.0.1")).isInstanceOf(Inet4Address.class);
        InetAddress mappedLoopback = Inet6Address.getByAddress(null, mapped(127, 0, 0, 1), -1);
        InetAddress mappedPrivate = Inet6Address.getByAddress(null, mapped(10, 9, 8, 7), -1);
        InetAddress mappedPublic = Inet6Address.getByAddress(null, mapped(8, 8, 8, 8), -1);
        assertThat(mappedLoopback).isInstanceOf(Inet6Address.class);

        assertThat(TargetPolicy.isForbidden(address("::ffff:127.0.0.1"))).isTrue();
        assertThat(TargetPolicy.isForbidden(mappedLoopback)).isTrue();
        assertThat(TargetPolicy.isForbidden(mappedPrivate)).isTrue();
        assertThat(TargetPolicy.isForbidden(mappedPublic)).isFalse();
        assertThat(TargetPolicy.forbiddenReason(mappedLoopback)).get().asString()
                .contains("IPv4-mapped 127.0.0.1").contains("loopback");
    }

    @Test
    void reasonNamesTheAddressAndTheRange() {
        assertThat(TargetPolicy.forbiddenReason(address("10.1.2.3")))
                .contains("10.1.2.3 is private-use, RFC 1918 (10.0.0.0/8)");
        assertThat(TargetPolicy.forbiddenReason(address("255.255.255.255")))
                .contains("255.255.255.255 is limited broadcast, RFC 8190 (255.255.255.255/32)");
        assertThat(TargetPolicy.forbiddenReason(address("8.8.8.8"))).isEmpty();
    }

    @Test
    void publicAddressesArePermittedInResolverOrder() {
        List<InetAddress> resolved = List.of(address("2606:4700:4700::1111"), address("1.1.1.1"));

        TargetPolicy.Decision decision = TargetPolicy.check(STRICT_ROUTE, resolved);

        assertThat(decision).isEqualTo(new TargetPolicy.Permitted(resolved));
        assertThat(((TargetPolicy.Permitted) decision).first()).isEqualTo(address("2606:4700:4700::1111"));
    }

    @Test
    void anyForbiddenAddressRefusesTheWholeTarget() {
        List<InetAddress> resolved = List.of(address("1.1.1.1"), address("8.8.8.8"), address("169.254.169.254"));

        TargetPolicy.Decision decision = TargetPolicy.check(STRICT_ROUTE, resolved);

        assertThat(decision).isInstanceOf(TargetPolicy.Refused.class);
        assertThat(((TargetPolicy.Refused) decision).reason())
                .isEqualTo("169.254.169.254 is link-local, RFC 3927 (169.254.0.0/16);"
                        + " the route does not set allow_private_targets");
    }

    @Test
    void allowPrivateTargetsPermitsForbiddenAddresses() {
        List<InetAddress> resolved = List.of(address("10.0.0.5"), address("::1"), address("8.8.8.8"));

        assertThat(TargetPolicy.check(PRIVATE_ALLOWED_ROUTE, resolved))
                .isEqualTo(new TargetPolicy.Permitted(resolved));
        assertThat(TargetPolicy.check(STRICT_ROUTE, resolved)).isInstanceOf(TargetPolicy.Refused.class);
    }

    @Test
    void noAddressIsRefusedEvenWhenPrivateTargetsAreAllowed() {
        assertThat(TargetPolicy.check(PRIVATE_ALLOWED_ROUTE, List.of()))
                .isEqualTo(new TargetPolicy.Refused("the name resolved to no address"));
    }

    private static InetAddress address(String literal) {
        assertThat(InetLiterals.isIpLiteral(literal)).as("%s is a literal", literal).isTrue();
        return InetLiterals.parse(literal);
    }

    private static byte[] mapped(int a, int b, int c, int d) {
        return new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff,
                (byte) a, (byte) b, (byte) c, (byte) d};
    }
}
