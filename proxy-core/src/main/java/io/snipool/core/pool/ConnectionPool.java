package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import io.snipool.core.pool.PoolSnapshot.KeyStats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * A keep-alive-aware pool of backend connections, keyed by backend ({@code K}, for example host, port and TLS-ness).
 * Per key it keeps a LIFO stack of idle connections under {@code max_idle_per_host}, enforces idle timeout,
 * lifetime with jitter and a request budget, keeps {@code min_idle_per_host} warm, and queues leases beyond
 * {@code max_connections_per_host}. Across pool instances it keeps two limits: {@code max_connections_per_host}
 * per key, counted in the shared {@link KeySlots}, and {@code max_idle_total} across keys, in the shared
 * {@link IdleBudget}: when that is reached, the least recently used key of the instance that is adding gives up its
 * coldest connection.
 *
 * <p>One instance per event loop, used only from that loop's thread (see the package documentation). Not
 * thread-safe, by design: nothing on the hot path takes a lock.
 *
 * @param <K> the backend key; needs {@code equals}/{@code hashCode}
 * @param <C> the connection type the HTTP layer implements
 */
public final class ConnectionPool<K, C extends PooledConnection> {

    final PoolConnector<K, C> connector;
    final Scheduler scheduler;
    final IdleBudget idleBudget;
    final KeySlots<K> keySlots;
    final PoolListener<K> listener;
    final RandomGenerator random;
    private final Predicate<K> warmable;
    /** True while {@link #reserveIdle} evicts to make room: the room it makes is taken at once, not prewarmed into. */
    private boolean makingRoom;
    /** In access order, so iteration starts at the least recently used key: the first to give way at the cap. */
    private final LinkedHashMap<K, KeyPool<K, C>> keys = new LinkedHashMap<>(16, 0.75f, true);
    private boolean shutDown;

