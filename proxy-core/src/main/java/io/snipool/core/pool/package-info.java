/**
 * A keep-alive-aware pool of backend connections, keyed by backend, that knows nothing of HTTP or TLS.
 *
 * <p><b>Threads.</b> Each event loop owns its own {@link io.snipool.core.pool.ConnectionPool}, and everything
 * about it runs on that loop's thread: {@code lease}, {@code recycle}/{@code close}, the
 * {@link io.snipool.core.pool.ConnectCallback} the connector completes, the
 * {@link io.snipool.core.pool.IdleWatcher} a connection reports to, and the tasks of the
 * {@link io.snipool.core.pool.Scheduler}. That is why nothing in here takes a lock. The state shared between
 * instances is two lock-free objects: the {@link io.snipool.core.pool.IdleBudget} behind {@code max_idle_total},
 * and the {@link io.snipool.core.pool.KeySlots} behind {@code max_connections_per_host}. An instance reaches
 * another only through that instance's {@code Scheduler.schedule}, which must therefore accept calls from any
 * thread. Callers on other threads (an admin endpoint reading {@code snapshot()}) must hop onto the owning loop
 * first.
 *
 * <p><b>Use.</b> The HTTP layer leases a connection per request, decides with its own pure function whether the
 * connection may carry another request, and answers with exactly one of {@link io.snipool.core.pool.Lease#recycle()}
 * or {@link io.snipool.core.pool.Lease#close(EvictionReason)}. While a connection sits idle the pool has it watch
 * for a peer close or stray bytes, so a dead connection is evicted before anyone leases it.
 *
 * <p><b>Which limits are process-wide.</b> {@code max_connections_per_host} and {@code max_idle_total} hold for the
 * whole process. Every connection of a key, connecting, active or idle, holds a slot in the shared
 * {@code KeySlots}, taken by compare-and-set before the connect starts, so the cap is never exceeded, not even for a
 * moment. {@code max_pending_per_host}, {@code max_idle_per_host} and {@code min_idle_per_host} hold per pool
 * instance, that is per event loop: the wait queue and the idle stack are each loop's own (a connection cannot move
 * between loops), and prewarming takes slots like any connect, so it never pushes a key past its cap.
 *
 * <p><b>Waiting across loops.</b> A lease beyond the cap waits in its own loop's queue. A slot freed on any loop wakes
 * every loop with waiters for that key, on its own thread; loops holding idle connections of the key close one
 * for it, and a loop holding more than an even share of the cap while others wait closes a connection it gets
 * back rather than reuse it. Waiters are served in order within a loop, but not in one global order across loops.
 */
package io.snipool.core.pool;
