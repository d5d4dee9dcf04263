package io.snipool.app.status;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.Arrays;
import java.util.Collection;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;

/**
 * A histogram's counts at one moment: for each finite upper bound (seconds, ascending) how many observations were at
 * most that, and the total, which includes those above the last bound. Cumulative since the meters were registered,
 * as Prometheus keeps them; two readings subtract to the observations between them.
 */
record HistogramCounts(double[] bounds, long[] cumulative, long total) {

    static final HistogramCounts EMPTY = new HistogramCounts(new double[0], new long[0], 0);

    /**
     * The timers' buckets summed bound by bound (one listener's duration timers, one per route where labelled so);
     * timers registered with other bounds than the first are left out rather than mixed in.
     */
    static HistogramCounts sum(Collection<Timer> timers) {
        HistogramCounts result = EMPTY;
        for (Timer timer : timers) {
            HistogramSnapshot snapshot = timer.takeSnapshot();
            CountAtBucket[] buckets = snapshot.histogramCounts();
            double[] bounds = new double[buckets.length];
            long[] counts = new long[buckets.length];
            for (int i = 0; i < buckets.length; i++) {
                bounds[i] = buckets[i].bucket(TimeUnit.SECONDS);
                counts[i] = (long) buckets[i].count();
            }
            HistogramCounts one = new HistogramCounts(bounds, counts, snapshot.count());
            if (result == EMPTY) {
                result = one;
            } else if (Arrays.equals(result.bounds, bounds)) {
                result = result.plus(one);
            }
        }
        return result;
    }

    private HistogramCounts plus(HistogramCounts other) {
        long[] counts = cumulative.clone();
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.cumulative[i];
        }
        return new HistogramCounts(bounds, counts, total + other.total);
    }

    /** The observations since {@code earlier}, a reading of the same histogram with the same bounds. */
    HistogramCounts minus(HistogramCounts earlier) {
        long[] counts = cumulative.clone();
        for (int i = 0; i < counts.length; i++) {
            counts[i] -= earlier.cumulative[i];
        }
        return new HistogramCounts(bounds, counts, total - earlier.total);
    }

    /** Whether {@code earlier} can be subtracted: the same bounds, and no count larger than now. */
    boolean follows(HistogramCounts earlier) {
        if (!Arrays.equals(bounds, earlier.bounds) || earlier.total > total) {
            return false;
        }
        for (int i = 0; i < cumulative.length; i++) {
            if (earlier.cumulative[i] > cumulative[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The {@code q} quantile in seconds, interpolated linearly inside its bucket as Prometheus's
     * {@code histogram_quantile} does (the first bucket from 0); one above the last bound reads as the last bound.
     * Empty without observations.
     */
    OptionalDouble quantile(double q) {
        if (total == 0 || bounds.length == 0) {
            return OptionalDouble.empty();
        }
        double rank = q * total;
        for (int i = 0; i < bounds.length; i++) {
            if (cumulative[i] >= rank) {
                double lowerBound = i == 0 ? 0 : bounds[i - 1];
                long lowerCount = i == 0 ? 0 : cumulative[i - 1];
                return OptionalDouble.of(lowerBound
                        + (bounds[i] - lowerBound) * (rank - lowerCount) / (cumulative[i] - lowerCount));
            }
        }
        return OptionalDouble.of(bounds[bounds.length - 1]);
    }
}
