package io.snipool.core.http;

import io.snipool.config.BackendTemplate;
import io.snipool.config.RouteConfig;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import io.snipool.core.health.TrafficOutcome;
import io.snipool.core.pool.Cancellable;
import io.snipool.core.pool.Lease;
import io.snipool.core.pool.LeaseCallback;
import io.snipool.core.pool.LeaseFailure;
import io.snipool.core.route.BackendSelector;
import io.snipool.core.route.RouteMatch;
import java.util.Iterator;

/**
 * Gets one request a backend connection: tries the route's backends in round-robin order (a failed connect puts a
 * backend at the back of the order for a while), leasing from the pool of each, until one gives a connection.
 * Every lease failure happens before a byte of the request was sent, so trying the next backend is always safe.
 */
final class BackendLeaser implements LeaseCallback<BackendConnection> {

    /** Exactly one of the two is called per {@link #start()} or {@link #leaseFresh()}. */
    interface Callback {
        void leased(Lease<BackendConnection> lease, BackendKey key);

        /**
         * No backend could be leased: {@link FailureKind#CONNECT_FAILED} once any connect failed, else
         * {@link FailureKind#NO_BACKEND}; for a replay's fresh connection, {@link FailureKind#BACKEND_BROKE}.
         */
        void unavailable(Failure failure);
    }

    private final HttpProxy proxy;
    private final HttpListener listener;
    private final RouteMatch match;
    private final RouteConfig route;
    private final BackendSelector selector;
    private final Iterator<BackendTemplate> candidates;
    private final Callback callback;
    private BackendTemplate template;
    private BackendKey key;
    private Cancellable pending = Cancellable.NONE;
    private boolean connectFailureSeen;
    private boolean fresh;
    private boolean cancelled;
    private String lastFailure = "the route has no usable backend";

    BackendLeaser(HttpProxy proxy, HttpListener listener, RouteMatch match, Callback callback) {
        this.proxy = proxy;
        this.listener = listener;
        this.match = match;
        this.route = match.route();
        this.selector = proxy.selectors(listener)[match.routeIndex()];
        this.candidates = selector.candidates().iterator();
        this.callback = callback;
    }

    void start() {
        leaseNext();
    }

    /**
     * Leases a new connection from the same backend, for a replay: the next idle connection could be as stale as
     * the one that just failed. A failure here is final.
     */
    void leaseFresh() {
        fresh = true;
        pending = proxy.pool().lease(key, route.pool(), this, true);
    }

    /** The request is over: a queued or connecting lease is given up, and a late one goes back to the pool. */
    void cancel() {
        cancelled = true;
        pending.cancel();
    }

    BackendKey key() {
        return key;
    }

    private void leaseNext() {
        if (!candidates.hasNext()) {
            callback.unavailable(Failure.beforeSending(
                    connectFailureSeen ? FailureKind.CONNECT_FAILED : FailureKind.NO_BACKEND, lastFailure));
            return;
        }
        template = candidates.next();
        BackendKeyMaker.Made made = listener.keyMaker(match.routeIndex(), template).key(match);
        if (made instanceof BackendKeyMaker.Made.Refused refused) {
            lastFailure = refused.reason();
            connectFailureSeen = true;
            leaseNext();
            return;
        }
        key = ((BackendKeyMaker.Made.Key) made).key();
        pending = proxy.pool().lease(key, route.pool(), this, false);
    }

    @Override
    public void leased(Lease<BackendConnection> granted) {
        pending = Cancellable.NONE;
        if (cancelled) {
            granted.recycle(); // the request ended before anything was written: the connection is untouched
            return;
        }
        selector.markSucceeded(template);
        callback.leased(granted, key);
    }

    @Override
    public void failed(LeaseFailure failure) {
        pending = Cancellable.NONE;
        if (cancelled) {
            return;
        }
        lastFailure = key.label() + ": " + failure.message();
        if (failure.kind() == LeaseFailure.Kind.CONNECT_FAILED || failure.kind() == LeaseFailure.Kind.CONNECT_TIMEOUT) {
            connectFailureSeen = true;
            selector.markFailed(template);
            listener.meters().backendConnectError(key.label());
            proxy.health().observe(key.address(), TrafficOutcome.CONNECT_FAILURE);
        }
        if (fresh) {
            // The reused connection broke and no fresh one could be had: that first failure is what the client sees.
            callback.unavailable(Failure.of(FailureKind.BACKEND_BROKE, lastFailure));
        } else {
            leaseNext();
        }
    }
}
