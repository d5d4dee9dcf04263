package io.snipool.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every snipool meter: its name, labels and registration, in one place. Names are Micrometer's dotted form; the
 * Prometheus registry renders {@code snipool.connections} as {@code snipool_connections_total}. docs/metrics.md
 * lists each under its Prometheus name.
 */
public final class ProxyMetrics {

    public static final String CONNECTIONS = "snipool.connections";
    public static final String CONNECTIONS_ACTIVE = "snipool.connections.active";

    /** {@code outcome} values of {@link #CONNECTIONS}. */
    public enum Outcome {
        /** Accepted and handed to the listener's protocol handler. */
        ACCEPTED,
        /** Closed at once because {@code limits.max_connections} was reached. */
        OVER_LIMIT;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final MeterRegistry registry;

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The meters of one listener; create once per listener and share between its event loops. */
    public ListenerMeters listener(String name) {
        return new ListenerMeters(name);
    }

    /** Meters labelled with one listener's name. */
    public final class ListenerMeters {
        private final Counter accepted;
        private final Counter overLimit;
        private final AtomicLong active = new AtomicLong();

        private ListenerMeters(String listener) {
            accepted = connections(listener, Outcome.ACCEPTED);
            overLimit = connections(listener, Outcome.OVER_LIMIT);
            registry.gauge(CONNECTIONS_ACTIVE, io.micrometer.core.instrument.Tags.of("listener", listener), active,
                    AtomicLong::get);
        }

        private Counter connections(String listener, Outcome outcome) {
            return Counter.builder(CONNECTIONS).description("Client connections by outcome")
                    .tag("listener", listener).tag("outcome", outcome.label()).register(registry);
        }

        public void accepted() {
            accepted.increment();
            active.incrementAndGet();
        }

        public void closed() {
            active.decrementAndGet();
        }

        public void overLimit() {
            overLimit.increment();
        }

        public long active() {
            return active.get();
        }
    }
}
