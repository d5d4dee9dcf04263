package io.snipool.core.health;

import io.snipool.config.OutlierDetectionConfig;

/**
 * How long ejections last: the first {@code base}, each repeat twice the one before, never more than {@code max};
 * each {@code base} a backend then stays in without being ejected takes one doubling back. Pure arithmetic on
 * nanoseconds, as Envoy's outlier detection does it.
 *
 * @param baseNanos {@code base_ejection_time}
 * @param maxNanos  {@code max_ejection_time}, at least {@code baseNanos}
 */
public record EjectionTimes(long baseNanos, long maxNanos) {

    public EjectionTimes {
        if (baseNanos <= 0 || maxNanos < baseNanos) {
            throw new IllegalArgumentException("ejection times need 0 < base <= max, got base " + baseNanos
                    + " ns, max " + maxNanos + " ns");
        }
    }

    public static EjectionTimes of(OutlierDetectionConfig config) {
        return new EjectionTimes(config.baseEjectionTime().toNanos(), config.maxEjectionTime().toNanos());
    }

    /** How long the ejection of {@code level} lasts (1 for a first ejection): base x 2^(level-1), at most max. */
    public long durationNanos(int level) {
        if (level < 1) {
            throw new IllegalArgumentException("ejection levels start at 1, got " + level);
        }
        int doublings = level - 1;
        if (doublings >= Long.SIZE - 1 || baseNanos > maxNanos >> doublings) {
            return maxNanos;
        }
        return Math.min(maxNanos, baseNanos << doublings);
    }

    /**
     * The level of the next ejection: one above {@code level} (that of the last ejection, 0 if none), less one for
     * each whole {@code base} the backend has been back in since ({@code quietNanos}).
     */
    public int nextLevel(int level, long quietNanos) {
        long forgiven = Math.max(0, quietNanos) / baseNanos;
        return (int) Math.max(0, level - Math.min(level, forgiven)) + 1;
    }
}
