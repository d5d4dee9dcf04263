package io.snipool.core.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The balance strategies over many picks: weights, least connections, random-two, consistent hashing, slow start.
 * Tolerances are stated per test; deterministic strategies are held to exact counts.
 */
class BalanceStrategyTest {

    private static final int PICKS = 10_000;

    private static String route(String backends, String keys) {
        return "{ hosts: [x.test], backends: [" + backends + "]" + keys + " }";
    }

    private static final String A3_B1 = "{ address: a.internal:443, weight: 3 }, b.internal:443";

    @Test
    void roundRobinGivesWeightsTheirExactShareInterleaved() {
        SelectorFixture weighted = new SelectorFixture(route(A3_B1, ""));

        List<Integer> firstFour = List.of(weighted.first(), weighted.first(), weighted.first(), weighted.first());
        assertThat(firstFour).as("smooth: A A B A, not A A A B").containsExactly(0, 0, 1, 0);
        assertThat(weighted.firstCounts(PICKS)).containsExactly(7500, 2500);
    }

    @Test
    void randomTwoGivesWeightsTheirShareWithinTwoPercent() {
        SelectorFixture weighted = new SelectorFixture(route(A3_B1, ", balance: random_two"));

        int[] counts = weighted.firstCounts(PICKS);
        assertThat(counts[0] / (double) PICKS).isCloseTo(0.75, within(0.02));
    }

    @Test
    void randomTwoNeverPicksTheMostLoadedOfThree() {
        SelectorFixture random = new SelectorFixture(route("a.internal:443, b.internal:443, c.internal:443",
                ", balance: random_two"));
        for (int i = 0; i < 5; i++) {
            random.selector.leased(2);
        }

        int[] counts = random.firstCounts(PICKS);
        assertThat(counts[2]).isZero();
        assertThat(counts[0] / (double) PICKS).as("the two idle ones share evenly, within 2%")
                .isCloseTo(0.5, within(0.02));
    }

    @Test
    void hashGivesWeightsTheirShareOfKeysWithinTwoPercent() {
        SelectorFixture weighted = new SelectorFixture(route(A3_B1, ", balance: hash, hash_key: client_ip"));

        int onA = 0;
        for (int key = 0; key < PICKS; key++) {
            onA += weighted.first(client(key)) == 0 ? 1 : 0;
        }
        assertThat(onA / (double) PICKS).isCloseTo(0.75, within(0.02));
    }

    @Test
    void leastConnectionsSendsLessToASlowBackendThanRoundRobinDoes() {
        String backends = "a.internal:443, b.internal:443";
        double slowShareLeast = slowBackendShare(new SelectorFixture(route(backends, ", balance: least_connections")));
        double slowShareRoundRobin = slowBackendShare(new SelectorFixture(route(backends, "")));

        assertThat(slowShareRoundRobin).isEqualTo(0.5);
        assertThat(slowShareLeast).as("b answers in 10 ticks, a in 1").isLessThan(0.2);
    }

    /**
     * One request arrives per tick; a request to backend 1 takes 10 ticks, to backend 0 one tick. The share of
     * requests backend 1 got.
     */
    private static double slowBackendShare(SelectorFixture fixture) {
        Deque<int[]> inFlight = new ArrayDeque<>(); // {backend, tick it ends}
        int slow = 0;
        for (int tick = 0; tick < PICKS; tick++) {
            while (!inFlight.isEmpty() && inFlight.peek()[1] <= tick) {
                fixture.selector.released(inFlight.poll()[0]);
            }
            int backend = fixture.first();
            fixture.selector.leased(backend);
            slow += backend;
            List<int[]> all = new ArrayList<>(inFlight);
            all.add(new int[] {backend, tick + (backend == 1 ? 10 : 1)});
            all.sort((x, y) -> Integer.compare(x[1], y[1]));
            inFlight.clear();
            inFlight.addAll(all);
        }
        return slow / (double) PICKS;
    }

    @Test
    void leastConnectionsHonoursWeightsWhenNothingIsInFlight() {
        SelectorFixture weighted = new SelectorFixture(route(A3_B1, ", balance: least_connections"));

        assertThat(weighted.firstCounts(PICKS)).containsExactly(7500, 2500);
    }

    @Test
    void leastConnectionsComparesInFlightPerWeight() {
        SelectorFixture weighted = new SelectorFixture(route(A3_B1, ", balance: least_connections"));
        weighted.selector.leased(0);
        weighted.selector.leased(0);
        weighted.selector.leased(1);

        assertThat(weighted.first()).as("2/3 on a is less than 1/1 on b").isZero();
        weighted.selector.leased(0);
        assertThat(weighted.first()).as("3/3 on a ties 1/1 on b: round robin").isIn(0, 1);
        weighted.selector.leased(0);
        assertThat(weighted.first()).as("4/3 on a is more than 1/1 on b").isEqualTo(1);
    }

