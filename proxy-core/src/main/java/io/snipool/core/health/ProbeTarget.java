package io.snipool.core.health;

import io.snipool.config.HealthCheckConfig;
import io.snipool.config.HostPort;
import io.snipool.core.backend.TlsTarget;
import java.util.Optional;

/**
 * What one backend's active check does, worked out from its route: where to connect, whether to speak TLS and with
 * which settings, and for an {@code http} check the Host to send. Equal targets make the same checks, so a reload
 * that leaves a backend's target equal leaves its checks running as they were.
 *
 * @param check the route's {@code health_check}: type, path, expected statuses, interval, timeout, rise, fall
 * @param tls   present when the connection is TLS: a {@code tls} check, or an {@code http} check of backends that
 *              speak TLS
 * @param host  the {@code Host} of an {@code http} check: the route's first exact host, else the backend's address
 */
public record ProbeTarget(HostPort address, HealthCheckConfig check, Optional<TlsTarget> tls, String host) {

    public HealthCheckConfig.Type type() {
        return check.type();
    }
}
