package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import io.snipool.core.pool.PendingLease.State;
import io.snipool.core.pool.PoolSnapshot.KeyStats;

import java.time.Duration;

/**
 * Everything the pool holds for one key: the idle stack, counts, its share of the connection cap with the wait
 * queue ({@link ConnectionCap}), the prewarmer and statistics.
 *
 * <p>Methods called from outside (lease, recycle, timers, watchers, connect results) end by letting the pool
 * forget this key if nothing is left in it; internal steps never do, because they may hold an entry that is
 * counted nowhere for a moment (between leaving {@code active} and joining the idle stack).
 */
final class KeyPool<K, C extends PooledConnection> {

    final K key;
    private final ConnectionPool<K, C> pool;
    private PoolSettings settings;
    private final IdleStack<K, C> idle = new IdleStack<>();
    private final ConnectionCap<K, C> cap;
    private final Prewarmer<K, C> prewarmer;
    private int active;
    private boolean retired;
    /** Why connections of a retired key close when they come back. */
    private EvictionReason retiredFor = EvictionReason.SHUTDOWN;
    private int connecting;
    private final KeyCounters<K> counters;
    /** {@code pool.adaptive}: recent demand and the target it asks for. */
    private final AdaptiveTarget<K, C> adaptive;
    /** Idle connections with less than {@code min_idle_for_age} of their lifetime left: they count toward no minimum. */
    private int agingIdle;

    KeyPool(ConnectionPool<K, C> pool, K key, PoolSettings settings) {
        this.pool = pool;
        this.key = key;
        this.settings = settings;
        this.counters = new KeyCounters<>(key, pool.listener);
        this.cap = new ConnectionCap<>(this, pool.keySlots, pool.listener);
        this.prewarmer = new Prewarmer<>(this, pool.nanoTime());
        this.adaptive = new AdaptiveTarget<>(this, pool.nanoTime());
    }

    long nanoTime() {
        return pool.scheduler.nanoTime();
    }

    Scheduler scheduler() {
        return pool.scheduler;
    }

    PoolListener<K> listener() {
        return pool.listener;
    }

    ConnectionCap<K, C> cap() {
        return cap;
    }

    PoolSettings settings() {
        return settings;
    }

    /** Routes may override pool settings, so the latest lease's settings apply to the key from now on. */
    void updateSettings(PoolSettings latest) {
        if (latest != settings) {
            settings = latest;
            adaptive.settingsChanged(nanoTime());
            cap.grant();
        }
    }

    // ---- entry points ----

    Cancellable lease(LeaseCallback<C> callback, boolean fresh) {
        retired = false; // asked for again: the backend is back in the configuration
        Cancellable pending = Cancellable.NONE;
        PoolEntry<K, C> entry = settings.enabled() && !fresh ? takeIdle() : null;
        if (entry != null) {
            counters.hit();
            handOut(entry, callback, true);
        } else if (cap.admit()) {
            PendingLease<K, C> request = new PendingLease<>(this, callback, State.CONNECTING);
            counters.miss();
            startConnect(request);
            pending = request;
        } else {
            pending = cap.enqueue(callback);
            yieldIdle(); // a fresh lease may queue while this loop holds idle connections
        }
        observeDemand();
        cap.grant(); // stale idle connections closed on the way freed slots, maybe for older waiters
        prewarmer.topUp();
        settle();
        return pending;
    }

    /** Asked for by {@link ConnectionPool#prewarm}, and by the prewarmer's own timer. */
    void prewarm() {
        prewarmer.topUp();
        settle();
    }

    void recycle(PoolEntry<K, C> entry, long backendKeepAliveNanos) {
        addActive(-1);
        pool.touch(this);
        if (retired) {
            closeAndFreeSlot(entry, retiredFor);
            settle();
            return;
        }
        if (backendKeepAliveNanos != PoolEntry.NO_LIMIT) {
            entry.keepAliveLimitNanos = ExpiryRules.idleLimit(backendKeepAliveNanos);
        }
        EvictionReason unfit = ExpiryRules.unfitForReuse(entry, settings, nanoTime());
        if (unfit != null) {
            closeAndFreeSlot(entry, unfit);
        } else {
            offer(entry);
            if (entry.aging) {
                prewarmer.topUp(); // back too old to count toward the minimum: its replacement starts now
            }
        }
        settle();
    }

