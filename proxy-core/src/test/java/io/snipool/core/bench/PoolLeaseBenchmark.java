package io.snipool.core.bench;

import io.snipool.config.AdaptivePoolSettings;
import io.snipool.config.PoolSettings;
import io.snipool.config.TcpKeepAlive;
import io.snipool.core.pool.Cancellable;
import io.snipool.core.pool.ConnectCallback;
import io.snipool.core.pool.ConnectionPool;
import io.snipool.core.pool.IdleBudget;
import io.snipool.core.pool.IdleWatcher;
import io.snipool.core.pool.Lease;
import io.snipool.core.pool.LeaseCallback;
import io.snipool.core.pool.LeaseFailure;
import io.snipool.core.pool.PoolConnector;
import io.snipool.core.pool.PoolListener;
import io.snipool.core.pool.PooledConnection;
import io.snipool.core.pool.Scheduler;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pool's share of one proxied request on a warm pool: lease an idle connection, then recycle it. The pool is
 * the production {@link ConnectionPool} with an in-memory connection (no socket), a connector that completes at
 * once, a real clock and timers that never fire, so what is measured is the pool's own bookkeeping on the request
 * path (idle stack, expiry checks, gauges, idle watching), not sockets or timer wheels.
 *
 * <p>{@code leaseAndRecycle} leases from {@code backends} keys in turn, one request at a time;
 * {@code eightInFlight} holds eight leases on one key at once, like eight concurrent requests on one event loop,
 * and reports the cost per request. Every lease must be a hit: the trial fails if the pool ever connected again.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class PoolLeaseBenchmark {

    private static final int IN_FLIGHT = 8;

    @Param({"1", "1000"})
    public int backends;

    private ConnectionPool<String, MemoryConnection> pool;
    private final Connector connector = new Connector();
    private final Answer answer = new Answer();
    private final PoolSettings settings = new PoolSettings(true, 64, 1_000_000, 0, 1024, Duration.ofSeconds(30),
            Duration.ofMinutes(10), Duration.ofMinutes(1), Long.MAX_VALUE, 0, 8, Duration.ofSeconds(5),
            Duration.ofSeconds(5), AdaptivePoolSettings.defaults(), TcpKeepAlive.defaults());
    private String[] keys;
    private int next;
    @SuppressWarnings("unchecked")
    private final Lease<MemoryConnection>[] held = new Lease[IN_FLIGHT];
    private long connectsAfterWarmUp;

    @Setup
    public void setUp() {
        pool = new ConnectionPool<>(connector, new NeverFiringScheduler(), new IdleBudget(1_000_000), PoolListener.none(),
                new SplittableRandom(1));
        keys = new String[backends];
        for (int i = 0; i < backends; i++) {
            keys[i] = "backend-" + i + ".internal:8080";
        }
        // Every key gets IN_FLIGHT idle connections, so that both benchmarks only ever hit.
        for (String key : keys) {
            for (int i = 0; i < IN_FLIGHT; i++) {
                held[i] = lease(key);
            }
            for (int i = 0; i < IN_FLIGHT; i++) {
                held[i].recycle();
            }
        }
        connectsAfterWarmUp = connector.connects;
    }

    @TearDown(Level.Trial)
    public void everyLeaseWasAHit() {
        if (connector.connects != connectsAfterWarmUp) {
            throw new IllegalStateException("the pool connected " + (connector.connects - connectsAfterWarmUp)
                    + " times during the measurement: the benchmark measured misses");
        }
    }

    private Lease<MemoryConnection> lease(String key) {
        answer.lease = null;
        pool.lease(key, settings, answer);
        Lease<MemoryConnection> lease = answer.lease;
        if (lease == null) {
            throw new IllegalStateException("no synchronous answer for " + key);
        }
        return lease;
    }

    @Benchmark
    public long leaseAndRecycle() {
        int index = next + 1 == backends ? 0 : next + 1;
        next = index;
        Lease<MemoryConnection> lease = lease(keys[index]);
        long count = lease.requestCount();
        lease.recycle();
        return count;
    }

    @Benchmark
    @OperationsPerInvocation(IN_FLIGHT)
    public long eightInFlight() {
        String key = keys[0];
        for (int i = 0; i < IN_FLIGHT; i++) {
            held[i] = lease(key);
        }
        long count = 0;
        for (int i = 0; i < IN_FLIGHT; i++) {
            count += held[i].requestCount();
            held[i].recycle();
        }
        return count;
    }

    /** A backend connection with no socket. */
    static final class MemoryConnection implements PooledConnection {
        private boolean open = true;
        private IdleWatcher watcher;

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }

        @Override
        public void watchIdle(IdleWatcher idleWatcher) {
            watcher = idleWatcher;
        }

        @Override
        public void unwatchIdle() {
            watcher = null;
        }
    }

    /** Connects at once, counting how often it was asked. */
    static final class Connector implements PoolConnector<String, MemoryConnection> {
        long connects;

        @Override
        public void connect(String key, PoolSettings settings, ConnectCallback<MemoryConnection> callback) {
            connects++;
            callback.connected(new MemoryConnection());
        }
    }

    /** The real clock; timers are accepted and never fire (no expiry happens within a benchmark anyway). */
    static final class NeverFiringScheduler implements Scheduler {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Cancellable schedule(long delayNanos, Runnable task) {
            return Cancellable.NONE;
        }
    }

    /** Receives the synchronous answer of a lease. */
    static final class Answer implements LeaseCallback<MemoryConnection> {
        Lease<MemoryConnection> lease;

        @Override
        public void leased(Lease<MemoryConnection> granted) {
            lease = granted;
        }

        @Override
        public void failed(LeaseFailure failure) {
            throw new IllegalStateException("lease failed: " + failure);
        }
    }
}
