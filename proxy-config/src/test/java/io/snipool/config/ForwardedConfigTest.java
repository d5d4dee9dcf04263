package io.snipool.config;

import static io.snipool.config.OneListenerFile.parse;
import static io.snipool.config.OneListenerFile.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** {@code forwarded.trusted_proxies}: read, and refused. */
class ForwardedConfigTest {

    @Test
    void trustedProxiesAreNetworks() throws Exception {
        ForwardedConfig forwarded = parse("forwarded:\n  trusted_proxies: [192.0.2.0/24, \"2001:db8::/32\"]\n")
                .forwarded();

        assertThat(forwarded.trusts(InetAddress.getByName("192.0.2.77"))).isTrue();
        assertThat(forwarded.trusts(InetAddress.getByName("192.0.3.1"))).isFalse();
        assertThat(forwarded.trusts(InetAddress.getByName("2001:db8::9"))).isTrue();
        assertThat(ForwardedConfig.defaults().trusts(InetAddress.getByName("127.0.0.1"))).isFalse();
    }

    @Test
    void aTrustedProxyThatIsNoNetworkIsRefused() {
        assertThat(problems("forwarded:\n  trusted_proxies: [10.0.0.0/33, proxy.example]\n  trust_all: true\n"))
                .containsExactly(
                        "forwarded.trusted_proxies[0]: '10.0.0.0/33': prefix /33 out of range 0..32"
                        + " (line 4, column 21)",
                        "forwarded.trusted_proxies[1]: 'proxy.example' is not an IP address (line 4, column 34)",
                        "forwarded.trust_all: unknown key 'trust_all' (line 5, column 3)");
    }
}