    void closeLeased(PoolEntry<K, C> entry, EvictionReason reason) {
        addActive(-1);
        closeAndFreeSlot(entry, reason);
        settle();
    }

    /** An idle connection reported itself dead, or its expiry came. */
    void evictIdle(PoolEntry<K, C> entry, EvictionReason reason) {
        discardIdle(entry, reason);
        settle();
    }

    void expiryTimerFired(PoolEntry<K, C> entry) {
        entry.timer = null;
        if (entry.state != PoolEntry.State.IDLE) {
            return; // leased: recycle checks its lifetime; closed: nothing left to do
        }
        long now = nanoTime();
        boolean startsAging = !entry.aging && ExpiryRules.aging(entry, settings, now);
        if (startsAging) {
            markAging(entry);
        }
        EvictionReason expired = ExpiryRules.expired(entry, settings, now, isProtected());
        if (expired != null) {
            evictIdle(entry, expired);
        } else {
            entry.armExpiryTimer(settings, now, pool.scheduler);
            if (startsAging) {
                prewarmer.topUp(); // its replacement, before max_lifetime retires it
                settle();
            }
        }
    }

    void connectSucceeded(ConnectAttempt<K, C> attempt, C connection) {
        long now = nanoTime();
        addConnecting(-1);
        counters.connected(now - attempt.startedNanos);
        if (attempt.isPrewarm()) {
            prewarmer.connectEnded(true, now);
        }
        PoolEntry<K, C> entry = new PoolEntry<>(this, connection, now,
                now + ExpiryRules.lifetimeNanos(settings, pool.random),
                ExpiryRules.requestBudgetCut(settings, pool.random));
        PendingLease<K, C> request = attempt.request;
        if (request != null && request.state == State.CONNECTING) {
            request.state = State.ANSWERED;
            handOut(entry, request.callback, false);
        } else {
            offer(entry); // prewarmed, or its lease was cancelled meanwhile
        }
        settle();
    }

    void connectFailed(ConnectAttempt<K, C> attempt, LeaseFailure failure) {
        addConnecting(-1);
        cap.give(); // before the callback, which may lease again
        pool.listener.onConnectFailure(key, failure);
        if (attempt.isPrewarm()) {
            prewarmer.connectEnded(false, nanoTime());
        }
        PendingLease<K, C> request = attempt.request;
        if (request != null && request.state == State.CONNECTING) {
            request.state = State.ANSWERED;
            fail(request.callback, failure);
        }
        afterSlotFreed();
        settle();
    }

    void cancel(PendingLease<K, C> waiter) {
        if (waiter.state == State.QUEUED) {
            cap.remove(waiter);
            waiter.state = State.CANCELLED;
            settle();
        } else if (waiter.state == State.CONNECTING) {
            waiter.state = State.CANCELLED; // connectSucceeded offers the connection to others
        }
    }

    /**
     * The backend left the configuration ({@code shutdown}) or went down ({@code backend_down}): idle connections
     * close now, leased ones when they come back, and no minimum is kept warm. A later lease (the backend is
     * configured again, or up again) lifts this.
     */
    void retire(EvictionReason reason) {
        retired = true;
        retiredFor = reason;
        closeAllIdle(reason);
        cap.grant();
        settle();
    }

    void shutdown() {
        closeAllIdle(EvictionReason.SHUTDOWN);
        cap.failAll(LeaseFailure.closed());
        settle();
    }

    private void closeAllIdle(EvictionReason reason) {
        prewarmer.stop();
        for (PoolEntry<K, C> entry = idle.newest(); entry != null; entry = idle.newest()) {
            removeIdle(entry);
            close(entry, reason);
        }
    }

    // ---- called by other pool instances, through tasks on this pool's thread ----

    /** A slot of this key was freed on another loop. */
    void slotFreedElsewhere() {
        cap.grant();
        settle();
    }

    /** Another loop has leases waiting for a slot of this key. */
    void idleWantedElsewhere() {
        yieldIdle();
        settle();
    }

