package io.snipool.config;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How a route shares its traffic among its backends and retries a failed attempt: the top-level {@code balance},
 * {@code hash_key}, {@code slow_start} and {@code retry} keys, overridden per route (as {@code pool} is). See
 * docs/configuration.md for each key.
 *
 * @param hashKey   what {@link Balance#HASH} hashes; present exactly when {@code balance} is {@code hash}
 * @param slowStart how long a backend that became available takes to reach its full weight; zero: at once
 * @param shares    the weight and backup flag of each entry of the route's {@code backends}, in the same order
 *                  (index {@code i} describes {@code RouteConfig.backends().get(i)}); empty for the top-level
 *                  defaults, which have no backends
 */
public record BackendPolicy(Balance balance, Optional<HashKey> hashKey, Duration slowStart, RetryPolicy retry,
                            List<BackendShare> shares) {

    public static final Balance DEFAULT_BALANCE = Balance.ROUND_ROBIN;
    public static final Duration DEFAULT_SLOW_START = Duration.ZERO;
    /** A ramp longer than this is more likely a typo than a plan. */
    public static final Duration MAX_SLOW_START = Duration.ofHours(1);

    public BackendPolicy {
        shares = List.copyOf(shares);
        if (hashKey.isPresent() != (balance == Balance.HASH)) {
            throw new IllegalArgumentException("hash_key goes with balance: hash and only with it; got balance "
                    + balance + " and hash_key " + hashKey);
        }
    }

    /** The policy when the file sets none of its keys, for a route of {@code backendCount} plain backends. */
    public static BackendPolicy defaults(int backendCount) {
        return new BackendPolicy(DEFAULT_BALANCE, Optional.empty(), DEFAULT_SLOW_START, RetryPolicy.defaults(),
                Collections.nCopies(backendCount, BackendShare.DEFAULT));
    }

    /** This policy for a route whose backends have {@code routeShares}. */
    public BackendPolicy withShares(List<BackendShare> routeShares) {
        return new BackendPolicy(balance, hashKey, slowStart, retry, routeShares);
    }

    /** The {@code balance} strategy: how the first backend of a request or connection is picked. */
    public enum Balance {
        /** Smooth weighted round robin (nginx's): each backend in turn, as often as its weight says. */
        ROUND_ROBIN,
        /** The backend with the fewest requests or tunnels in flight relative to its weight. */
        LEAST_CONNECTIONS,
        /** Two backends drawn at random by weight; the less loaded of the two (power of two choices). */
        RANDOM_TWO,
        /** Weighted rendezvous hashing of {@link #hashKey()}: a key keeps its backend while that backend serves. */
        HASH;

        /** As written in the file. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One entry's share of its route's traffic: its weight, and whether it serves only while no primary can. */
    public record BackendShare(int weight, boolean backup) {

        public static final int DEFAULT_WEIGHT = 1;
        public static final int MAX_WEIGHT = 256;
        public static final BackendShare DEFAULT = new BackendShare(DEFAULT_WEIGHT, false);

        public BackendShare {
            if (weight < 1 || weight > MAX_WEIGHT) {
                throw new IllegalArgumentException("weight must be between 1 and " + MAX_WEIGHT + ", got " + weight);
            }
        }
    }
}
