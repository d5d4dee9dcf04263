package io.snipool.config;

import java.time.Duration;

/**
 * {@code pool.tcp_keepalive}: TCP keep-alive probes on pooled backend connections, so that a path a NAT or a firewall
 * dropped silently is found while the connection sits idle, not by the next request. The kernel counts these timers
 * in whole seconds ({@code TCP_KEEPIDLE}, {@code TCP_KEEPINTVL}, {@code TCP_KEEPCNT}, tcp(7)).
 *
 * @param idle     how long a connection is silent before the first probe
 * @param interval between unanswered probes
 * @param count    unanswered probes before the kernel resets the connection
 */
public record TcpKeepAlive(boolean enabled, Duration idle, Duration interval, int count) {

    public static final boolean DEFAULT_ENABLED = true;
    /** Below the 300-350 s after which common NATs and cloud gateways drop an idle TCP flow. */
    public static final Duration DEFAULT_IDLE = Duration.ofSeconds(60);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final int DEFAULT_COUNT = 3;
    /** Linux's {@code MAX_TCP_KEEPIDLE} and {@code MAX_TCP_KEEPINTVL} (include/net/tcp.h), in seconds. */
    public static final Duration MAX_TIMER = Duration.ofSeconds(32_767);
    /** Linux's {@code MAX_TCP_KEEPCNT} (include/net/tcp.h). */
    public static final int MAX_COUNT = 127;

    public static TcpKeepAlive defaults() {
        return new TcpKeepAlive(DEFAULT_ENABLED, DEFAULT_IDLE, DEFAULT_INTERVAL, DEFAULT_COUNT);
    }
}
