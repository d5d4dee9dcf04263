package io.snipool.core.pool;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Records everything the pool reports, with the clock time of each eviction. */
final class RecordingListener implements PoolListener<String> {

    record Eviction(String key, EvictionReason reason, long requestsServed, long atElapsedNanos) { }

    private final ManualScheduler clock;
    final List<Eviction> evictions = new ArrayList<>();
    final List<LeaseFailure> connectFailures = new ArrayList<>();
    final List<LeaseFailure> leaseFailures = new ArrayList<>();
    final Map<String, Integer> hits = new HashMap<>();
    final Map<String, Integer> misses = new HashMap<>();
    private final Map<String, EnumMap<PoolGauge, Integer>> gauges = new HashMap<>();
    int connected;

    RecordingListener(ManualScheduler clock) {
        this.clock = clock;
    }

    @Override
    public void onHit(String key) {
        hits.merge(key, 1, Integer::sum);
    }

    @Override
    public void onMiss(String key) {
        misses.merge(key, 1, Integer::sum);
    }

    @Override
    public void onConnected(String key, long connectNanos) {
        connected++;
    }

    @Override
    public void onConnectFailure(String key, LeaseFailure failure) {
        connectFailures.add(failure);
    }

    @Override
    public void onLeaseFailure(String key, LeaseFailure failure) {
        leaseFailures.add(failure);
    }

    @Override
    public void onEviction(String key, EvictionReason reason, long requestsServed) {
        evictions.add(new Eviction(key, reason, requestsServed, clock.elapsedNanos()));
    }

    @Override
    public void onGaugeChange(String key, PoolGauge gauge, int delta) {
        gauges.computeIfAbsent(key, k -> new EnumMap<>(PoolGauge.class)).merge(gauge, delta, Integer::sum);
    }

    int gauge(String key, PoolGauge gauge) {
        return gauges.getOrDefault(key, new EnumMap<>(PoolGauge.class)).getOrDefault(gauge, 0);
    }

    List<EvictionReason> reasons() {
        return evictions.stream().map(Eviction::reason).toList();
    }
}
