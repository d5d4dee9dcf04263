package io.snipool.core.http;

import io.snipool.config.PoolSettings;
import io.snipool.core.pool.Cancellable;
import io.snipool.core.pool.ConnectionPool;
import io.snipool.core.pool.EvictionReason;
import io.snipool.core.pool.LeaseCallback;
import io.snipool.core.pool.PoolSnapshot;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The backend pools of one event loop: HTTP/1.1 connections, each lent to one request, and HTTP/2 connections,
 * whose streams are lent ({@link H2StreamPool}). A lease goes to the one its key's protocol names; both hand the
 * exchange a {@link BackendConnection}.
 */
final class LoopPools {

    private final ConnectionPool<BackendKey, Http1Connection> http1;
    private final H2StreamPool h2;

    LoopPools(ConnectionPool<BackendKey, Http1Connection> http1, H2StreamPool h2) {
        this.http1 = http1;
        this.h2 = h2;
    }

    /** As {@link ConnectionPool#lease(Object, PoolSettings, LeaseCallback, boolean)}, for either protocol. */
    @SuppressWarnings("unchecked")
    Cancellable lease(BackendKey key, PoolSettings settings, LeaseCallback<BackendConnection> callback,
                      boolean fresh) {
        if (key.protocol().multiplexed()) {
            return h2.lease(key, settings, callback, fresh);
        }
        // Sound: a LeaseCallback only reads the connection of the lease it is given, and an Http1Connection is a
        // BackendConnection; Java's generics cannot say "a callback for any subtype".
        LeaseCallback<Http1Connection> forHttp1 = (LeaseCallback<Http1Connection>) (LeaseCallback<?>) callback;
        return http1.lease(key, settings, forHttp1, fresh);
    }

    void prewarm(BackendKey key, PoolSettings settings) {
        if (key.protocol().multiplexed()) {
            h2.connections().prewarm(key, settings);
        } else {
            http1.prewarm(key, settings);
        }
    }

    List<PoolSnapshot<BackendKey>> snapshots() {
        return List.of(http1.snapshot(), h2.connections().snapshot());
    }

    Map<BackendKey, Integer> activeStreams() {
        return h2.activeStreams();
    }

    void retire(Predicate<BackendKey> which, EvictionReason reason) {
        http1.retire(which, reason);
        h2.connections().retire(which, reason);
        h2.retire(which, reason);
    }

    void shutdown() {
        http1.shutdown();
        h2.connections().shutdown();
    }
}
