package io.snipool.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Recognises and decodes IP literals without ever touching DNS. */
public final class InetLiterals {

    private InetLiterals() {
    }

    /** True for a dotted-quad IPv4 literal with each part 0..255 and no leading zeros. */
    public static boolean isIpv4(String text) {
        int parts = 0;
        int i = 0;
        int n = text.length();
        while (i <= n) {
            int start = i;
            int value = 0;
            while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                value = value * 10 + (text.charAt(i) - '0');
                i++;
                if (value > 255) {
                    return false;
                }
            }
            int len = i - start;
            if (len == 0 || (len > 1 && text.charAt(start) == '0')) {
                return false;
            }
            parts++;
            if (i == n) {
                break;
            }
            if (text.charAt(i) != '.') {
                return false;
            }
            i++;
        }
        return parts == 4;
    }

    /** True for an IPv6 literal (without brackets or zone). */
    public static boolean isIpv6(String text) {
        if (text.indexOf(':') < 0 || text.length() > 45) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':'
                    || c == '.';
            if (!ok) {
                return false;
            }
        }
        return parse(text) != null;
    }

    /** True for either kind of literal. */
    public static boolean isIpLiteral(String text) {
        return isIpv4(text) || isIpv6(text);
    }

    /**
     * Decodes a literal already checked by {@link #isIpv4} or {@link #isIpv6}; returns null if it is not one.
     * Only literals reach {@link InetAddress#getByName}, so no lookup can happen.
     */
    public static InetAddress parse(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
