package io.snipool.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.snipool.core.backend.HandshakeFailure;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The meters of TLS to backends ({@code backend_tls}), labelled by backend ({@code host:port}, capped like the pool's
 * labels): handshakes, resumed or not, and failed handshakes by {@link HandshakeFailure}. Thread-safe; one per
 * process, shared by the pools of every event loop.
 */
public final class BackendTlsMeters {

    public static final String HANDSHAKES = "snipool.backend.tls.handshakes";
    public static final String ERRORS = "snipool.backend.tls.errors";

    private final MeterRegistry registry;
    private final BoundedLabels labels;
    private final Map<String, Backend> backends = new ConcurrentHashMap<>();

    public BackendTlsMeters(MeterRegistry registry, int maxBackendLabels) {
        this.registry = registry;
        this.labels = new BoundedLabels(maxBackendLabels);
    }

    /** The meters of one backend label. */
    private final class Backend {
        final Counter fullHandshakes;
        final Counter resumedHandshakes;
        final Map<HandshakeFailure, Counter> errors = new EnumMap<>(HandshakeFailure.class);

        Backend(String backend) {
            fullHandshakes = handshakes(backend, "false");
            resumedHandshakes = handshakes(backend, "true");
            // Every reason at once, so that each shows as 0 until it happens.
            for (HandshakeFailure reason : HandshakeFailure.values()) {
                errors.put(reason, Counter.builder(ERRORS).description("Failed TLS handshakes with backends, by reason")
                        .tag("backend", backend).tag("reason", reason.label()).register(registry));
            }
        }

        private Counter handshakes(String backend, String resumed) {
            return Counter.builder(HANDSHAKES).description("Finished TLS handshakes with backends")
                    .tag("backend", backend).tag("resumed", resumed).register(registry);
        }
    }

    /** A handshake with {@code backend} finished; {@code resumed} when it resumed a cached session. */
    public void handshake(String backend, boolean resumed) {
        Backend meters = backend(backend);
        (resumed ? meters.resumedHandshakes : meters.fullHandshakes).increment();
    }

    /** A handshake with {@code backend} failed for {@code reason}. */
    public void error(String backend, HandshakeFailure reason) {
        backend(backend).errors.get(reason).increment();
    }

    private Backend backend(String backend) {
        return backends.computeIfAbsent(labels.label(backend), Backend::new);
    }
}
