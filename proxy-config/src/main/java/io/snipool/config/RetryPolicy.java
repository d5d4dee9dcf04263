package io.snipool.config;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * When a failed attempt to reach a backend is tried again: the {@code retry} block. A request that some backend may
 * have acted on is retried only if its method is in {@code methods} (RFC 9110 §9.2.2: idempotent ones by default);
 * one no backend can have seen, whatever its method. See docs/configuration.md.
 *
 * @param attempts     tries after the first, at most; 0 turns retries off (the stale-connection replay excepted)
 * @param on           which failures are retried
 * @param methods      the methods retried after the request was written to a backend; case-sensitive
 * @param otherBackend a retry goes to the next backend of the request's order rather than the same one
 */
public record RetryPolicy(int attempts, Set<RetryOn> on, Set<String> methods, boolean otherBackend) {

    public static final int DEFAULT_ATTEMPTS = 1;
    /** More than this many tries multiplies a brief outage's load on the backends that remain. */
    public static final int MAX_ATTEMPTS = 10;
    public static final Set<RetryOn> DEFAULT_ON = EnumSet.allOf(RetryOn.class);
    /** RFC 9110 §9.2.2: the methods it defines as idempotent. */
    public static final Set<String> IDEMPOTENT_METHODS = orderedSet(
            List.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"));
    public static final boolean DEFAULT_OTHER_BACKEND = true;

    public RetryPolicy {
        on = on.isEmpty() ? EnumSet.noneOf(RetryOn.class) : EnumSet.copyOf(on);
        methods = orderedSet(methods);
        if (attempts < 0 || attempts > MAX_ATTEMPTS) {
            throw new IllegalArgumentException("attempts must be between 0 and " + MAX_ATTEMPTS + ", got "
                    + attempts);
        }
    }

    public static RetryPolicy defaults() {
        return new RetryPolicy(DEFAULT_ATTEMPTS, DEFAULT_ON, IDEMPOTENT_METHODS, DEFAULT_OTHER_BACKEND);
    }

    /** A failure a retry may follow: a {@code retry.on} value. */
    public enum RetryOn {
        /**
         * The backend could not be had: its connect was refused or timed out, its template did not expand to an
         * address snipool may connect to, or its pool's wait queue was full or timed out. Nothing was sent.
         */
        CONNECT_FAILURE,
        /** The connection closed or reset after the request was (perhaps partly) sent, before any response byte. */
        RESET_BEFORE_RESPONSE;

        /** As written in the file, and as the {@code reason} label of {@code snipool_retries_total}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static Set<String> orderedSet(Collection<String> values) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(values));
    }
}
