package io.snipool.core.http;

import io.snipool.config.BackendProtocol;
import io.snipool.config.HostPort;
import io.snipool.core.backend.TlsTarget;
import java.util.Objects;
import java.util.Optional;

/**
 * Identifies a backend pool: the address connected to, how its name is to be resolved, and for {@code backend_tls}
 * everything that makes a TLS connection different (the SNI sent, verification, trust anchors, client certificate).
 * A dynamic target (expanded from a template) is checked against the private-address policy; two routes that reach
 * the same address under different policies get different pools, so a connection approved for one is never lent to
 * the other; likewise a connection made for one SNI or TLS profile is never lent for another. Its label and hash are
 * computed once: keys are looked up several times per request.
 */
public final class BackendKey {

    private final HostPort address;
    private final boolean dynamic;
    private final boolean allowPrivateTargets;
    private final Optional<TlsTarget> tls;
    private final BackendProtocol protocol;
    private final String label;
    private final int hash;

    /** A plain (not TLS) backend. */
    public BackendKey(HostPort address, boolean dynamic, boolean allowPrivateTargets) {
        this(address, dynamic, allowPrivateTargets, Optional.empty());
    }

    /** @param tls the TLS part: present for a {@code backend_tls} route */
    public BackendKey(HostPort address, boolean dynamic, boolean allowPrivateTargets, Optional<TlsTarget> tls) {
        this(address, dynamic, allowPrivateTargets, tls, BackendProtocol.HTTP1);
    }

    /**
     * @param protocol how the connections speak: an HTTP/1.1 connection is never lent for h2, nor the reverse (an
     *                 h2 key's TLS profile offers ALPN {@code h2} only)
     */
    public BackendKey(HostPort address, boolean dynamic, boolean allowPrivateTargets, Optional<TlsTarget> tls,
                      BackendProtocol protocol) {
        this.address = address;
        this.dynamic = dynamic;
        this.allowPrivateTargets = allowPrivateTargets;
        this.tls = tls;
        this.protocol = protocol;
        this.label = address.toString();
        this.hash = Objects.hash(address, dynamic, allowPrivateTargets, tls, protocol);
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

    /** The SNI and profile of a TLS backend; empty for a plain one. */
    public Optional<TlsTarget> tls() {
        return tls;
    }

    /** HTTP/1.1, h2 or h2c. */
    public BackendProtocol protocol() {
        return protocol;
    }

    /**
     * The {@code backend} label of metrics and the pool API: {@code host:port}, the same for every SNI (the pool API
     * shows each key's TLS part beside it).
     */
    public String label() {
        return label;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BackendKey key && hash == key.hash && dynamic == key.dynamic
                && allowPrivateTargets == key.allowPrivateTargets && address.equals(key.address)
                && protocol == key.protocol && tls.equals(key.tls);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return label + (dynamic ? " (dynamic)" : "") + (protocol.multiplexed() ? " " + protocol.name().toLowerCase(
                java.util.Locale.ROOT) : "") + tls.map(target -> " " + target).orElse("");
    }
}
