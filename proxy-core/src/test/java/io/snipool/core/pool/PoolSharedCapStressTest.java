package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static io.snipool.core.pool.PoolHarness.A;
import static io.snipool.core.pool.TestSettings.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Two pool instances, each driven on its own real thread, sharing one {@code max_connections_per_host}: the cap
 * holds at every instant, seen from a third thread and from the backend's side, and the count comes back to what the
 * instances hold when they are done.
 */
class PoolSharedCapStressTest {

    private static final int CAP = 4;
    private static final int OPERATIONS_PER_LOOP = 10_000;
    /** Leases one loop holds or waits for at most: above the cap, so that leases often wait for the other loop. */
    private static final int MAX_HELD = 6;
    private static final Duration BOUND = Duration.ofSeconds(60);

    private final KeySlots<String> slots = new KeySlots<>();
    private final IdleBudget budget = new IdleBudget(PoolSettings.DEFAULT_MAX_IDLE_TOTAL);
    private final PoolSettings settings = settings().maxConnectionsPerHost(CAP).maxPendingPerHost(1000)
            .connectTimeout(Duration.ofMinutes(1)).build();
    /** Connections the backend has open (counted from connect to close), and the most it ever had. */
    private final AtomicInteger backendOpen = new AtomicInteger();
    private final AtomicInteger backendMostOpen = new AtomicInteger();
    private final AtomicInteger slotsAtConnectAboveCap = new AtomicInteger();

    @Test
    void theCapHoldsAtEveryInstantWhileTwoThreadsLeaseRecycleAndClose() throws Exception {
        try (Loop first = new Loop("pool-loop-1", 1); Loop second = new Loop("pool-loop-2", 2)) {
            first.start();
            second.start();

            int mostSeen = 0;
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (!first.finished || !second.finished) {
                mostSeen = Math.max(mostSeen, slots.used(A));
                if (System.nanoTime() - deadline > 0 || first.scheduler.failure() != null
                        || second.scheduler.failure() != null) {
                    fail("loops not finished within " + BOUND + ": " + first + ", " + second,
                            first.scheduler.failure() != null ? first.scheduler.failure() : second.scheduler.failure());
                }
                Thread.onSpinWait();
            }

            assertThat(first.scheduler.failure()).as("failure on the first loop").isNull();
            assertThat(second.scheduler.failure()).as("failure on the second loop").isNull();
            assertThat(mostSeen).as("slots taken, sampled from another thread").isBetween(1, CAP);
            assertThat(backendMostOpen.get()).as("connections the backend saw at once").isBetween(1, CAP);
            assertThat(slotsAtConnectAboveCap.get()).as("connects started above the cap").isZero();
            assertThat(first.waitedForSlot + second.waitedForSlot).as("leases that had to wait").isPositive();
            assertThat(first.connectFailures + second.connectFailures).as("failed connects").isPositive();

            int idle = first.onLoop(first::idle) + second.onLoop(second::idle);
            assertThat(slots.used(A)).as("slots after both loops returned every lease").isEqualTo(idle);
            assertThat(backendOpen.get()).isEqualTo(idle);

            first.onLoop(first::shutDown);
            second.onLoop(second::shutDown);
            assertThat(slots.used(A)).isZero();
            assertThat(slots.keys()).isZero();
            assertThat(backendOpen.get()).isZero();
        }
    }

    /** One pool instance on its own thread, leasing, recycling and closing at random, then returning everything. */
    private final class Loop implements AutoCloseable {

        final ExecutorScheduler scheduler;
        private final String name;
        private final ConnectionPool<String, StressConnection> pool;
        private final SplittableRandom random;
        // Touched only on this loop's thread.
        private final List<Lease<StressConnection>> held = new ArrayList<>();
        private int operations;
        private int unanswered;
        int waitedForSlot;
        int connectFailures;
        volatile boolean finished;

        Loop(String name, long seed) {
            this.name = name;
            this.scheduler = new ExecutorScheduler(name);
            this.pool = new ConnectionPool<>(this::connect, scheduler, budget, slots, PoolListener.none(),
                    new SplittableRandom(seed));
            this.random = new SplittableRandom(seed);
        }

        void start() {
            scheduler.execute(this::step);
        }

        /** One operation per task, so that the wakes other loops schedule here run in between. */
        private void step() {
            if (operations++ == OPERATIONS_PER_LOOP) {
                drain();
                return;
            }
            if (held.size() + unanswered < MAX_HELD && (held.isEmpty() || random.nextBoolean())) {
                lease();
            } else if (!held.isEmpty()) {
                Lease<StressConnection> lease = held.remove(random.nextInt(held.size()));
                if (random.nextInt(3) == 0) {
                    lease.close(EvictionReason.NOT_REUSABLE);
                } else {
                    lease.recycle();
                }
            }
            scheduler.execute(this::step);
        }

        /** Returns every lease, again and again until no request of this loop waits any more. */
        private void drain() {
            while (!held.isEmpty()) {
                held.remove(held.size() - 1).recycle();
            }
            if (unanswered > 0) {
                scheduler.execute(this::drain);
            } else {
                finished = true;
            }
        }

        private void lease() {
            unanswered++;
            pool.lease(A, settings, new LeaseCallback<>() {
                @Override
                public void leased(Lease<StressConnection> lease) {
                    unanswered--;
                    held.add(lease);
                }

                @Override
                public void failed(LeaseFailure failure) {
                    unanswered--;
                    assertThat(failure.kind()).isEqualTo(LeaseFailure.Kind.CONNECT_FAILED);
                }
            });
            if (pool.snapshot().key(A).map(PoolSnapshot.KeyStats::pending).orElse(0) > 0) {
                waitedForSlot++;
            }
        }

        /** Completes later on this loop, as a socket would; one connect in twenty is refused. */
        private void connect(String key, PoolSettings settings, ConnectCallback<StressConnection> callback) {
            if (slots.used(key) > CAP) {
                slotsAtConnectAboveCap.incrementAndGet();
            }
            backendMostOpen.accumulateAndGet(backendOpen.incrementAndGet(), Math::max);
            if (random.nextInt(20) == 0) {
                backendOpen.decrementAndGet();
                connectFailures++;
                scheduler.execute(() -> callback.failed(new IOException("connection refused")));
            } else {
                StressConnection connection = new StressConnection();
                scheduler.execute(() -> callback.connected(connection));
            }
        }

        int idle() {
            return pool.snapshot().key(A).map(stats -> {
                assertThat(stats.active() + stats.connecting() + stats.pending()).as(name + " at rest").isZero();
                return stats.idle();
            }).orElse(0);
        }

        int shutDown() {
            pool.shutdown();
            return 0;
        }

        <T> T onLoop(Supplier<T> task) throws Exception {
            CompletableFuture<T> result = new CompletableFuture<>();
            scheduler.execute(() -> {
                try {
                    result.complete(task.get());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
            return result.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            scheduler.close();
        }

        @Override
        public String toString() {
            return name + " (" + operations + " operations, " + held.size() + " held, " + unanswered + " unanswered)";
        }
    }

    /** A backend connection that only counts itself open or closed. */
    private final class StressConnection implements PooledConnection {

        private boolean open = true;

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            if (open) {
                open = false;
                backendOpen.decrementAndGet();
            }
        }

        @Override
        public void watchIdle(IdleWatcher watcher) {
        }

        @Override
        public void unwatchIdle() {
        }
    }
}