    /**
     * While a lease waits for a slot, here or on another loop, an idle connection of this key is worth less than its
     * slot: the coldest one closes, even within {@code min_idle_per_host}.
     */
    private void yieldIdle() {
        if (!idle.isEmpty() && (cap.hasWaiters() || cap.othersWaiting())) {
            discardIdle(idle.oldest(), EvictionReason.CAPACITY);
        }
    }

    // ---- called by the pool for the global idle cap ----

    /** Idle connections beyond this key's minimum, which the global cap may take. */
    int idleSurplus() {
        return idle.size() - minIdle();
    }

    void evictColdest(EvictionReason reason) {
        discardIdle(idle.oldest(), reason);
    }

    boolean isUnused() {
        return idle.isEmpty() && active == 0 && connecting == 0 && !cap.hasWaiters() && !prewarmer.isScheduled()
                && (minIdle() == 0 || pool.isShutDown());
    }

    KeyStats<K> snapshot(long now) {
        PoolEntry<K, C> oldest = idle.oldest();
        Duration oldestIdleAge = oldest == null ? Duration.ZERO : Duration.ofNanos(now - oldest.idleSinceNanos);
        return counters.snapshot(idle.size(), active, connecting, cap.pending(), oldestIdleAge,
                adaptive.estimate(), targetIdle());
    }

    // ---- leasing and returning ----

    /** Pops idle connections until one is fit, evicting the unfit ones with their reason. */
    private PoolEntry<K, C> takeIdle() {
        long now = nanoTime();
        for (PoolEntry<K, C> entry = idle.newest(); entry != null; entry = idle.newest()) {
            // Asked while the entry is still on the stack: the min_idle_per_host protection counts it.
            EvictionReason stale = ExpiryRules.unfitForLease(entry, settings, now, isProtected());
            removeIdle(entry);
            if (stale == null) {
                return entry;
            }
            close(entry, stale);
        }
        return null;
    }

    private void handOut(PoolEntry<K, C> entry, LeaseCallback<C> callback, boolean reused) {
        entry.state = PoolEntry.State.LEASED;
        entry.requestCount++;
        addActive(1);
        callback.leased(new PoolLease<>(entry, reused));
    }

    /** A fit connection nobody holds: to the first waiter, else idle if the caps allow, else closed. */
    private void offer(PoolEntry<K, C> entry) {
        if (pool.isShutDown()) {
            closeAndFreeSlot(entry, EvictionReason.SHUTDOWN);
            return;
        }
        if (!settings.enabled()) {
            closeAndFreeSlot(entry, EvictionReason.CAPACITY);
            return;
        }
        if (cap.overFairShare(held() + 1)) {
            closeAndFreeSlot(entry, EvictionReason.CAPACITY); // its slot goes to another loop's waiter
            return;
        }
        PendingLease<K, C> waiter = cap.poll();
        if (waiter != null) {
            waiter.state = State.ANSWERED;
            counters.hit();
            handOut(entry, waiter.callback, true);
            return;
        }
        cap.holdsIdle(true); // announced before looking for other loops' waiters (see ConnectionCap)
        // Another loop's lease waits for a slot and cannot use this connection: closing it frees the slot for it.
        if (cap.othersWaiting() || idle.size() >= settings.maxIdlePerHost() || !pool.reserveIdle(this)) {
            closeAndFreeSlot(entry, EvictionReason.CAPACITY);
            return;
        }
        long now = nanoTime();
        entry.state = PoolEntry.State.IDLE;
        entry.idleSinceNanos = now;
        idle.push(entry);
        if (ExpiryRules.aging(entry, settings, now)) {
            markAging(entry);
        }
        pool.listener.onGaugeChange(key, PoolGauge.IDLE, 1);
        entry.armExpiryTimer(settings, now, pool.scheduler);
        entry.connection.watchIdle(entry); // last: it may report a dead connection at once, evicting the entry
    }

    /** Takes an entry off the idle stack; the caller leases or closes it. */
    private void removeIdle(PoolEntry<K, C> entry) {
        idle.remove(entry);
        if (entry.aging) {
            entry.aging = false;
            agingIdle--;
        }
        entry.state = PoolEntry.State.LEASED;
        pool.idleBudget.release();
        pool.listener.onGaugeChange(key, PoolGauge.IDLE, -1);
        entry.connection.unwatchIdle();
    }

