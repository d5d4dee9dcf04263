package io.snipool.core.http;

import io.snipool.config.HostNames;
import io.snipool.config.InetLiterals;
import java.util.Locale;

/**
 * The host of a request, from its {@code Host} header or absolute-form target (RFC 9112 §3.2), normalized for
 * routing: lower case, no trailing dot, no port.
 */
public final class HostAuthority {

    private HostAuthority() {
    }

    /**
     * The routing name of an authority ({@code host[:port]}, {@code [v6]:port}), or null if it is malformed.
     * An empty authority (allowed for some URI schemes) yields the empty string.
     */
    public static String hostOf(String authority) {
        if (authority.isEmpty()) {
            return "";
        }
        String host;
        String port = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = authority.substring(1, close);
            if (!InetLiterals.isIpv6(host)) {
                return null;
            }
            if (close + 1 < authority.length()) {
                if (authority.charAt(close + 1) != ':') {
                    return null;
                }
                port = authority.substring(close + 2);
            }
            host = host.toLowerCase(Locale.ROOT);
        } else {
            int colon = authority.indexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            port = colon < 0 ? null : authority.substring(colon + 1);
            host = HostNames.normalize(host);
            if (!InetLiterals.isIpv4(host) && !HostNames.isValidDnsName(host)) {
                return null;
            }
        }
        if (port != null && (port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9'))) {
            return null;
        }
        return host;
    }

    /**
     * The authority of an absolute-form target ({@code http://host:port/path}), or null if {@code target} is not
     * in absolute form. Userinfo ({@code user@}) is refused by returning the empty string's opposite: null.
     */
    public static String authorityOfAbsoluteForm(String target) {
        int schemeEnd = target.indexOf("://");
        if (schemeEnd <= 0 || target.startsWith("/")) {
            return null;
        }
        String scheme = target.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return null;
        }
        int start = schemeEnd + 3;
        int end = start;
        while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) {
            end++;
        }
        String authority = target.substring(start, end);
        return authority.indexOf('@') >= 0 ? null : authority;
    }

    /** The origin-form ({@code /path?query}) of an absolute-form target; {@code /} if it has no path. */
    public static String originForm(String absoluteTarget) {
        int start = absoluteTarget.indexOf("://") + 3;
        int pathStart = start;
        while (pathStart < absoluteTarget.length() && "/?#".indexOf(absoluteTarget.charAt(pathStart)) < 0) {
            pathStart++;
        }
        String rest = absoluteTarget.substring(pathStart);
        int fragment = rest.indexOf('#');
        if (fragment >= 0) {
            rest = rest.substring(0, fragment);
        }
        if (rest.isEmpty()) {
            return "/";
        }
        return rest.startsWith("?") ? "/" + rest : rest;
    }
}
