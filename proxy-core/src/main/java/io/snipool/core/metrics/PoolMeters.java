package io.snipool.core.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.snipool.core.pool.EvictionReason;
import io.snipool.core.pool.LeaseFailure;
import io.snipool.core.pool.PoolGauge;
import io.snipool.core.pool.PoolListener;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The backend pool's meters, labelled by backend. One instance is shared by the pools of every event loop: gauges
 * arrive as deltas and are summed here. Backend labels are capped by {@link BoundedLabels}.
 *
 * @param <K> the pool key
 */
public final class PoolMeters<K> implements PoolListener<K> {

    public static final String HITS = "snipool.pool.hits";
    public static final String MISSES = "snipool.pool.misses";
    public static final String EVICTIONS = "snipool.pool.evictions";
    public static final String IDLE = "snipool.pool.idle.connections";
    public static final String ACTIVE = "snipool.pool.active.connections";
    public static final String PENDING = "snipool.pool.pending.requests";
    public static final String TARGET_IDLE = "snipool.pool.target.idle.connections";
    public static final String STALE_RETRIES = "snipool.pool.stale.retries";
    public static final String REQUESTS_PER_CONNECTION = "snipool.pool.requests.per.connection";
    public static final String CONNECT_DURATION = "snipool.pool.connect.duration";
    public static final String CONNECT_ERRORS = "snipool.pool.connect.errors";
    public static final String STREAMS_ACTIVE = "snipool.pool.streams.active";

