package io.snipool.core.route;

import io.snipool.config.BackendPolicy;
import io.snipool.config.BackendPolicy.BackendShare;
import io.snipool.config.BackendTemplate;
import io.snipool.config.HashKey;
import io.snipool.config.RouteConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Chooses the order in which one route's backends are tried for a request or connection: the first by the route's
 * {@code balance}, then the others, for retries.
 *
 * <p>Which backends take part: those {@link BackendStates} calls available, or every one when none is (fail open:
 * refusing every client would turn a detection mistake or a brief outage of all backends into a certain one). Among
 * them, in tiers: the primaries, then the backups; a backend whose connect failed in the last
 * {@link #DEFAULT_FAILURE_BACKOFF} goes behind both, never out, since the attempt itself shows whether it is back
 * (unless it became available after that failure: health checking marked it down and then up again).
 * The first backend is picked in the first tier that has one, by the balance strategy over the tier's effective
 * weights: the configured weight, ramped from {@link #SLOW_START_FLOOR_PERMILLE} per mille to full over
 * {@code slow_start} after the backend became available. So a backup is picked first only while no primary can be.
 *
 * <p>A template backend ({@code ${tenant}.internal:443}) is one entry: its back-off and in-flight count are shared
 * by all the hosts it expands to. Equal entries (an address listed twice) share their back-off.
 *
 * <p>Not thread-safe: each event loop keeps its own selector per route ({@link #forRoutes}), so the round-robin
 * state, back-offs and in-flight counts are per loop and need no locks; {@code least_connections} and
 * {@code random_two} thus compare what this loop has in flight.
 */
public final class BackendSelector {

    /** How long a backend that failed to connect is tried only after the others. */
    public static final Duration DEFAULT_FAILURE_BACKOFF = Duration.ofSeconds(5);
    /** A backend's weight right after it became available, in per mille of its full weight (Envoy's default, 10%). */
    public static final long SLOW_START_FLOOR_PERMILLE = 100;
    private static final long FULL_PERMILLE = 1000;

    /** One backend of the route: its index in {@code RouteConfig.backends()} and its template. */
    public record Candidate(int index, BackendTemplate backend) {
    }

    private final List<Candidate> entries;
    private final BackendShare[] shares;
    private final BackendPolicy.Balance balance;
    private final HashKey hashKey;
    private final long slowStartNanos;
    private final BackendStates states;
    private final long failureBackoffNanos;
    private final LongSupplier nanoClock;
    private final RandomGenerator random;
    private final boolean[] failed;
    /** Meaningful where {@code failed}; compared by difference, as {@link System#nanoTime()} values may wrap. */
    private final long[] backedOffUntil;
    private final int[] inFlight;
    /** Smooth weighted round robin: each backend's current weight (nginx's {@code current_weight}). */
    private final long[] current;
    /** {@link Rendezvous#hash} of each entry's text and its occurrence, so that equal entries score apart. */
    private final long[] identity;
    /** Per pick, reused: each backend's effective weight and tier ({@code -1}: out). */
    private final long[] weight;
    private final int[] tier;
    private final int[] members;
    private final int[] tied;

    /** A selector with every backend up, {@link #DEFAULT_FAILURE_BACKOFF} and {@link System#nanoTime()}. */
    public BackendSelector(RouteConfig route) {
        this(route, BackendStates.allUp(), DEFAULT_FAILURE_BACKOFF, System::nanoTime, new SplittableRandom());
    }

    /**
     * @param route          the route: its backends in file order and its {@code BackendPolicy}
     * @param states         the backends' availability, indexed like the route's backends
     * @param failureBackoff how long a failed backend goes last; zero disables back-off
     * @param nanoClock      monotonic time in nanoseconds, as {@link System#nanoTime()}; also the clock of
     *                       {@link BackendStates#availableSinceNanos}
     * @param random         for {@code random_two}
     */
    public BackendSelector(RouteConfig route, BackendStates states, Duration failureBackoff, LongSupplier nanoClock,
                           RandomGenerator random) {
        List<BackendTemplate> backends = route.backends();
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("a route needs at least one backend, got none");
        }
        if (failureBackoff.isNegative()) {
            throw new IllegalArgumentException("failure back-off must be zero or more, got " + failureBackoff);
        }
        BackendPolicy policy = route.backendPolicy();
        int count = backends.size();
        List<Candidate> all = new ArrayList<>(count);
        this.identity = new long[count];
        for (int i = 0; i < count; i++) {
            all.add(new Candidate(i, backends.get(i)));
            String text = backends.get(i).text();
            identity[i] = Rendezvous.hash(text + "#" + Collections.frequency(backends.subList(0, i), backends.get(i)));
        }
        this.entries = List.copyOf(all);
        this.shares = policy.shares().toArray(BackendShare[]::new);
        this.balance = policy.balance();
        this.hashKey = policy.hashKey().orElse(null);
        this.slowStartNanos = policy.slowStart().toNanos();
        this.states = states;
        this.failureBackoffNanos = failureBackoff.toNanos();
        this.nanoClock = nanoClock;
        this.random = random;
        this.failed = new boolean[count];
        this.backedOffUntil = new long[count];
        this.inFlight = new int[count];
        this.current = new long[count];
        this.weight = new long[count];
        this.tier = new int[count];
        this.members = new int[count];
        this.tied = new int[count];
    }

    /** One selector per route of {@code routes}, in order, each reading the states {@code states} gives its index. */
    public static BackendSelector[] forRoutes(List<RouteConfig> routes, IntFunction<BackendStates> states) {
        BackendSelector[] selectors = new BackendSelector[routes.size()];
        for (int r = 0; r < selectors.length; r++) {
            selectors[r] = new BackendSelector(routes.get(r), states.apply(r), DEFAULT_FAILURE_BACKOFF,
                    System::nanoTime, new SplittableRandom());
        }
        return selectors;
    }

    /**
     * The backends to try for one request or connection, in order: the balance strategy's pick, the rest of its tier,
     * then the later tiers (see the class comment). Unavailable backends are left out unless all are. Each call
     * moves the round robin on past its first pick.
     *
     * @param input what {@code balance: hash} hashes
     * @return an unmodifiable list holding each backend that takes part once
     */
    public List<Candidate> candidates(BalanceInput input) {
        int count = entries.size();
        if (count == 1) {
            return entries;
        }
        long now = nanoClock.getAsLong();
        boolean anyAvailable = false;
        for (int i = 0; i < count && !anyAvailable; i++) {
            anyAvailable = states.available(i);
        }
        int taking = 0;
        for (int i = 0; i < count; i++) {
            boolean available = !anyAvailable || states.available(i);
            tier[i] = !available ? -1 : (isBackedOff(i, now) ? 2 : 0) + (shares[i].backup() ? 1 : 0);
            weight[i] = available ? shares[i].weight() * (anyAvailable ? ramp(i, now) : FULL_PERMILLE) : 0;
            taking += available ? 1 : 0;
        }
        long keyHash = 0;
        String key = hashKey == null ? null : keyOf(input);
        if (key != null) {
            keyHash = Rendezvous.hash(key);
        }
        Candidate[] order = new Candidate[taking];
        int filled = 0;
        for (int rank = 0; rank <= 3; rank++) {
            int size = 0;
            for (int i = 0; i < count; i++) {
                if (tier[i] == rank) {
                    members[size++] = i;
                }
            }
            if (size == 0) {
                continue;
            }
            int first = -1;
            if (filled == 0) {
                first = key != null ? highestScore(size, keyHash) : pick(size);
                order[filled++] = entries.get(first);
            }
            filled = appendRest(order, filled, size, first, key != null, keyHash);
        }
        return Collections.unmodifiableList(Arrays.asList(order));
    }

    /** The balance strategy's pick among {@code members[0..size)}; hashing with a key is done by the caller. */
    private int pick(int size) {
        if (size == 1) {
            return members[0];
        }
        return switch (balance) {
            case ROUND_ROBIN, HASH -> smoothWeighted(members, size); // hash without a key: round robin
            case LEAST_CONNECTIONS -> leastLoaded(size);
            case RANDOM_TWO -> lessLoadedOfTwo(size);
        };
    }

    /**
     * nginx's smooth weighted round robin over {@code set[0..size)}: each gains its weight, the highest is picked
     * and gives back the total. Weights 5:1:1 give {@code a a b a c a a}, not {@code a a a a a b c}.
     */
    private int smoothWeighted(int[] set, int size) {
        long total = 0;
        int best = -1;
        for (int m = 0; m < size; m++) {
            int i = set[m];
            current[i] += weight[i];
            total += weight[i];
            if (best < 0 || current[i] > current[best]) {
                best = i;
            }
        }
        current[best] -= total;
        return best;
    }

    /** The fewest in flight for their weight; ties share by smooth weighted round robin, as nginx's do. */
    private int leastLoaded(int size) {
        int best = members[0];
        for (int m = 1; m < size; m++) {
            if (lessLoaded(members[m], best)) {
                best = members[m];
            }
        }
        int ties = 0;
        for (int m = 0; m < size; m++) {
            if (!lessLoaded(best, members[m])) {
                tied[ties++] = members[m];
            }
        }
        return smoothWeighted(tied, ties);
    }

    /** Power of two choices: two distinct backends drawn by weight; the less loaded, or the first on a tie. */
    private int lessLoadedOfTwo(int size) {
        int a = drawByWeight(size, -1);
        int b = drawByWeight(size, a);
        return lessLoaded(b, a) ? b : a;
    }

    private int drawByWeight(int size, int except) {
        long total = 0;
        for (int m = 0; m < size; m++) {
            total += members[m] == except ? 0 : weight[members[m]];
        }
        long draw = random.nextLong(total);
        for (int m = 0; m < size; m++) {
            int i = members[m];
            if (i != except) {
                draw -= weight[i];
                if (draw < 0) {
                    return i;
                }
            }
        }
        throw new IllegalStateException("no backend drawn from " + size);
    }

    /** {@code inFlight[a] / weight[a] < inFlight[b] / weight[b]}, without division. */
    private boolean lessLoaded(int a, int b) {
        return (long) inFlight[a] * weight[b] < (long) inFlight[b] * weight[a];
    }

    private int highestScore(int size, long keyHash) {
        int best = members[0];
        double bestScore = Rendezvous.score(keyHash, identity[best], weight[best]);
        for (int m = 1; m < size; m++) {
            double score = Rendezvous.score(keyHash, identity[members[m]], weight[members[m]]);
            if (score > bestScore) {
                best = members[m];
                bestScore = score;
            }
        }
        return best;
    }

    /**
     * Appends {@code members[0..size)} but {@code first} to {@code order}: by score for a hashed key (so a key's
     * retries go where its keys would go next), else in index order from after {@code first}.
     */
    private int appendRest(Candidate[] order, int filled, int size, int first, boolean hashed, long keyHash) {
        if (hashed) {
            Integer[] rest = new Integer[size];
            for (int m = 0; m < size; m++) {
                rest[m] = members[m];
            }
            Arrays.sort(rest, Comparator.comparingDouble(
                    (Integer i) -> -Rendezvous.score(keyHash, identity[i], weight[i])));
            for (Integer i : rest) {
                if (i != first) {
                    order[filled++] = entries.get(i);
                }
            }
            return filled;
        }
        int start = 0;
        while (start < size && first >= 0 && members[start] <= first) {
            start++;
        }
        for (int step = 0; step < size; step++) {
            int i = members[(start + step) % size];
            if (i != first) {
                order[filled++] = entries.get(i);
            }
        }
        return filled;
    }

    /** The effective share of a backend in per mille of its weight: ramped up over {@code slow_start}. */
    private long ramp(int index, long now) {
        if (slowStartNanos == 0) {
            return FULL_PERMILLE;
        }
        long since = states.availableSinceNanos(index);
        if (since == BackendStates.SINCE_START) {
            return FULL_PERMILLE;
        }
        long elapsed = now - since;
        if (elapsed >= slowStartNanos) {
            return FULL_PERMILLE;
        }
        // elapsed < slow_start <= 1h, so elapsed * 1000 cannot overflow.
        return Math.max(SLOW_START_FLOOR_PERMILLE, elapsed <= 0 ? 0 : elapsed * FULL_PERMILLE / slowStartNanos);
    }

    /** The key {@code hash_key} names, or null when the request or connection has none (no SNI, no header). */
    private String keyOf(BalanceInput input) {
        String key;
        if (hashKey instanceof HashKey.Header header) {
            key = input.header().apply(header.name());
        } else if (hashKey instanceof HashKey.Host) {
            key = input.host();
        } else {
            key = input.clientAddress();
        }
        return key == null || key.isEmpty() ? null : key;
    }

    /** A request or tunnel to backend {@code index} began: {@code least_connections} counts it until released. */
    public void leased(int index) {
        inFlight[index]++;
    }

    /** The request or tunnel counted by {@link #leased} ended; call exactly once per lease. */
    public void released(int index) {
        if (inFlight[index] == 0) {
            throw new IllegalStateException("backend " + entries.get(index).backend() + " has nothing in flight");
        }
        inFlight[index]--;
    }

    /** Requests or tunnels to backend {@code index} this loop has in flight. */
    public int inFlight(int index) {
        return inFlight[index];
    }

    /** Records that connecting to backend {@code index} failed: it and its equals go last until the back-off ends. */
    public void markFailed(int index) {
        long until = nanoClock.getAsLong() + failureBackoffNanos;
        BackendTemplate backend = entries.get(index).backend();
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).backend().equals(backend)) {
                failed[i] = true;
                backedOffUntil[i] = until;
            }
        }
    }

    /** Records that connecting to backend {@code index} succeeded: its back-off (and its equals') ends now. */
    public void markSucceeded(int index) {
        BackendTemplate backend = entries.get(index).backend();
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).backend().equals(backend)) {
                failed[i] = false;
            }
        }
    }

    /** True while backend {@code index} is in its back-off after a failure. */
    public boolean isBackedOff(int index) {
        return isBackedOff(index, nanoClock.getAsLong());
    }

    private boolean isBackedOff(int index, long now) {
        return failed[index] && backedOffUntil[index] - now > 0 && !cameBackSinceFailure(index);
    }

    /**
     * True if backend {@code index} became available after its last failed connect: health checking has since seen it
     * answer, so the failure is old news and must not hold it back while slow start ramps it up. Not for a backend
     * that is unavailable (fail open keeps the back-off among those) or that never changed state.
     */
    private boolean cameBackSinceFailure(int index) {
        if (!states.available(index)) {
            return false;
        }
        long since = states.availableSinceNanos(index);
        long failedAt = backedOffUntil[index] - failureBackoffNanos;
        return since != BackendStates.SINCE_START && since - failedAt > 0;
    }
}
