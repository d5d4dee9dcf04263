package io.snipool.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of TLS that one listener terminates: handshakes by outcome, their duration, resumptions, and when each
 * certificate expires. Thread-safe; shared by the listener's event loops and kept across reloads.
 */
public final class TlsMeters {

    public static final String HANDSHAKES = "snipool.tls.handshakes";
    public static final String HANDSHAKE_DURATION = "snipool.tls.handshake.duration";
    public static final String SESSIONS_RESUMED = "snipool.tls.sessions.resumed";
    public static final String CERTIFICATE_EXPIRY = "snipool.tls.certificate.expiry.timestamp";

    /** Every handshake outcome label, registered up front so that each shows as 0 until it happens. */
    public static final String[] OUTCOMES = {"ok", "unknown_name", "no_alpn", "no_shared_cipher",
        "protocol_version", "bad_record", "timeout", "client_closed", "failed"};

    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofSeconds(5)};

    private final MeterRegistry registry;
    private final String listener;
    private final Map<String, Counter> handshakes = new ConcurrentHashMap<>();
    private final Timer duration;
    private final Counter resumed;
    /** Certificate label to its expiry, in epoch seconds; a reload replaces the values. */
    private final Map<String, AtomicLong> expiries = new ConcurrentHashMap<>();

    public TlsMeters(MeterRegistry registry, String listener) {
        this.registry = registry;
        this.listener = listener;
        for (String outcome : OUTCOMES) {
            handshakes.put(outcome, Counter.builder(HANDSHAKES).description("TLS handshakes of terminating routes")
                    .tag("listener", listener).tag("outcome", outcome).register(registry));
        }
        duration = Timer.builder(HANDSHAKE_DURATION).description("From the ClientHello to a finished handshake")
                .tag("listener", listener).serviceLevelObjectives(BUCKETS).register(registry);
        resumed = Counter.builder(SESSIONS_RESUMED).description("Handshakes that resumed an earlier session")
                .tag("listener", listener).register(registry);
    }

    /** A handshake ended with {@code outcome}, one of {@link #OUTCOMES}. */
    public void handshake(String outcome) {
        Counter counter = handshakes.get(outcome);
        if (counter == null) {
            throw new IllegalArgumentException("unknown handshake outcome " + outcome);
        }
        counter.increment();
    }

    /** A handshake succeeded after {@code nanos}; {@code wasResumed} when it resumed an earlier session. */
    public void handshakeDone(long nanos, boolean wasResumed) {
        handshakes.get("ok").increment();
        duration.record(nanos, TimeUnit.NANOSECONDS);
        if (wasResumed) {
            resumed.increment();
        }
    }

    /** The listener now serves a certificate {@code label} that expires at {@code notAfter}. */
    public void certificate(String label, Instant notAfter) {
        expiries.computeIfAbsent(label, key -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(CERTIFICATE_EXPIRY, value, AtomicLong::get)
                    .description("When a served certificate expires (Unix time)").baseUnit("seconds")
                    .tag("listener", listener).tag("certificate", key).register(registry);
            return value;
        }).set(notAfter.getEpochSecond());
    }
}
