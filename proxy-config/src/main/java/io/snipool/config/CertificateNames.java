package io.snipool.config;

import java.util.List;

/**
 * Whether a name a certificate presents (a DNS subject alternative name, or its CN when it has none) covers a host
 * name, by the rules of RFC 6125 §6.4.3 as RFC 9525 §6.3 tightens them. One rule for the configuration check (an
 * exact host of a terminating route needs a certificate), for choosing a certificate by SNI, and for refusing with
 * 421 a request whose Host the connection's certificate does not cover.
 *
 * <ul>
 *   <li>Case does not matter, and one trailing dot on either side is ignored.</li>
 *   <li>{@code *.example.com} covers exactly one more leftmost label: {@code a.example.com}, never
 *       {@code example.com} nor {@code a.b.example.com}.</li>
 *   <li>The wildcard must be the whole leftmost label: {@code a*.example.com}, {@code *a.example.com} and
 *       {@code a.*.example.com} cover nothing (RFC 9525 §6.3 forbids partial wildcards).</li>
 *   <li>A wildcard needs at least two labels after it: {@code *.com} or {@code *.test} covers nothing, as OpenSSL's
 *       and the browsers' host checks refuse such names too.</li>
 *   <li>Labels are compared as plain ASCII: an IDN is matched in its A-label form ({@code xn--...}).</li>
 *   <li>An IP literal is never covered by a DNS name, even one spelled like it (RFC 6125 §6.2.1: IP addresses
 *       are checked against IP address SANs, which these names are not).</li>
 * </ul>
 */
public final class CertificateNames {

    private CertificateNames() {
    }

    /** True if the certificate name {@code pattern} covers {@code host}. */
    public static boolean covers(String pattern, String host) {
        String name = HostNames.normalize(pattern);
        String target = HostNames.normalize(host);
        if (target.isEmpty() || target.startsWith("[") || InetLiterals.isIpLiteral(target)) {
            return false;
        }
        if (!name.startsWith("*.")) {
            return name.indexOf('*') < 0 && name.equals(target);
        }
        String dotSuffix = name.substring(1);
        if (dotSuffix.indexOf('*') >= 0 || dotSuffix.indexOf('.', 1) < 0 || !target.endsWith(dotSuffix)) {
            return false;
        }
        int labelLength = target.length() - dotSuffix.length();
        return labelLength > 0 && target.lastIndexOf('.', labelLength - 1) < 0;
    }

    /** True if any of {@code names} covers {@code host}. */
    public static boolean coveredBy(List<String> names, String host) {
        for (String name : names) {
            if (covers(name, host)) {
                return true;
            }
        }
        return false;
    }

    /** True if {@code name} is a wildcard name ({@code *.example.com}), which covers after every exact name. */
    public static boolean isWildcard(String name) {
        return name.startsWith("*.");
    }
}
