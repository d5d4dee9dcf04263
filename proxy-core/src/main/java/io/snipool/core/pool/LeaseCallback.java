package io.snipool.core.pool;

/**
 * Receives the answer to one {@link ConnectionPool#lease lease}: exactly one call, on the pool's thread, possibly
 * before {@code lease} returns (an idle hit, a full queue). Never called after the lease request was cancelled.
 */
public interface LeaseCallback<C> {

    /** A connection for one request; hand it back through the lease exactly once. */
    void leased(Lease<C> lease);

    /** No connection; see {@link LeaseFailure#kind()}. */
    void failed(LeaseFailure failure);
}
