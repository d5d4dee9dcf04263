package io.snipool.core.http;

import io.snipool.config.HostPort;

/**
 * Identifies a backend pool: the address connected to, and how its name is to be resolved. A dynamic target
 * (expanded from a template) is checked against the private-address policy; two routes that reach the same
 * address under different policies get different pools, so a connection approved for one is never lent to the
 * other.
 */
public record BackendKey(HostPort address, boolean dynamic, boolean allowPrivateTargets) {

    /** The {@code backend} label of metrics and the pool API: {@code host:port}. */
    public String label() {
        return address.toString();
    }
}
