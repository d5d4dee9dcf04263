package io.snipool.config;

import java.net.InetAddress;
import java.util.List;

/**
 * Whose forwarding headers snipool believes: {@code X-Forwarded-For}, {@code X-Forwarded-Proto},
 * {@code X-Forwarded-Host}, {@code Forwarded} and {@code X-Real-IP} from a client inside {@code trustedProxies} are
 * kept and appended to; from any other client they are removed before snipool adds its own, so that no client can
 * tell a backend it has another address.
 *
 * @param trustedProxies the networks of proxies in front of snipool; none by default
 */
public record ForwardedConfig(List<Cidr> trustedProxies) {

    public ForwardedConfig {
        trustedProxies = List.copyOf(trustedProxies);
    }

    public static ForwardedConfig defaults() {
        return new ForwardedConfig(List.of());
    }

    /** Whether a client at {@code address} is a trusted proxy. */
    public boolean trusts(InetAddress address) {
        for (Cidr network : trustedProxies) {
            if (network.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
