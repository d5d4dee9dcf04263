package io.snipool.core.route;

import io.snipool.config.RouteConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/** A route read from YAML, a clock and backend states the test moves, and the selector over them. */
final class SelectorFixture {

    /** Time that moves only when the test says so. */
    static final class FakeClock implements LongSupplier {
        private long nanos;

        FakeClock(long startNanos) {
            this.nanos = startNanos;
        }

        void advance(Duration duration) {
            nanos += duration.toNanos();
        }

        @Override
        public long getAsLong() {
            return nanos;
        }
    }

    /** Availability set by the test, as health checking would. */
    static final class FakeStates implements BackendStates {
        private final boolean[] up;
        private final long[] since;

        FakeStates(int backends) {
            up = new boolean[backends];
            since = new long[backends];
            Arrays.fill(up, true);
            Arrays.fill(since, SINCE_START);
        }

        void down(int... indexes) {
            for (int index : indexes) {
                up[index] = false;
            }
        }

        void upSince(int index, long nanos) {
            up[index] = true;
            since[index] = nanos;
        }

        @Override
        public boolean available(int backendIndex) {
            return up[backendIndex];
        }

        @Override
        public long availableSinceNanos(int backendIndex) {
            return since[backendIndex];
        }
    }

    static final BalanceInput NO_KEY = BalanceInput.ofConnection("192.0.2.1", "");

    final FakeClock clock = new FakeClock(1_000_000_000L);
    final RouteConfig route;
    final FakeStates states;
    final BackendSelector selector;

    /** {@code routeYaml}: one route as a YAML flow mapping, e.g. {@code { hosts: [a.test], backends: [...] }}. */
    SelectorFixture(String routeYaml) {
        this(routeYaml, BackendSelector.DEFAULT_FAILURE_BACKOFF);
    }

    SelectorFixture(String routeYaml, Duration failureBackoff) {
        this.route = RouteYaml.routes("- " + routeYaml).get(0);
        this.states = new FakeStates(route.backends().size());
        this.selector = new BackendSelector(route, states, failureBackoff, clock, new SplittableRandom(14));
    }

    /** The hosts of the candidates, in order: {@code a} for {@code a.internal:443}. */
    List<String> order(BalanceInput input) {
        return selector.candidates(input).stream().map(c -> c.backend().text())
                .map(text -> text.substring(0, text.indexOf('.'))).toList();
    }

    List<String> order() {
        return order(NO_KEY);
    }

    /** The index of the first candidate. */
    int first(BalanceInput input) {
        return selector.candidates(input).get(0).index();
    }

    int first() {
        return first(NO_KEY);
    }

    /** How often each backend comes first in {@code picks} picks. */
    int[] firstCounts(int picks) {
        int[] counts = new int[route.backends().size()];
        for (int i = 0; i < picks; i++) {
            counts[first()]++;
        }
        return counts;
    }
}
