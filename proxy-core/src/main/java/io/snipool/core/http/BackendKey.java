package io.snipool.core.http;

import io.snipool.config.HostPort;
import java.util.Objects;

/**
 * Identifies a backend pool: the address connected to, and how its name is to be resolved. A dynamic target
 * (expanded from a template) is checked against the private-address policy; two routes that reach the same
 * address under different policies get different pools, so a connection approved for one is never lent to the
 * other. Its label and hash are computed once: keys are looked up several times per request.
 */
public final class BackendKey {

    private final HostPort address;
    private final boolean dynamic;
    private final boolean allowPrivateTargets;
    private final String label;
    private final int hash;

    public BackendKey(HostPort address, boolean dynamic, boolean allowPrivateTargets) {
        this.address = address;
        this.dynamic = dynamic;
        this.allowPrivateTargets = allowPrivateTargets;
        this.label = address.toString();
        this.hash = Objects.hash(address, dynamic, allowPrivateTargets);
    }

    public HostPort address() {
        return address;
    }

    public boolean dynamic() {
        return dynamic;
    }

    public boolean allowPrivateTargets() {
        return allowPrivateTargets;
    }

    /** The {@code backend} label of metrics and the pool API: {@code host:port}. */
    public String label() {
        return label;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BackendKey key && hash == key.hash && dynamic == key.dynamic
                && allowPrivateTargets == key.allowPrivateTargets && address.equals(key.address);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return label + (dynamic ? " (dynamic)" : "");
    }
}
