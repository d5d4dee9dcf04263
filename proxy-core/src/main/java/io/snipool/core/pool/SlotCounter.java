package io.snipool.core.pool;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One key's connections across all pool instances: the process-wide count behind {@code max_connections_per_host},
 * the instances that track the key, and those of them with leases waiting for a slot. Thread-safe and lock-free;
 * {@link KeySlots} hands out one per key.
 */
final class SlotCounter {

    /** Connections of the key that exist or are being made, on every event loop. */
    private final AtomicInteger used = new AtomicInteger();
    /** Pool instances tracking the key; -1 once the last one left and the counter is retired from its map. */
    private final AtomicInteger holders = new AtomicInteger();
    private final ConcurrentLinkedQueue<ConnectionCap<?, ?>> members = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<ConnectionCap<?, ?>> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waitingCount = new AtomicInteger();

    int used() {
        return used.get();
    }

    /**
     * Takes a slot if fewer than {@code cap} are taken; with {@code cap} 0 (no cap) always, so that a later cap
     * sees the real count. A compare-and-set loop: the cap holds at every instant, across threads.
     */
    boolean tryAcquire(int cap) {
        if (cap <= 0) {
            used.incrementAndGet();
            return true;
        }
        int current;
        do {
            current = used.get();
            if (current >= cap) {
                return false;
            }
        } while (!used.compareAndSet(current, current + 1));
        return true;
    }

    /**
     * Gives back a slot taken by {@link #tryAcquire} and wakes every other instance with waiters, each on its own
     * thread; {@code releaser} serves its own waiters itself. Waking all of them (a handful of event loops at most)
     * rather than one means a wake cannot be lost on an instance whose waiters left meanwhile.
     */
    void release(ConnectionCap<?, ?> releaser) {
        used.decrementAndGet();
        // Read after the decrement, while waiters register before they try to take a slot: either the waiter's
        // attempt sees this slot, or this read sees the waiter.
        if (waitingCount.get() > 0) {
            for (ConnectionCap<?, ?> instance : waiting) {
                if (instance != releaser) {
                    instance.slotFreed();
                }
            }
        }
    }

    void startWaiting(ConnectionCap<?, ?> instance) {
        waiting.add(instance);
        waitingCount.incrementAndGet();
    }

    /** {@code instance} has no waiters any more: the others' fair shares grew, so they look again. */
    void stopWaiting(ConnectionCap<?, ?> instance) {
        waitingCount.decrementAndGet();
        waiting.remove(instance);
        for (ConnectionCap<?, ?> other : waiting) {
            other.slotFreed();
        }
    }

    /** Instances with leases waiting for a slot of this key. */
    int waiting() {
        return waitingCount.get();
    }

    /** Asks every other instance that holds idle connections of the key to close one, freeing its slot. */
    void askForIdle(ConnectionCap<?, ?> asker) {
        for (ConnectionCap<?, ?> member : members) {
            if (member != asker) {
                member.idleWanted();
            }
        }
    }

    // ---- life cycle, for KeySlots ----

    /** Counts one more instance tracking the key; false if the counter was retired and must not be used. */
    boolean join(ConnectionCap<?, ?> member) {
        int current;
        do {
            current = holders.get();
            if (current < 0) {
                return false;
            }
        } while (!holders.compareAndSet(current, current + 1));
        members.add(member);
        return true;
    }

    /** Counts one instance less; true if it was the last, and the counter is now retired. */
    boolean leave(ConnectionCap<?, ?> member) {
        members.remove(member);
        // Retired only if nobody joined between the decrement and the compare-and-set.
        return holders.decrementAndGet() == 0 && holders.compareAndSet(0, -1);
    }
}
