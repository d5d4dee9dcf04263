package io.snipool.config;

import java.util.List;
import java.util.Locale;

/** PLACEHOLDER until the TLS configuration branch lands; replaced by its version. */
public final class CertificateNames {

    private CertificateNames() {
    }

    public static String normalize(String host) {
        String lower = host.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    public static boolean covers(String pattern, String host) {
        String name = normalize(host);
        String wanted = normalize(pattern);
        if (wanted.startsWith("*.")) {
            int dot = name.indexOf('.');
            return dot > 0 && name.substring(dot + 1).equals(wanted.substring(2));
        }
        return wanted.equals(name);
    }

    public static boolean coveredBy(List<String> names, String host) {
        for (String name : names) {
            if (covers(name, host)) {
                return true;
            }
        }
        return false;
    }
}
