/**
 * A keep-alive-aware pool of backend connections, keyed by backend, that knows nothing of HTTP or TLS.
 *
 * <p><b>Threads.</b> Each event loop owns its own {@link io.snipool.core.pool.ConnectionPool}, and everything
 * about it runs on that loop's thread: {@code lease}, {@code recycle}/{@code close}, the
 * {@link io.snipool.core.pool.ConnectCallback} the connector completes, the
 * {@link io.snipool.core.pool.IdleWatcher} a connection reports to, and the tasks of the
 * {@link io.snipool.core.pool.Scheduler}. That is why nothing in here takes a lock. The only state shared
 * between instances is the {@link io.snipool.core.pool.IdleBudget} behind the global {@code max_idle_total}.
 * Callers on other threads (an admin endpoint reading {@code snapshot()}) must hop onto the owning loop first.
 *
 * <p><b>Use.</b> The HTTP layer leases a connection per request, decides with its own pure function whether the
 * connection may carry another request, and answers with exactly one of {@link io.snipool.core.pool.Lease#recycle()}
 * or {@link io.snipool.core.pool.Lease#close(EvictionReason)}. While a connection sits idle the pool has it watch
 * for a peer close or stray bytes, so a dead connection is evicted before anyone leases it.
 *
 * <p>Per-key limits ({@code max_connections_per_host}, {@code max_pending_per_host}, {@code min_idle_per_host})
 * hold per pool instance, that is per event loop; only {@code max_idle_total} is process-wide.
 */
package io.snipool.core.pool;
