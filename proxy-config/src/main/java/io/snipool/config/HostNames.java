package io.snipool.config;

import java.util.Locale;

/**
 * Host name syntax shared by the configuration, the SNI parser and the HTTP Host header: letters, digits,
 * hyphens and (as real-world names use them) underscores, labels of 1..63 characters not starting or ending with
 * a hyphen, at most 253 characters (RFC 1035 §2.3.4, RFC 1123 §2.1).
 */
public final class HostNames {

    /** RFC 1035 §2.3.4: 255 octets on the wire, 253 characters in text form without the trailing dot. */
    public static final int MAX_NAME_LENGTH = 253;
    /** RFC 1035 §2.3.4. */
    public static final int MAX_LABEL_LENGTH = 63;

    private HostNames() {
    }

    /**
     * Lower-cases a name and removes one trailing dot; does not validate.
     */
    public static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /** True if {@code name} (already normalized, no trailing dot) is a syntactically valid DNS host name. */
    public static boolean isValidDnsName(String name) {
        int n = name.length();
        if (n == 0 || n > MAX_NAME_LENGTH) {
            return false;
        }
        int labelStart = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || name.charAt(i) == '.') {
                int len = i - labelStart;
                if (len == 0 || len > MAX_LABEL_LENGTH) {
                    return false;
                }
                if (name.charAt(labelStart) == '-' || name.charAt(i - 1) == '-') {
                    return false;
                }
                labelStart = i + 1;
                continue;
            }
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
