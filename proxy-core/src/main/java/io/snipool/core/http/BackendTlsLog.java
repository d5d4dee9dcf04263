package io.snipool.core.http;

import io.snipool.core.metrics.LogThrottle;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Logs failed handshakes with backends at WARNING, at most one line per backend per
 * {@link LogThrottle#DEFAULT_INTERVAL} (the line says how many more failed since): a backend whose certificate
 * expired fails every connect, and each is counted in {@code snipool_backend_tls_errors_total} anyway. Thread-safe;
 * one per process.
 */
final class BackendTlsLog {

    private static final Logger LOG = Logger.getLogger(BackendTlsLog.class.getName());
    /** Backends with a throttle of their own; template backends come from client-chosen names, the rest share one. */
    static final int MAX_BACKENDS = 1000;
    private static final String OTHERS = "";

    private final Map<String, LogThrottle> throttles = new ConcurrentHashMap<>();

    /** A handshake with {@code backend} ({@code host:port}) failed, as {@code line} says. */
    void failed(String backend, String line) {
        LogThrottle throttle = throttles.get(backend);
        if (throttle == null) {
            // A race may admit a few more than the bound; it only has to hold roughly.
            throttle = throttles.computeIfAbsent(throttles.size() < MAX_BACKENDS ? backend : OTHERS,
                    ignored -> new LogThrottle(LogThrottle.DEFAULT_INTERVAL));
        }
        Optional<String> admitted = throttle.admit(() -> line, "failed");
        if (admitted.isPresent()) {
            LOG.warning(admitted.get()); // here, not through a method reference: the log names this class as the source
        }
    }
}
