package io.snipool.core.pool;

/**
 * One key's idle connections, newest on top. Leasing takes the newest (LIFO) so that, under light load, the same
 * few connections stay warm and the cold ones at the bottom age out. Linked through the entries themselves, so
 * removing any entry (peer closed it, its timer fired) is O(1) and pushing allocates nothing.
 */
final class IdleStack<K, C extends PooledConnection> {

    private PoolEntry<K, C> newest;
    private PoolEntry<K, C> oldest;
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The most recently pushed entry, or null. */
    PoolEntry<K, C> newest() {
        return newest;
    }

    /** The entry idle for longest, or null. */
    PoolEntry<K, C> oldest() {
        return oldest;
    }

    void push(PoolEntry<K, C> entry) {
        entry.older = newest;
        entry.newer = null;
        if (newest != null) {
            newest.newer = entry;
        } else {
            oldest = entry;
        }
        newest = entry;
        size++;
    }

    /** Removes an entry that is on this stack. */
    void remove(PoolEntry<K, C> entry) {
        if (entry.newer != null) {
            entry.newer.older = entry.older;
        } else {
            newest = entry.older;
        }
        if (entry.older != null) {
            entry.older.newer = entry.newer;
        } else {
            oldest = entry.newer;
        }
        entry.newer = null;
        entry.older = null;
        size--;
    }
}
