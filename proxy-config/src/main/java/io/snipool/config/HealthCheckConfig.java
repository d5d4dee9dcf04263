package io.snipool.config;

import java.time.Duration;
import java.util.List;

/**
 * A route's {@code health_check:}: how its static backends are probed, each on a fresh connection of its own, every
 * {@code interval}. {@code rise} passed checks in a row bring a backend that is down back up, {@code fall} failed ones
 * take it down. See docs/configuration.md.
 *
 * @param type         what a check does: connect, connect and handshake, or connect and ask for {@code path}
 * @param path         the request target of an {@code http} check (origin form)
 * @param expectStatus the statuses an {@code http} check accepts
 * @param timeout      the most one check may take, connect included; not longer than {@code interval}
 */
public record HealthCheckConfig(Type type, String path, List<StatusRange> expectStatus, Duration interval,
                                Duration timeout, int rise, int fall) {

    public static final Type DEFAULT_TYPE = Type.TCP;
    public static final String DEFAULT_PATH = "/";
    /** 2xx and 3xx: what HAProxy and nginx count as a passed HTTP check. */
    public static final List<StatusRange> DEFAULT_EXPECT_STATUS = List.of(new StatusRange(200, 399));
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_RISE = 2;
    public static final int DEFAULT_FALL = 3;

    /** What one check does. */
    public enum Type {
        /** A TCP connect. */
        TCP,
        /** A TCP connect and a TLS handshake. */
        TLS,
        /** A TCP connect (and TLS where the backends speak it), then {@code GET path}, judged by its status. */
        HTTP
    }

    /**
     * Statuses {@code first..last}, both included, within 100..599 (RFC 9110 §15: three digits, first digit 1-5).
     */
    public record StatusRange(int first, int last) {

        public static final int MIN_STATUS = 100;
        public static final int MAX_STATUS = 599;

        public StatusRange {
            if (first < MIN_STATUS || last > MAX_STATUS || first > last) {
                throw new IllegalArgumentException("status range " + first + "-" + last + " is not within "
                        + MIN_STATUS + "-" + MAX_STATUS + " in ascending order");
            }
        }

        /**
         * Parses {@code 200} or {@code 200-399}.
         *
         * @throws IllegalArgumentException with a message fit for the user
         */
        public static StatusRange parse(String text) {
            int dash = text.indexOf('-');
            int first = status(dash < 0 ? text : text.substring(0, dash), text);
            int last = dash < 0 ? first : status(text.substring(dash + 1), text);
            if (first > last) {
                throw new IllegalArgumentException("'" + text + "': the first status must not be above the last");
            }
            return new StatusRange(first, last);
        }

        private static int status(String digits, String text) {
            if (digits.length() != 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("'" + text + "' is not a status or a range such as 200-399");
            }
            int status = Integer.parseInt(digits);
            if (status < MIN_STATUS || status > MAX_STATUS) {
                throw new IllegalArgumentException("'" + text + "': a status is between " + MIN_STATUS + " and "
                        + MAX_STATUS + " (RFC 9110 §15), got " + status);
            }
            return status;
        }

        public boolean contains(int status) {
            return status >= first && status <= last;
        }

        @Override
        public String toString() {
            return first == last ? Integer.toString(first) : first + "-" + last;
        }
    }

    public HealthCheckConfig {
        expectStatus = List.copyOf(expectStatus);
    }

    /** The values a {@code health_check} block starts from. */
    public static HealthCheckConfig defaults() {
        return new HealthCheckConfig(DEFAULT_TYPE, DEFAULT_PATH, DEFAULT_EXPECT_STATUS, DEFAULT_INTERVAL,
                DEFAULT_TIMEOUT, DEFAULT_RISE, DEFAULT_FALL);
    }

    /** True if an {@code http} check answered with {@code status} passes. */
    public boolean expects(int status) {
        return expectStatus.stream().anyMatch(range -> range.contains(status));
    }
}