    @Test
    void hashKeepsEachKeyOnOneBackendAndSpreadsKeysEvenly() {
        SelectorFixture hashed = hashedFive();

        int[] counts = new int[5];
        for (int key = 0; key < PICKS; key++) {
            int first = hashed.first(client(key));
            assertThat(hashed.first(client(key))).isEqualTo(first);
            counts[first]++;
        }
        for (int count : counts) {
            assertThat(count).as("each of 5 backends gets 2000 keys, within 10%").isBetween(1800, 2200);
        }
    }

    @Test
    void aBackendLeavingMovesOnlyItsOwnKeys() {
        SelectorFixture hashed = hashedFive();
        int[] before = firstOfEachKey(hashed);

        hashed.states.down(2);
        int[] after = firstOfEachKey(hashed);

        int moved = 0;
        for (int key = 0; key < PICKS; key++) {
            if (before[key] != after[key]) {
                moved++;
                assertThat(before[key]).as("only keys of the backend that left move").isEqualTo(2);
            }
        }
        assertThat(moved / (double) PICKS).as("about 1/5 of the keys, within 2%").isCloseTo(0.2, within(0.02));
    }

    @Test
    void aBackendRemovedFromTheConfigurationMovesOnlyItsOwnKeys() {
        int[] before = firstOfEachKey(hashedFive());
        SelectorFixture four = new SelectorFixture(route("a.internal:443, b.internal:443, d.internal:443,"
                + " e.internal:443", ", balance: hash, hash_key: client_ip"));
        int[] after = firstOfEachKey(four);

        Map<Integer, Integer> sameBackend = Map.of(0, 0, 1, 1, 3, 2, 4, 3); // index in five -> index in four
        for (int key = 0; key < PICKS; key++) {
            if (before[key] != 2) {
                assertThat(after[key]).isEqualTo(sameBackend.get(before[key]));
            }
        }
    }

    @Test
    void aKeyRetriesOnItsSecondChoice() {
        SelectorFixture hashed = hashedFive();
        List<BackendSelector.Candidate> order = hashed.selector.candidates(client(7));

        hashed.states.down(order.get(0).index());
        assertThat(hashed.first(client(7))).isEqualTo(order.get(1).index());
        assertThat(order).hasSize(5);
    }

    @Test
    void hashOnHostAndHeaderAndRoundRobinWithoutAKey() {
        SelectorFixture byHost = new SelectorFixture(route("a.internal:443, b.internal:443, c.internal:443",
                ", balance: hash, hash_key: host"));
        int host = byHost.first(BalanceInput.ofConnection("192.0.2.1", "tenant.test"));
        assertThat(byHost.first(BalanceInput.ofConnection("192.0.2.99", "tenant.test"))).isEqualTo(host);
        assertThat(byHost.firstCounts(300)).as("no SNI: round robin").containsExactly(100, 100, 100);
    }

    @Test
    void slowStartRampsABackendFromATenthToItsFullWeight() {
        SelectorFixture ramp = new SelectorFixture(route("a.internal:443, b.internal:443", ", slow_start: 10s"));
        ramp.states.upSince(1, ramp.clock.getAsLong());

        assertThat(ramp.firstCounts(1100)).as("b at 10%: 100 of every 1100").containsExactly(1000, 100);
        ramp.clock.advance(Duration.ofSeconds(5));
        assertThat(ramp.firstCounts(1500)).as("b at 50%").containsExactly(1000, 500);
        ramp.clock.advance(Duration.ofMillis(2500));
        assertThat(ramp.firstCounts(1750)).as("b at 75%").containsExactly(1000, 750);
        ramp.clock.advance(Duration.ofMillis(2500));
        assertThat(ramp.firstCounts(2000)).as("b at full weight").containsExactly(1000, 1000);
    }

    @Test
    void slowStartAppliesToWeightedAndLeastConnectionsPicksToo() {
        SelectorFixture ramp = new SelectorFixture(route(A3_B1, ", slow_start: 10s, balance: least_connections"));
        ramp.states.upSince(0, ramp.clock.getAsLong());
        ramp.clock.advance(Duration.ofSeconds(5));

        assertThat(ramp.firstCounts(2500)).as("a at half of 3: 1.5 to b's 1").containsExactly(1500, 1000);
    }

    private static SelectorFixture hashedFive() {
        return new SelectorFixture(route("a.internal:443, b.internal:443, c.internal:443, d.internal:443,"
                + " e.internal:443", ", balance: hash, hash_key: client_ip"));
    }

    private static int[] firstOfEachKey(SelectorFixture fixture) {
        int[] first = new int[PICKS];
        for (int key = 0; key < PICKS; key++) {
            first[key] = fixture.first(client(key));
        }
        return first;
    }

    private static BalanceInput client(int key) {
        return BalanceInput.ofConnection("10." + (key >> 16) + "." + ((key >> 8) & 255) + "." + (key & 255), "");
    }
}
