package io.snipool.core.route;

import io.snipool.config.BackendTemplate;
import io.snipool.config.HostNames;
import io.snipool.config.HostPort;
import io.snipool.config.InetLiterals;
import java.util.Map;

/**
 * Where one backend entry of a matched route sends a connection: a fixed address, an address built from the
 * request that still has to be resolved and checked, or nothing because the expansion is not a host name.
 */
public sealed interface BackendTarget {

    /**
     * An address written in the configuration. The operator chose it, so it is connected to as is, without the
     * {@link TargetPolicy} check.
     */
    record Static(HostPort address) implements BackendTarget {
    }

    /**
     * A template expanded with values from the request: a normalized DNS name or an IP literal. The caller must
     * resolve it, pass the addresses to {@link TargetPolicy#check}, and connect to an address the policy returned
     * (never resolve the name a second time, which would reopen DNS rebinding).
     */
    record Dynamic(String host, int port) implements BackendTarget {
    }

    /** The template expanded to something that is not a host; the connection must be refused. */
    record Invalid(String reason) implements BackendTarget {
    }

    /** Expands {@code backend} for a route match. */
    static BackendTarget expand(BackendTemplate backend, RouteMatch match) {
        return expand(backend, match.variables());
    }

    /**
     * Expands {@code backend} with template {@code variables}. A variable with no value expands to nothing, which
     * leaves an empty label or an empty host, so the result is refused rather than routed somewhere unintended.
     */
    static BackendTarget expand(BackendTemplate backend, Map<String, String> variables) {
        if (backend.isStatic()) {
            return new Static(backend.staticAddress());
        }
        String host = HostNames.normalize(backend.expandHost(variables));
        if (host.isEmpty()) {
            return new Invalid("backend '" + backend + "' expanded to an empty host");
        }
        if (InetLiterals.isIpLiteral(host)) {
            return new Dynamic(host, backend.port());
        }
        if (!HostNames.isValidDnsName(host)) {
            return new Invalid("backend '" + backend + "' expanded to '" + host + "', which is not a valid host"
                    + " name");
        }
        if (endsInNumber(host)) {
            return new Invalid("backend '" + backend + "' expanded to '" + host + "', which ends in a number but is"
                    + " not a dotted-quad IPv4 address");
        }
        return new Dynamic(host, backend.port());
    }

    /**
     * No top-level domain is all-numeric (RFC 3696 §2), so a name ending in a number is really an address in a
     * legacy form ({@code 127.1}, {@code 2130706433}, {@code 0x7f.0.0.1}) that some resolvers decode and others
     * send to DNS. Refusing it keeps the target unambiguous; the WHATWG URL standard's "ends in a number" rule
     * makes the same call.
     */
    private static boolean endsInNumber(String host) {
        String last = host.substring(host.lastIndexOf('.') + 1);
        if (last.startsWith("0x")) {
            return last.substring(2).chars().allMatch(c -> Character.digit(c, 16) >= 0);
        }
        return last.chars().allMatch(c -> c >= '0' && c <= '9');
    }
}
