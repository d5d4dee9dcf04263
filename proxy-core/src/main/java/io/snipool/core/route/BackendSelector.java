package io.snipool.core.route;

import io.snipool.config.BackendTemplate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;

/**
 * Chooses the order in which one route's backends are tried: round robin, with a backend that recently failed to
 * connect moved behind the others for a short back-off.
 *
 * <p>A backed-off backend is moved last, never dropped: if every backend is backed off, all are still tried in
 * round-robin order, since refusing the client outright would turn a brief outage of all backends into a longer
 * one, and the attempt itself shows whether a backend is back. Once its back-off expires a backend takes its
 * normal turn again; one more failure starts a new back-off.
 *
 * <p>A backend that is not available (down or ejected, as its route's health view says) goes last in the same way:
 * tried only when every available one has failed for this connection, so that a route whose backends are all down
 * still tries them (fail open).
 *
 * <p>A template backend ({@code ${tenant}.internal:443}) shares one back-off for all the hosts it expands to, so
 * one tenant's dead host moves the template back for every tenant. Because back-off only reorders, this changes
 * which backend is tried first, never whether a backend is tried.
 *
 * <p>Not thread-safe: each event loop keeps its own selector per route (index them by
 * {@link RouteMatch#routeIndex()}), so the round-robin position and back-offs are per loop and need no locks.
 */
public final class BackendSelector {

    /** How long a backend that failed to connect is tried only after the others. */
    public static final Duration DEFAULT_FAILURE_BACKOFF = Duration.ofSeconds(5);

    private final List<BackendTemplate> backends;
    private final long failureBackoffNanos;
    private final LongSupplier nanoClock;
    /** By index into the route's backends: whether the backend takes new requests (its health). */
    private final IntPredicate available;
    private final boolean[] failed;
    /** Meaningful where {@code failed}; compared by difference, as {@link System#nanoTime()} values may wrap. */
    private final long[] backedOffUntil;
    private int next;

    /** A selector with {@link #DEFAULT_FAILURE_BACKOFF} and {@link System#nanoTime()}. */
    public BackendSelector(List<BackendTemplate> backends) {
        this(backends, index -> true);
    }

    /**
     * A selector with {@link #DEFAULT_FAILURE_BACKOFF} and {@link System#nanoTime()}, putting last the backends that
     * {@code available} says are not (by index into {@code backends}).
     */
    public BackendSelector(List<BackendTemplate> backends, IntPredicate available) {
        this(backends, DEFAULT_FAILURE_BACKOFF, System::nanoTime, available);
    }

    /**
     * @param backends       the route's backends in file order; equal entries (a backend listed twice to weight
     *                       it) share their back-off
     * @param failureBackoff how long a failed backend goes last; zero disables back-off
     * @param nanoClock      monotonic time in nanoseconds, as {@link System#nanoTime()}
     */
    public BackendSelector(List<BackendTemplate> backends, Duration failureBackoff, LongSupplier nanoClock) {
        this(backends, failureBackoff, nanoClock, index -> true);
    }

    /** @param available by index into {@code backends}: whether a backend takes new requests */
    public BackendSelector(List<BackendTemplate> backends, Duration failureBackoff, LongSupplier nanoClock,
                           IntPredicate available) {
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("a route needs at least one backend, got none");
        }
        if (failureBackoff.isNegative()) {
            throw new IllegalArgumentException("failure back-off must be zero or more, got " + failureBackoff);
        }
        this.backends = List.copyOf(backends);
        this.failureBackoffNanos = failureBackoff.toNanos();
        this.nanoClock = nanoClock;
        this.available = available;
        this.failed = new boolean[this.backends.size()];
        this.backedOffUntil = new long[this.backends.size()];
    }

    /**
     * The backends to try for one connection, in order: those available and not backed off, in round-robin order,
     * then the others in round-robin order. Each call advances the round robin past the backend it puts first, so
     * the healthy backends share the first attempts evenly.
     *
     * @return an unmodifiable list holding every backend once per entry
     */
    public List<BackendTemplate> candidates() {
        int count = backends.size();
        if (count == 1) {
            return backends;
        }
        long now = nanoClock.getAsLong();
        List<BackendTemplate> order = new ArrayList<>(count);
        int first = -1;
        for (int step = 0; step < count; step++) {
            int index = (next + step) % count;
            if (preferred(index, now)) {
                order.add(backends.get(index));
                if (first < 0) {
                    first = index;
                }
            }
        }
        for (int step = 0; order.size() < count; step++) {
            int index = (next + step) % count;
            if (!preferred(index, now)) {
                order.add(backends.get(index));
            }
        }
        next = ((first < 0 ? next : first) + 1) % count;
        return Collections.unmodifiableList(order);
    }

    /** Records that connecting to {@code backend} failed: it goes last until the back-off expires. */
    public void markFailed(BackendTemplate backend) {
        long until = nanoClock.getAsLong() + failureBackoffNanos;
        boolean known = false;
        for (int index = 0; index < backends.size(); index++) {
            if (backends.get(index).equals(backend)) {
                failed[index] = true;
                backedOffUntil[index] = until;
                known = true;
            }
        }
        requireKnown(known, backend);
    }

    /** Records that connecting to {@code backend} succeeded: any back-off ends now. */
    public void markSucceeded(BackendTemplate backend) {
        boolean known = false;
        for (int index = 0; index < backends.size(); index++) {
            if (backends.get(index).equals(backend)) {
                failed[index] = false;
                known = true;
            }
        }
        requireKnown(known, backend);
    }

    /** True while {@code backend} is in its back-off after a failure. */
    public boolean isBackedOff(BackendTemplate backend) {
        long now = nanoClock.getAsLong();
        boolean known = false;
        boolean backedOff = false;
        for (int index = 0; index < backends.size(); index++) {
            if (backends.get(index).equals(backend)) {
                backedOff |= isBackedOff(index, now);
                known = true;
            }
        }
        requireKnown(known, backend);
        return backedOff;
    }

    private boolean preferred(int index, long now) {
        return available.test(index) && !isBackedOff(index, now);
    }

    private boolean isBackedOff(int index, long now) {
        return failed[index] && backedOffUntil[index] - now > 0;
    }

    private void requireKnown(boolean known, BackendTemplate backend) {
        if (!known) {
            throw new IllegalArgumentException("backend '" + backend + "' is not one of this route's " + backends);
        }
    }
}