    /**
     * @param connector  opens connections; completes on this pool's thread
     * @param scheduler  clock and timers running on this pool's thread; other instances call its
     *                   {@link Scheduler#schedule schedule} from their threads to wake this one
     * @param idleBudget {@code max_idle_total}, shared by the pools of all event loops
     * @param keySlots   the per-key connection counts behind {@code max_connections_per_host}, shared by the pools
     *                   of all event loops
     * @param listener   metrics; {@link PoolListener#none()} for none
     * @param random     draws each connection's lifetime jitter; seed it in tests
     * @param warmable   whether connections to a key may be opened ahead of demand (prewarming, the adaptive
     *                   target): false for a backend that is down or ejected. Asked on this pool's thread, often.
     */
    public ConnectionPool(PoolConnector<K, C> connector, Scheduler scheduler, IdleBudget idleBudget,
                          KeySlots<K> keySlots, PoolListener<K> listener, RandomGenerator random,
                          Predicate<K> warmable) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.idleBudget = Objects.requireNonNull(idleBudget, "idleBudget");
        this.keySlots = Objects.requireNonNull(keySlots, "keySlots");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.random = Objects.requireNonNull(random, "random");
        this.warmable = Objects.requireNonNull(warmable, "warmable");
    }

    /** As above, warming every key. */
    public ConnectionPool(PoolConnector<K, C> connector, Scheduler scheduler, IdleBudget idleBudget,
                          KeySlots<K> keySlots, PoolListener<K> listener, RandomGenerator random) {
        this(connector, scheduler, idleBudget, keySlots, listener, random, key -> true);
    }

    /**
     * A pool alone in its process (benchmarks, tools): {@code max_connections_per_host} is counted in
     * {@link KeySlots} of its own. Pools of several event loops must share one, or each gets the whole cap.
     */
    public ConnectionPool(PoolConnector<K, C> connector, Scheduler scheduler, IdleBudget idleBudget,
                          PoolListener<K> listener, RandomGenerator random) {
        this(connector, scheduler, idleBudget, new KeySlots<>(), listener, random);
    }

    /**
     * Leases a connection to {@code key} for one request: the most recently returned idle connection that is still
     * fit, else a new connect, else (at {@code max_connections_per_host}, counted across all event loops) a place in
     * this instance's wait queue. The answer goes to {@code callback}, possibly before this method returns.
     *
     * @param settings the pool settings of the route, applied to this key from now on ({@code max_idle_total} is
     *                 ignored here: it is the {@link IdleBudget}'s)
     * @return cancels the request while it waits for a connection (the client went away); no-op once answered
     */
    public Cancellable lease(K key, PoolSettings settings, LeaseCallback<C> callback) {
        return lease(key, settings, callback, false);
    }

    /**
     * As {@link #lease(Object, PoolSettings, LeaseCallback)}; with {@code fresh}, no idle connection is taken and
     * a new one is connected (or, at the cap, waited for). For replaying a request that failed on a reused
     * connection: the next idle one may be just as stale.
     */
    public Cancellable lease(K key, PoolSettings settings, LeaseCallback<C> callback, boolean fresh) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(callback, "callback");
        if (shutDown) {
            LeaseFailure failure = LeaseFailure.closed();
            listener.onLeaseFailure(key, failure);
            callback.failed(failure);
            return Cancellable.NONE;
        }
        return keyPool(key, settings).lease(callback, fresh);
    }

    /**
     * Makes {@code key} known without leasing, so that {@code min_idle_per_host} connections are opened for it
     * (at {@code prewarm_rate}) before the first request. A key otherwise becomes known on its first lease.
     */
    public void prewarm(K key, PoolSettings settings) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(settings, "settings");
        if (!shutDown) {
            keyPool(key, settings).prewarm();
        }
    }

    /**
     * Drains the pools of backends that are no longer configured: for every known key {@code keep} rejects, idle
     * connections close now (reason {@code removed}), leased ones when they are returned, and no minimum is kept
     * warm. A later lease of such a key lifts this. Call on the pool's thread.
     */
    public void retireUnless(java.util.function.Predicate<K> keep) {
        retire(keep.negate(), EvictionReason.REMOVED);
    }

    /**
     * As {@link #retireUnless}, for every known key {@code which} accepts, closing with {@code reason}: for a backend
     * that went down, whose idle connections must not wait for it to come back. Call on the pool's thread.
     */
    public void retire(java.util.function.Predicate<K> which, EvictionReason reason) {
        for (KeyPool<K, C> keyPool : new ArrayList<>(keys.values())) {
            if (which.test(keyPool.key)) {
                keyPool.retire(reason);
            }
        }
    }

    /**
     * Closes every idle connection (reason {@code shutdown}), fails queued leases with
     * {@link LeaseFailure.Kind#CLOSED}, stops prewarming, and makes later leases fail and later recycles close.
     * Leases already out, and connects already made for a lease, finish normally. Idempotent.
     */
    public void shutdown() {
        if (shutDown) {
            return;
        }
        shutDown = true;
        for (KeyPool<K, C> keyPool : new ArrayList<>(keys.values())) {
            keyPool.shutdown();
        }
    }

    /** True once {@link #shutdown()} was called. */
    public boolean isShutDown() {
        return shutDown;
    }

    /** Counts per key, least recently used first. Call on the pool's thread. */
    public PoolSnapshot<K> snapshot() {
        long now = scheduler.nanoTime();
        List<KeyStats<K>> stats = new ArrayList<>(keys.size());
        for (KeyPool<K, C> keyPool : keys.values()) {
            stats.add(keyPool.snapshot(now));
        }
        return new PoolSnapshot<>(stats, idleBudget.used(), idleBudget.limit());
    }

    long nanoTime() {
        return scheduler.nanoTime();
    }

    boolean mayWarm(K key) {
        // A prewarm started in the room an eviction makes would itself evict on arrival, and so on at prewarm_rate.
        return !makingRoom && warmable.test(key);
    }

    /** Marks the key as just used, for the least-recently-used order of the global idle cap. */
    void touch(KeyPool<K, C> keyPool) {
        keys.get(keyPool.key);
    }

    /**
     * Takes one unit of the global idle budget for {@code requester}, evicting the coldest idle connection of this
     * instance's least recently used key with a surplus over its minimum until one is free.
     *
     * @return false if nothing here can give way (other instances hold the budget, or every key is at its minimum)
     */
    boolean reserveIdle(KeyPool<K, C> requester) {
        makingRoom = true;
        try {
            return makeRoom(requester);
        } finally {
            makingRoom = false;
        }
    }

    private boolean makeRoom(KeyPool<K, C> requester) {
        while (!idleBudget.tryAcquire()) {
            KeyPool<K, C> victim = null;
            for (KeyPool<K, C> candidate : keys.values()) {
                if (candidate.idleSurplus() > 0) {
                    victim = candidate;
                    break;
                }
            }
            if (victim == null) {
                return false;
            }
            victim.evictColdest(EvictionReason.CAPACITY);
            if (victim != requester) {
                forgetIfUnused(victim); // the requester is mid-operation and forgets itself when done
            }
        }
        return true;
    }

    /**
     * Drops a key that holds nothing, so keys taken from client input (backend templates) cannot pile up.
     * A key with a minimum idle count stays: it is meant to be kept warm.
     */
    void forgetIfUnused(KeyPool<K, C> keyPool) {
        if (keyPool.isUnused() && keys.remove(keyPool.key, keyPool)) {
            keyPool.forgotten();
        }
    }

    private KeyPool<K, C> keyPool(K key, PoolSettings settings) {
        KeyPool<K, C> keyPool = keys.get(key); // in access order, this also makes it the most recently used
        if (keyPool == null) {
            keyPool = new KeyPool<>(this, key, settings);
            keys.put(key, keyPool);
        } else {
            keyPool.updateSettings(settings);
        }
        return keyPool;
    }
}