    private void discardIdle(PoolEntry<K, C> entry, EvictionReason reason) {
        removeIdle(entry);
        closeAndFreeSlot(entry, reason);
    }

    private void closeAndFreeSlot(PoolEntry<K, C> entry, EvictionReason reason) {
        close(entry, reason);
        afterSlotFreed();
    }

    /** Every connection the pool made ends here, once, and gives back its slot after its socket is closed. */
    private void close(PoolEntry<K, C> entry, EvictionReason reason) {
        entry.state = PoolEntry.State.CLOSED;
        if (entry.timer != null) {
            entry.timer.cancel();
            entry.timer = null;
        }
        entry.connection.close();
        counters.evicted(reason, entry.requestCount);
        cap.give();
    }

    /** A connection or connect went away: a waiter may connect now, and the minimum may need topping up. */
    private void afterSlotFreed() {
        cap.grant();
        prewarmer.topUp();
    }

    // ---- connects and the wait queue ----

    /** Starts a connect for a slot already taken: for {@code request}, or to prewarm when it is null. */
    void startConnect(PendingLease<K, C> request) {
        addConnecting(1);
        new ConnectAttempt<>(this, request, nanoTime())
                .start(pool.scheduler, pool.connector, settings.connectTimeout());
    }

    /** A queued lease was granted a slot. */
    void connectFor(PendingLease<K, C> waiter) {
        waiter.state = State.CONNECTING;
        counters.miss();
        startConnect(waiter);
    }

    /**
     * Short of warm connections: fewer idle ones that still count ({@code min_idle_for_age}) than the warm minimum,
     * with room under the idle caps, and the backend may be warmed (it is not down).
     */
    boolean needsPrewarm(int prewarming) {
        return !pool.isShutDown() && idle.size() - agingIdle + prewarming < warmMinimum()
                && idle.size() + prewarming < settings.maxIdlePerHost() && pool.idleBudget.hasRoom()
                && pool.mayWarm(key);
    }

    /** Connections of this key this instance holds, each with a slot: connecting, active and idle. */
    int held() {
        return active + connecting + idle.size();
    }

    void fail(LeaseCallback<C> callback, LeaseFailure failure) {
        pool.listener.onLeaseFailure(key, failure);
        callback.failed(failure);
    }

    /** Ends every entry point: refreshes the idle hint for other loops and lets the pool forget an empty key. */
    void settle() {
        cap.holdsIdle(!idle.isEmpty());
        adaptive.report(minIdle());
        pool.forgetIfUnused(this);
    }

    /** The pool forgot this key: its slots are all given back, and the key's counter and gauges may go. */
    void forgotten() {
        cap.leave();
        adaptive.forgotten();
    }

    // ---- counts and targets ----

    boolean isRetired() {
        return retired;
    }

    private int minIdle() {
        return settings.enabled() && !retired ? settings.minIdlePerHost() : 0;
    }

    /** Leases in flight: served, connecting for a lease, or queued. */
    private int leasesInFlight() {
        return active + connecting - prewarmer.connecting() + cap.pending();
    }

    private void observeDemand() {
        adaptive.observe(leasesInFlight());
    }

    /** The idle connections this key keeps when none is leased: the gauge, and {@code /api/pools}. */
    int targetIdle() {
        return Math.max(minIdle(), adaptive.target());
    }

    /**
     * The idle connections to keep warm now: {@code min_idle_per_host}, or the adaptive target less the leases in
     * flight, whichever is more (a lease in flight already holds, or is getting, a connection of the target).
     */
    private int warmMinimum() {
        int target = adaptive.target();
        return target == 0 ? minIdle() : Math.max(minIdle(), target - leasesInFlight());
    }

    /** The idle stack is within the warm minimum, the aging connections (which count toward none) aside. */
    private boolean isProtected() {
        return idle.size() - agingIdle <= warmMinimum();
    }

    private void markAging(PoolEntry<K, C> entry) {
        entry.aging = true;
        agingIdle++;
    }

    private void addActive(int delta) {
        active += delta;
        pool.listener.onGaugeChange(key, PoolGauge.ACTIVE, delta);
    }

    private void addConnecting(int delta) {
        connecting += delta;
        pool.listener.onGaugeChange(key, PoolGauge.CONNECTING, delta);
    }
}
