package io.snipool.config;

import java.net.InetAddress;

/** An IPv4 or IPv6 network in CIDR notation; a bare address is a host route (/32 or /128). */
public record Cidr(InetAddress network, int prefixLength) {

    public Cidr {
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix /" + prefixLength + " out of range 0.." + bits);
        }
    }

    /**
     * Parses {@code 10.0.0.0/8}, {@code 2001:db8::/32}, or a bare address.
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        if (!InetLiterals.isIpLiteral(addressText)) {
            throw new IllegalArgumentException("'" + addressText + "' is not an IP address");
        }
        InetAddress address = InetLiterals.parse(addressText);
        int bits = address.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String prefixText = text.substring(slash + 1);
            if (prefixText.isEmpty() || prefixText.length() > 3 || !prefixText.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("'" + text + "': prefix '" + prefixText + "' is not a number");
            }
            prefix = Integer.parseInt(prefixText);
            if (prefix > bits) {
                throw new IllegalArgumentException("'" + text + "': prefix /" + prefix + " out of range 0.." + bits);
            }
        }
        return new Cidr(address, prefix);
    }

    /** True if {@code address} lies in this network (an IPv4 address never matches an IPv6 network). */
    public boolean contains(InetAddress address) {
        byte[] net = network.getAddress();
        byte[] candidate = address.getAddress();
        if (net.length != candidate.length) {
            return false;
        }
        int fullBytes = prefixLength / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (net[i] != candidate[i]) {
                return false;
            }
        }
        int remainingBits = prefixLength % 8;
        if (remainingBits == 0) {
            return true;
        }
        int mask = (0xFF << (8 - remainingBits)) & 0xFF;
        return (net[fullBytes] & mask) == (candidate[fullBytes] & mask);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }
}
