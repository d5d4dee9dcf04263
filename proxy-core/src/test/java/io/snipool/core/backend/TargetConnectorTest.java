package io.snipool.core.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.InetLiterals;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The address a configured IP literal is connected to: parsed once, named after its literal. */
class TargetConnectorTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "192.0.2.7", "::1", "2001:db8:0:0:0:0:0:1"})
    void aLiteralKeepsItsTextAsTheHostNameSoNettyNeedNotFormatItPerConnection(String literal) {
        InetAddress parsed = InetLiterals.parse(literal);
        InetSocketAddress address = new InetSocketAddress(TargetConnector.named(literal, parsed), 443);

        assertThat(address.getAddress().getAddress()).isEqualTo(parsed.getAddress());
        // The same string each time, not a new one formatted from the bytes (what every connected channel kept).
        assertThat(address.getHostString()).isSameAs(literal);
        assertThat(address.getHostString()).isSameAs(address.getHostString());
        assertThat(address.isUnresolved()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fe80::1%1", "fe80:0:0:0:0:0:0:2%1"})
    void aScopedIpv6LiteralStaysAsParsedWithItsScope(String literal) {
        InetAddress parsed = InetLiterals.parse(literal);

        InetAddress named = TargetConnector.named(literal, parsed);

        assertThat(named).isSameAs(parsed);
        assertThat(((Inet6Address) named).getScopeId()).isEqualTo(1);
    }
}
