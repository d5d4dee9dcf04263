package io.snipool.config;

/**
 * Limits per client address on one listener. IPv6 clients are grouped by their {@code /ipv6Prefix} network, since
 * one host can hold a whole /64. Both limits are off by default, as in HAProxy and nginx: behind a load balancer
 * without PROXY protocol, or in a one-machine benchmark, every client has the same address, and any cap would
 * refuse legitimate traffic. docs/security.md gives the values to set when clients reach snipool directly.
 *
 * @param maxConnections        connections open at once per client (group); 0 = unlimited
 * @param newConnectionsPerSecond sustained rate of new connections per client (group); 0 = unlimited
 * @param newConnectionsBurst   new connections a client may open at once before the rate applies
 * @param ipv6Prefix            prefix length that groups IPv6 clients
 */
public record ClientLimits(int maxConnections, int newConnectionsPerSecond, int newConnectionsBurst,
                           int ipv6Prefix) {

    /** Off. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 0;
    /** Off. */
    public static final int DEFAULT_NEW_CONNECTIONS_PER_SECOND = 0;
    /** Used only once a rate is set. */
    public static final int DEFAULT_NEW_CONNECTIONS_BURST = 2000;
    /** RFC 6177: a /64 is the usual assignment to one subnet, and often to one host. */
    public static final int DEFAULT_IPV6_PREFIX = 64;

    public static ClientLimits defaults() {
        return new ClientLimits(DEFAULT_MAX_CONNECTIONS_PER_IP, DEFAULT_NEW_CONNECTIONS_PER_SECOND,
                DEFAULT_NEW_CONNECTIONS_BURST, DEFAULT_IPV6_PREFIX);
    }
}
