package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import io.snipool.core.pool.PoolSnapshot.KeyStats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One pool wired to a fake connector, a manual clock and a recording listener, with shortcuts for tests. Several
 * harnesses may share a budget and slots, standing for the pools of several event loops.
 */
final class PoolHarness {

    static final String A = "a.backend:8080";
    static final String B = "b.backend:8080";
    static final String C = "c.backend:8080";
    static final long SEED = 20240611L;

    final ManualScheduler clock;
    final FakeConnector connector = new FakeConnector();
    final RecordingListener listener;
    final IdleBudget budget;
    final KeySlots<String> slots;
    final ConnectionPool<String, FakeConnection> pool;
    /** Shares its budget and slots with another instance, so its own counts cannot be checked against them. */
    private boolean shared;

    PoolHarness() {
        this(new IdleBudget(PoolSettings.DEFAULT_MAX_IDLE_TOTAL));
    }

    PoolHarness(IdleBudget budget) {
        this(budget, new KeySlots<>(), new ManualScheduler(), false, key -> true);
    }

    /** A pool that opens connections ahead of demand only to keys {@code warmable} accepts (backends that are up). */
    PoolHarness(Predicate<String> warmable) {
        this(new IdleBudget(PoolSettings.DEFAULT_MAX_IDLE_TOTAL), new KeySlots<>(), new ManualScheduler(), false,
                warmable);
    }

    /**
     * Another pool instance (another event loop) sharing {@code other}'s budget, slots and, for convenience, clock:
     * tasks one schedules on the other run when either advances the clock.
     */
    PoolHarness(PoolHarness other) {
        this(other.budget, other.slots, other.clock, true, key -> true);
        other.shared = true;
    }

    private PoolHarness(IdleBudget budget, KeySlots<String> slots, ManualScheduler clock, boolean shared,
                        Predicate<String> warmable) {
        this.clock = clock;
        this.budget = budget;
        this.slots = slots;
        this.shared = shared;
        this.listener = new RecordingListener(clock);
        this.pool = new ConnectionPool<>(connector, clock, budget, slots, listener, new SplittableRandom(SEED),
                warmable);
    }

    /**
     * Another pool instance sharing {@code other}'s budget and slots but with a clock of its own, like the pool of
     * another event loop: what the other instance schedules on it runs only when this clock is run.
     */
    static PoolHarness onAnotherLoop(PoolHarness other) {
        other.shared = true;
        return new PoolHarness(other.budget, other.slots, new ManualScheduler(), true, key -> true);
    }

    /** Runs the tasks due on this instance's clock now, as its event loop would between two reads. */
    void runLoop() {
        clock.advance(Duration.ZERO);
    }

    /** Connections of {@code key} this instance holds: connecting, active and idle. */
    int held(String key) {
        return pool.snapshot().key(key).map(stats -> stats.connecting() + stats.active() + stats.idle()).orElse(0);
    }

    /** Every instance's own counts agree, and the shared slots match what they hold together. */
    static void assertLoopsConsistent(PoolHarness... loops) {
        Arrays.stream(loops).forEach(loop -> loop.assertConsistent());
        assertSlotsMatch(loops);
    }

    /**
     * The shared count of every key equals what the instances hold together (connecting, active and idle), and
     * keys none of them tracks are no longer counted.
     */
    static void assertSlotsMatch(PoolHarness... loops) {
        for (String key : List.of(A, B, C)) {
            int held = Arrays.stream(loops).mapToInt(loop -> loop.held(key)).sum();
            assertThat(loops[0].slots.used(key)).as("slots of " + key + " taken across instances").isEqualTo(held);
        }
        long tracked = Arrays.stream(loops).flatMap(loop -> loop.pool.snapshot().keys().stream())
                .map(KeyStats::key).distinct().count();
        assertThat(loops[0].slots.keys()).as("keys counted across instances").isEqualTo(tracked);
    }

    LeaseRecorder lease(String key, PoolSettings settings) {
        LeaseRecorder recorder = new LeaseRecorder();
        recorder.handle = pool.lease(key, settings, recorder);
        return recorder;
    }

