package io.snipool.config;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The admin server: Prometheus metrics, health, readiness, the status page and the JSON APIs.
 *
 * @param poolEventHistory how many recent pool events {@code /api/pool-events} keeps
 * @param allow            client addresses the admin server answers; empty: every address
 * @param token            the bearer token the mutating endpoints ({@code POST /api/reload}) require, unless
 *                         the admin server is bound to loopback
 */
public record MetricsConfig(HostPort bind, int poolEventHistory, List<Cidr> allow, Optional<String> token) {

    /** Loopback only by default: the admin API must not face the network unless asked to. */
    public static final HostPort DEFAULT_BIND = new HostPort("127.0.0.1", 9090);

    public static final int DEFAULT_POOL_EVENT_HISTORY = 256;

    /** Shorter tokens are refused: a token is the only thing between the network and a reload. */
    public static final int MIN_TOKEN_LENGTH = 16;

    public MetricsConfig {
        allow = List.copyOf(allow);
    }

    public static MetricsConfig defaults() {
        return new MetricsConfig(DEFAULT_BIND, DEFAULT_POOL_EVENT_HISTORY, List.of(), Optional.empty());
    }

    /** A token as configured: at least {@link #MIN_TOKEN_LENGTH} visible ASCII characters. */
    static ValueParser.Parsed<String> parseToken(String text) {
        if (!text.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return new ValueParser.Parsed.Refused<>("a token is visible ASCII characters only (no spaces)");
        }
        if (text.length() < MIN_TOKEN_LENGTH) {
            return new ValueParser.Parsed.Refused<>("a token needs at least " + MIN_TOKEN_LENGTH
                    + " characters, got " + text.length() + " (e.g. openssl rand -hex 32)");
        }
        return new ValueParser.Parsed.Accepted<>(text);
    }

    /** Whether only this machine can reach the admin server: bound to a loopback address or {@code localhost}. */
    public boolean loopbackOnly() {
        String host = bind.host().toLowerCase(Locale.ROOT);
        return host.equals("localhost") || InetLiterals.isIpLiteral(host) && InetLiterals.parse(host).isLoopbackAddress();
    }
}
