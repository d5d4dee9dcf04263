package io.snipool.core.health;

import io.snipool.config.HostPort;
import io.snipool.config.OutlierDetectionConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Passive ejection of the addresses template backends ({@code ${host}:443}) expand to: their addresses come from
 * clients, so they are not known ahead and are never probed. Each address seen failing gets a small state, kept in a
 * map of at most {@code maxAddresses} entries, the least recently used dropped first (an evicted address starts
 * afresh, ejection included). An address enters on a failure only: successes of addresses never seen failing cost
 * nothing. An ejection ends when its time is up, read at the next look: no timer per address.
 *
 * <p>{@code max_ejection_percent} does not apply: there is no whole to take a percentage of. Fail-open happens where
 * the template is expanded: an ejected address is passed over for another candidate, and used when none is left.
 *
 * <p>Thread-safe: one lock, held for a map look-up (the access order of the map changes on every read).
 */
final class DynamicBackends {

    /** How many expanded addresses are remembered by default: about 100 bytes each, 1 MB in all. */
    static final int DEFAULT_MAX_ADDRESSES = 10_000;

    /** An ejection that a failure completed: what to log and count. */
    record Ejection(HostPort address, String template, int level, long durationNanos, long ejections,
                    int consecutiveFailures) {
    }

    private static final class AddressState {
        String template;
        int consecutiveFailures;
        int ejectionLevel;
        long ejections;
        long ejectedUntilNanos;
    }

    private final int maxAddresses;
    private final Map<HostPort, AddressState> states;

    /** @param maxAddresses at least 1 */
    DynamicBackends(int maxAddresses) {
        if (maxAddresses < 1) {
            throw new IllegalArgumentException("dynamic backends: limit at least 1, got " + maxAddresses);
        }
        this.maxAddresses = maxAddresses;
        this.states = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<HostPort, AddressState> eldest) {
                return size() > DynamicBackends.this.maxAddresses;
            }
        };
    }

    /**
     * Counts what one use of {@code address}, expanded from {@code template}, came to, with the route's
     * {@code outlier} settings; the ejection, when this failure completed a streak of {@code consecutive_failures}.
     */
    synchronized Optional<Ejection> observe(String template, HostPort address, OutlierDetectionConfig outlier,
                                            TrafficOutcome outcome, long nowNanos) {
        AddressState state = states.get(address);
        if (!outcome.isFailure()) {
            if (state != null) {
                state.consecutiveFailures = 0;
            }
            return Optional.empty();
        }
        if (!outlier.enabled()) {
            return Optional.empty();
        }
        if (state == null) {
            state = new AddressState();
            states.put(address, state);
        }
        state.template = template;
        if (nowNanos - state.ejectedUntilNanos < 0) {
            return Optional.empty(); // already out: a failure of a request that began before the ejection
        }
        if (++state.consecutiveFailures < outlier.consecutiveFailures()) {
            return Optional.empty();
        }
        EjectionTimes times = EjectionTimes.of(outlier);
        long quiet = state.ejections == 0 ? 0 : nowNanos - state.ejectedUntilNanos;
        state.ejectionLevel = times.nextLevel(state.ejectionLevel, quiet);
        long lasts = times.durationNanos(state.ejectionLevel);
        state.ejectedUntilNanos = nowNanos + lasts;
        state.ejections++;
        int streak = state.consecutiveFailures;
        state.consecutiveFailures = 0;
        return Optional.of(new Ejection(address, template, state.ejectionLevel, lasts, state.ejections, streak));
    }

    /** True while {@code address} is ejected at {@code nowNanos}. */
    synchronized boolean ejected(HostPort address, long nowNanos) {
        AddressState state = states.get(address);
        return state != null && state.ejections > 0 && nowNanos - state.ejectedUntilNanos < 0;
    }

    /** How many addresses are ejected at {@code nowNanos}: {@code /api/backends} shows the count. */
    synchronized int ejectedCount(long nowNanos) {
        int count = 0;
        for (AddressState state : states.values()) {
            if (state.ejections > 0 && nowNanos - state.ejectedUntilNanos < 0) {
                count++;
            }
        }
        return count;
    }

    /** How many addresses are remembered now, at most the limit. */
    synchronized int size() {
        return states.size();
    }

    int maxAddresses() {
        return maxAddresses;
    }
}