    private static final double[] REQUEST_BUCKETS = {1, 2, 5, 10, 100, 1000, 10_000, 100_000};
    private static final Duration[] CONNECT_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofSeconds(5)};

    private final MeterRegistry registry;
    private final Function<K, String> labelOf;
    private final BoundedLabels labels;
    private final Map<String, Backend> backends = new ConcurrentHashMap<>();
    /**
     * The meters of each key, so that the several calls per request need one lookup and no label building.
     * Bounded: keys of template backends come from client-chosen names; past the bound, lookups go by label.
     */
    private final Map<K, Backend> byKey = new ConcurrentHashMap<>();
    private final PoolEvents events;

    public PoolMeters(MeterRegistry registry, Function<K, String> labelOf, int maxBackendLabels, PoolEvents events) {
        this.registry = registry;
        this.labelOf = labelOf;
        this.labels = new BoundedLabels(maxBackendLabels);
        this.events = events;
    }

    public PoolEvents events() {
        return events;
    }

    /** The meters of one backend label. */
    private final class Backend {
        final Counter hits;
        final Counter misses;
        final Counter staleRetries;
        final Counter connectErrors;
        final Map<EvictionReason, Counter> evictions = new EnumMap<>(EvictionReason.class);
        final Map<PoolGauge, AtomicLong> gauges = new EnumMap<>(PoolGauge.class);
        final DistributionSummary requestsPerConnection;
        final Timer connectDuration;
        /** HTTP/2 streams carrying a request now (0 for an HTTP/1.1 backend, whose connections carry one each). */
        final AtomicLong streams = new AtomicLong();

        Backend(String backend) {
            Tags tags = Tags.of("backend", backend);
            hits = Counter.builder(HITS).description("Leases served by an existing connection").tags(tags)
                    .register(registry);
            misses = Counter.builder(MISSES).description("Leases that needed a new connection").tags(tags)
                    .register(registry);
            staleRetries = Counter.builder(STALE_RETRIES)
                    .description("Requests replayed on a fresh connection after a reused one failed").tags(tags)
                    .register(registry);
            connectErrors = Counter.builder(CONNECT_ERRORS).description("Failed or timed-out pool connects")
                    .tags(tags).register(registry);
            for (EvictionReason reason : EvictionReason.values()) {
                evictions.put(reason, Counter.builder(EVICTIONS).description("Connections closed, by reason")
                        .tags(tags).tag("reason", reason.label()).register(registry));
            }
            for (PoolGauge gauge : PoolGauge.values()) {
                gauges.put(gauge, new AtomicLong());
            }
            registry.gauge(IDLE, tags, gauges.get(PoolGauge.IDLE), AtomicLong::get);
            registry.gauge(ACTIVE, tags, gauges.get(PoolGauge.ACTIVE), AtomicLong::get);
            registry.gauge(PENDING, tags, gauges.get(PoolGauge.PENDING), AtomicLong::get);
            // min_idle_per_host, or pool.adaptive's target when more: what the pool aims at, summed over event loops.
            registry.gauge(TARGET_IDLE, tags, gauges.get(PoolGauge.TARGET_IDLE), AtomicLong::get);
            registry.gauge(STREAMS_ACTIVE, tags, streams, AtomicLong::get);
            requestsPerConnection = DistributionSummary.builder(REQUESTS_PER_CONNECTION)
                    .description("Requests a backend connection served before it closed").tags(tags)
                    .serviceLevelObjectives(REQUEST_BUCKETS).register(registry);
            connectDuration = Timer.builder(CONNECT_DURATION).description("Time to open a backend connection")
                    .tags(tags).serviceLevelObjectives(CONNECT_BUCKETS).register(registry);
        }
    }

    /** Keys whose meters are remembered directly, at most. */
    static final int MAX_CACHED_KEYS = 10_000;

    private Backend backend(K key) {
        Backend cached = byKey.get(key);
        if (cached != null) {
            return cached;
        }
        Backend meters = backends.computeIfAbsent(labels.label(labelOf.apply(key)), Backend::new);
        if (byKey.size() < MAX_CACHED_KEYS) {
            byKey.put(key, meters);
        }
        return meters;
    }

    @Override
    public void onHit(K key) {
        backend(key).hits.increment();
    }

    @Override
    public void onMiss(K key) {
        backend(key).misses.increment();
    }

    @Override
    public void onConnected(K key, long connectNanos) {
        backend(key).connectDuration.record(connectNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onConnectFailure(K key, LeaseFailure failure) {
        backend(key).connectErrors.increment();
        events.record(labelOf.apply(key), "connect_failure", failure.message());
    }

    @Override
    public void onLeaseFailure(K key, LeaseFailure failure) {
        if (failure.kind() == LeaseFailure.Kind.QUEUE_FULL || failure.kind() == LeaseFailure.Kind.WAIT_TIMEOUT) {
            events.record(labelOf.apply(key), "lease_failure", failure.message());
        }
    }

    @Override
    public void onEviction(K key, EvictionReason reason, long requestsServed) {
        Backend backend = backend(key);
        backend.evictions.get(reason).increment();
        backend.requestsPerConnection.record(requestsServed);
        if (reason == EvictionReason.CAPACITY || reason == EvictionReason.ERROR
                || reason == EvictionReason.UNEXPECTED_DATA) {
            events.record(labelOf.apply(key), "eviction", reason.label() + " after " + requestsServed
                    + (requestsServed == 1 ? " request" : " requests"));
        }
    }

    @Override
    public void onGaugeChange(K key, PoolGauge gauge, int delta) {
        backend(key).gauges.get(gauge).addAndGet(delta);
    }

    /** HTTP/2 streams to {@code key}'s backend carrying a request changed by {@code delta}. */
    public void streamsChanged(K key, int delta) {
        backend(key).streams.addAndGet(delta);
    }

    /** A request was replayed on a fresh connection after failing on a reused one. */
    public void staleRetry(K key) {
        backend(key).staleRetries.increment();
        events.record(labelOf.apply(key), "stale_retry", "request replayed on a fresh connection");
    }

    /** Connections to one backend label carrying a request now, over every event loop; 0 for a label never seen. */
    public long active(String backend) {
        Backend meters = backends.get(backend);
        return meters == null ? 0 : meters.gauges.get(PoolGauge.ACTIVE).get();
    }

    /** Cumulative counts of one backend label, for the pool API; zeros for a label never seen. */
    public Totals totals(String backend) {
        Backend meters = backends.get(backend);
        if (meters == null) {
            return new Totals(0, 0, 0, 0, new EnumMap<>(EvictionReason.class));
        }
        Map<EvictionReason, Long> evictions = new EnumMap<>(EvictionReason.class);
        meters.evictions.forEach((reason, counter) -> evictions.put(reason, (long) counter.count()));
        return new Totals((long) meters.hits.count(), (long) meters.misses.count(),
                meters.connectDuration.count(), (long) meters.staleRetries.count(), evictions);
    }

    /** Counts since the process started (the pool's own counters reset when it forgets an unused backend). */
    public record Totals(long hits, long misses, long connectionsCreated, long staleRetries,
                         Map<EvictionReason, Long> evictions) {
    }
}