    /** Leases on a miss, completes the connect made for it, and returns the lease. */
    Lease<FakeConnection> leaseFresh(String key, PoolSettings settings) {
        int before = connector.inFlight();
        LeaseRecorder recorder = lease(key, settings);
        recorder.assertUnanswered();
        assertThat(connector.inFlight()).as("a miss starts a connect").isEqualTo(before + 1);
        connector.complete();
        Lease<FakeConnection> lease = recorder.lease();
        assertThat(lease.reused()).isFalse();
        return lease;
    }

    /** Leases expecting an idle hit. */
    Lease<FakeConnection> leaseHit(String key, PoolSettings settings) {
        Lease<FakeConnection> lease = lease(key, settings).lease();
        assertThat(lease.reused()).as("served from the pool").isTrue();
        return lease;
    }

    /** Opens {@code n} connections at once and recycles them in order: the last one ends up newest. */
    List<FakeConnection> idleConnections(String key, PoolSettings settings, int n) {
        List<Lease<FakeConnection>> leases = new ArrayList<>();
        List<LeaseRecorder> recorders = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            recorders.add(lease(key, settings));
        }
        connector.completeAll();
        for (LeaseRecorder recorder : recorders) {
            leases.add(recorder.lease());
        }
        List<FakeConnection> connections = new ArrayList<>();
        for (Lease<FakeConnection> lease : leases) {
            connections.add(lease.connection());
            lease.recycle();
        }
        return connections;
    }

    KeyStats<String> stats(String key) {
        return pool.snapshot().key(key).orElseThrow(() -> new AssertionError("pool does not track " + key));
    }

    /**
     * Asserts one key's counts, and that the listener's gauges, the snapshot and the idle budget agree on them and
     * on every other key: counts must stay exact after every scenario.
     */
    void assertCounts(String key, int idle, int active, int connecting, int pending) {
        PoolSnapshot<String> snapshot = pool.snapshot();
        KeyStats<String> stats = snapshot.key(key).orElse(null);
        int[] actual = stats == null ? new int[4]
                : new int[] {stats.idle(), stats.active(), stats.connecting(), stats.pending()};
        assertThat(actual).as("idle, active, connecting, pending of " + key)
                .containsExactly(idle, active, connecting, pending);
        assertConsistent();
    }

    /** The listener's gauges, the snapshot and the budget agree; every connection made is idle, active or gone. */
    void assertConsistent() {
        PoolSnapshot<String> snapshot = pool.snapshot();
        int idleHere = 0;
        int activeHere = 0;
        for (String key : List.of(A, B, C)) {
            KeyStats<String> stats = snapshot.key(key).orElse(null);
            int idle = stats == null ? 0 : stats.idle();
            int active = stats == null ? 0 : stats.active();
            assertThat(listener.gauge(key, PoolGauge.IDLE)).as("idle gauge of " + key).isEqualTo(idle);
            assertThat(listener.gauge(key, PoolGauge.ACTIVE)).as("active gauge of " + key).isEqualTo(active);
            assertThat(listener.gauge(key, PoolGauge.CONNECTING)).as("connecting gauge of " + key)
                    .isEqualTo(stats == null ? 0 : stats.connecting());
            assertThat(listener.gauge(key, PoolGauge.PENDING)).as("pending gauge of " + key)
                    .isEqualTo(stats == null ? 0 : stats.pending());
            idleHere += idle;
            activeHere += active;
        }
        assertThat(listener.connected - listener.evictions.size()).as("connections made minus evicted")
                .isEqualTo(idleHere + activeHere);
        long closed = connector.made().stream().filter(connection -> !connection.isOpen()).count();
        assertThat(connector.made().size() - closed).as("open connections").isEqualTo(idleHere + activeHere);
        assertThat(connector.made()).allSatisfy(connection ->
                assertThat(connection.closeCalls()).as("close calls of " + connection).isLessThanOrEqualTo(1));
        if (!shared) {
            assertBudgetMatchesIdle();
            assertSlotsMatch(this);
        }
    }

    /** Counts of a pool that is alone on its budget: the budget holds exactly its idle connections. */
    void assertBudgetMatchesIdle() {
        int idle = pool.snapshot().keys().stream().mapToInt(KeyStats::idle).sum();
        assertThat(budget.used()).as("idle budget used").isEqualTo(idle);
    }
}
