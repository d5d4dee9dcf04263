package io.snipool.config;

/**
 * A host (DNS name or IP literal, IPv6 without brackets) and a port, as written in {@code bind} and static
 * {@code backends} entries.
 */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range 0..65535");
        }
    }

    /**
     * Parses {@code host:port} or {@code [v6]:port}.
     *
     * @param text    the address as written
     * @param minPort the smallest acceptable port (0 for binds, 1 for backends)
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static HostPort parse(String text, int minPort) {
        String host;
        String portText;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' is not [ipv6]:port");
            }
            host = text.substring(1, close);
            portText = text.substring(close + 2);
            if (!InetLiterals.isIpv6(host)) {
                throw new IllegalArgumentException("'" + host + "' is not an IPv6 address");
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("'" + text + "' has no port (expected host:port)");
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException("IPv6 address '" + host + "' must be written in brackets: ["
                        + host + "]:" + portText);
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "' has no host");
            }
            if (!InetLiterals.isIpv4(host) && !HostNames.isValidDnsName(host)) {
                throw new IllegalArgumentException("'" + host + "' is neither an IP address nor a valid host name");
            }
        }
        int port = parsePort(portText, minPort);
        return new HostPort(host, port);
    }

    static int parsePort(String portText, int minPort) {
        if (portText.isEmpty() || portText.length() > 6 || !portText.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("port '" + portText + "' is not a number");
        }
        int port = Integer.parseInt(portText);
        if (port < minPort || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range " + minPort + "..65535");
        }
        return port;
    }

    /** The address as it would be written in the configuration. */
    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
