package io.snipool.core.pool;

import io.snipool.config.PoolSettings;
import io.snipool.core.pool.PendingLease.State;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One key's {@code max_connections_per_host} on one pool instance: its slots in the key's process-wide
 * {@link SlotCounter}, and its queue of leases waiting for one.
 *
 * <p>Every connection of the key, connecting, active or idle, holds one slot: a connect starts only after
 * {@link #tryTake()}, and a failed connect or a closed connection gives its slot back once with {@link #give()}.
 * A lease that finds no slot waits in this instance's own queue ({@code max_pending_per_host} is per event
 * loop). While the queue is not empty the instance is registered with the counter: a slot freed on another loop
 * wakes it on its own thread ({@link #slotFreed()}), and it asks the loops that hold idle connections of the key
 * to close one ({@link #idleWanted()}), since an idle connection cannot move to the loop that needs it but its
 * slot can. While several instances wait, each holds at most a {@link #fairShare fair share} of the cap.
 *
 * <p>Waiters are served oldest first within an instance. Across instances the order is not global FIFO: a freed
 * slot goes to whichever woken instance below its share takes it first. But a freed slot always wakes every
 * instance that waits, so none waits while a slot it may take is free.
 *
 * <p>Everything runs on the pool's thread except {@link #slotFreed()} and {@link #idleWanted()}, which other
 * instances call and which only schedule a task on this pool's {@link Scheduler}.
 */
final class ConnectionCap<K, C extends PooledConnection> {

    private final KeyPool<K, C> owner;
    private final KeySlots<K> slots;
    private final SlotCounter counter;
    private final WaitQueue<K, C> waiters;
    /** In the counter's waiting list: exactly while the queue is not empty. */
    private boolean registered;
    /**
     * True while this instance may hold idle connections of the key, so that other instances ask it for one. Set
     * before {@link #othersWaiting()} is read and read by others after they registered, so of an idle push and a
     * registration racing, at least one side sees the other. Stale {@code true} only costs a needless task.
     */
    private volatile boolean holdsIdle;
    private final AtomicBoolean wakeScheduled = new AtomicBoolean();
    private final AtomicBoolean idleRequestScheduled = new AtomicBoolean();

    ConnectionCap(KeyPool<K, C> owner, KeySlots<K> slots, PoolListener<K> listener) {
        this.owner = owner;
        this.slots = slots;
        this.waiters = new WaitQueue<>(owner.key, listener);
        this.counter = slots.join(owner.key, this);
    }

    /** For a lease that found nothing idle: takes a slot so it may connect now; false if it must queue. */
    boolean admit() {
        // Behind this loop's own waiters, a new lease queues even if a slot is free: first come, first served.
        return !(owner.settings().hasConnectionCap() && !waiters.isEmpty()) && tryTake();
    }

    /**
     * Takes a slot under the current settings' cap (always, without one), unless leases of other instances wait and
     * this one already holds its {@link #fairShare fair share}.
     */
    boolean tryTake() {
        int cap = owner.settings().maxConnectionsPerHost();
        if (cap > 0 && othersWaiting() && owner.held() >= fairShare(cap)) {
            return false;
        }
        return counter.tryAcquire(cap);
    }

    /**
     * True if this instance, holding {@code held} connections of the key, holds more than its fair share while
     * leases of other instances wait: a connection it gets back then closes, even with waiters of its own.
     */
    boolean overFairShare(int held) {
        int cap = owner.settings().maxConnectionsPerHost();
        return cap > 0 && othersWaiting() && held > fairShare(cap);
    }

    /**
     * While leases of other instances wait, the slots this one may hold: the cap shared evenly by the instances that
     * want slots, rounded up so that together they can use them all. Without it a loop that got its connections
     * first would keep serving its own queue from them (they cannot move between loops) and starve the others.
     */
    private int fairShare(int cap) {
        int contenders = counter.waiting() + (registered ? 0 : 1);
        return Math.max(1, (cap + contenders - 1) / contenders);
    }

    /** Gives back one slot: once per failed connect and once per closed connection. */
    void give() {
        counter.release(this);
    }

    /** Queues a lease until a slot is free, or fails it if {@code max_pending_per_host} already wait here. */
    Cancellable enqueue(LeaseCallback<C> callback) {
        PoolSettings settings = owner.settings();
        if (waiters.size() >= settings.maxPendingPerHost()) {
            owner.fail(callback, LeaseFailure.queueFull(settings.maxPendingPerHost()));
            return Cancellable.NONE;
        }
        PendingLease<K, C> waiter = new PendingLease<>(owner, callback, State.QUEUED);
        waiters.add(waiter, owner.scheduler(), settings.connectTimeout().toNanos(), () -> waitTimedOut(waiter));
        if (!registered) {
            registered = true;
            counter.startWaiting(this);
        }
        // Looked at again once registered: a slot freed after the failed take but before the registration woke
        // nobody, and would otherwise sit free while this lease waits.
        grant();
        return waiter;
    }

    /** Each free slot goes to the oldest waiter, which connects; if some still wait, other loops are asked. */
    void grant() {
        while (!waiters.isEmpty() && tryTake()) {
            owner.connectFor(poll());
        }
        if (!waiters.isEmpty()) {
            counter.askForIdle(this);
        }
    }

    /** Answers every waiter with {@code failure}. */
    void failAll(LeaseFailure failure) {
        for (PendingLease<K, C> waiter = poll(); waiter != null; waiter = poll()) {
            waiter.state = State.ANSWERED;
            owner.fail(waiter.callback, failure);
        }
    }

    boolean hasWaiters() {
        return !waiters.isEmpty();
    }

    int pending() {
        return waiters.size();
    }

    /** Removes and returns the oldest waiter, or null. */
    PendingLease<K, C> poll() {
        PendingLease<K, C> waiter = waiters.poll();
        if (waiter != null) {
            leftQueue();
        }
        return waiter;
    }

    /** Removes a waiter that timed out or was cancelled. */
    void remove(PendingLease<K, C> waiter) {
        waiters.remove(waiter);
        leftQueue();
    }

    /** Takes a slot to prewarm with, unless a lease of any instance waits for one: a request beats a spare. */
    boolean tryTakeForPrewarm() {
        return !anyoneWaiting() && tryTake();
    }

    /** Prewarming is held back by other instances' connections or waiters: no event here says when to try again. */
    boolean prewarmHeldBackElsewhere() {
        return othersWaiting() || counter.used() > owner.held();
    }

    /** Leases of another instance wait for a slot of this key. */
    boolean othersWaiting() {
        return counter.waiting() > (registered ? 1 : 0);
    }

    private boolean anyoneWaiting() {
        return counter.waiting() > 0;
    }

    /** Updates the hint other instances read before asking this one for an idle connection. */
    void holdsIdle(boolean idle) {
        if (holdsIdle != idle) {
            holdsIdle = idle;
        }
    }

    /** The instance forgets the key; it holds no slot and no waiter by now. */
    void leave() {
        slots.leave(owner.key, counter, this);
    }

    // ---- called from other instances' threads ----

    /** A slot was freed on another loop: this instance looks at its waiters on its own thread. */
    void slotFreed() {
        if (wakeScheduled.compareAndSet(false, true)) {
            schedule(wakeScheduled, owner::slotFreedElsewhere);
        }
    }

    /** Another loop waits for a slot: if this instance holds an idle connection, it closes one on its own thread. */
    void idleWanted() {
        if (holdsIdle && idleRequestScheduled.compareAndSet(false, true)) {
            schedule(idleRequestScheduled, owner::idleWantedElsewhere);
        }
    }

    private void schedule(AtomicBoolean scheduled, Runnable task) {
        try {
            owner.scheduler().schedule(0, () -> {
                scheduled.set(false); // cleared first: a request arriving while the task runs schedules another
                task.run();
            });
        } catch (RejectedExecutionException e) {
            scheduled.set(false); // the loop is shutting down, and its pool with it: it has nothing to hand out
        }
    }

    private void waitTimedOut(PendingLease<K, C> waiter) {
        if (waiter.state != State.QUEUED) {
            return;
        }
        remove(waiter);
        waiter.state = State.ANSWERED;
        PoolSettings settings = owner.settings();
        owner.fail(waiter.callback, LeaseFailure.waitTimeout(settings.connectTimeout(),
                settings.maxConnectionsPerHost()));
        owner.settle();
    }

    private void leftQueue() {
        if (registered && waiters.isEmpty()) {
            registered = false;
            counter.stopWaiting(this);
        }
    }
}
