package io.snipool.core.http;

import io.snipool.config.RetryPolicy;
import io.snipool.config.RouteConfig;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import io.snipool.core.health.TrafficOutcome;
import io.snipool.core.pool.Cancellable;
import io.snipool.core.pool.EvictionReason;
import io.snipool.core.pool.Lease;
import io.snipool.core.pool.LeaseCallback;
import io.snipool.core.pool.LeaseFailure;
import io.snipool.core.route.BackendSelector;
import io.snipool.core.route.BalanceInput;
import io.snipool.core.route.CandidateWalk;
import io.snipool.core.route.RetryRule;
import io.snipool.core.route.RouteMatch;
import java.time.Duration;

/**
 * Gets one request a backend connection: leases from the pool of the first backend the route's selector names, and
 * after a failure tries again as the route's {@code retry} allows ({@link RetryRule}): on the next backend of the
 * selector's order or the same one. Keeps the request's retry count, and counts the request in flight with the
 * selector while it holds a lease (for {@code least_connections}).
 */
final class BackendLeaser implements LeaseCallback<BackendConnection> {

    /** Exactly one of the two is called per {@link #start()} or {@link #retry}. */
    interface Callback {
        void leased(Lease<BackendConnection> lease, BackendKey key);

        /**
         * No backend could be leased: {@link FailureKind#CONNECT_FAILED} once any connect failed, else
         * {@link FailureKind#NO_BACKEND}; after the request had been sent once, {@link FailureKind#BACKEND_BROKE}.
         */
        void unavailable(Failure failure);
    }

    private final HttpProxy proxy;
    private final HttpListener listener;
    private final RouteMatch match;
    private final RouteConfig route;
    private final RetryPolicy retryPolicy;
    private final String method;
    private final BackendSelector selector;
    private final CandidateWalk walk;
    private final Callback callback;
    private BackendKey key;
    private Cancellable pending = Cancellable.NONE;
    private int retries;
    private boolean staleReplayDone;
    private boolean connectFailureSeen;
    /** The request was written to some connection before this lease: a final failure is the broken one's. */
    private boolean sentBefore;
    private boolean cancelled;
    private String lastFailure = "the route has no usable backend";

    BackendLeaser(HttpProxy proxy, HttpListener listener, RouteMatch match, String method, BalanceInput input,
                  Callback callback) {
        this.proxy = proxy;
        this.listener = listener;
        this.match = match;
        this.route = match.route();
        this.retryPolicy = route.backendPolicy().retry();
        this.method = method;
        this.selector = proxy.selectors(listener)[match.routeIndex()];
        this.walk = new CandidateWalk(selector.candidates(input));
        this.callback = callback;
    }

    void start() {
        lease(false);
    }

    /**
     * The leased connection broke before any response byte: what the retry rule makes of it. On a {@code Retry}, the
     * caller ends its lease and calls {@link #retry}.
     *
     * @param requestWritten the request head had been written whole to the connection
     * @param bodyKept       the body sent so far is kept for a replay
     */
    RetryRule.Decision afterBreak(boolean requestWritten, boolean reusedConnection, boolean bodyKept) {
        return walkable(RetryRule.decide(retryPolicy, new RetryRule.FailedAttempt(
                RetryPolicy.RetryOn.RESET_BEFORE_RESPONSE, requestWritten, false, reusedConnection, method, bodyKept,
                retries, staleReplayDone)));
    }

    /** {@code decision}, unless it is a retry with no backend left to go to. */
    private RetryRule.Decision walkable(RetryRule.Decision decision) {
        if (decision instanceof RetryRule.Retry retry && !walk.canAdvance(retry)) {
            return new RetryRule.GiveUp("every backend of the route was tried");
        }
        return decision;
    }

    /**
     * Tries again as {@code retry} (from {@link #afterBreak}) says: counted, and on a new connection if the request
     * may have been sent.
     */
    void retry(RetryRule.Retry retry) {
        if (retry.reason() == RetryRule.Reason.STALE_CONNECTION) {
            staleReplayDone = true;
        } else {
            retries++;
        }
        sentBefore |= retry.reason() != RetryRule.Reason.CONNECT_FAILURE;
        listener.meters().retry(HttpListener.routeLabel(route), retry.reason().label());
        walk.advance(retry);
        lease(retry.reason().freshConnection());
    }

    /** How many times a backend was tried for this request: the first attempt and every retry, of any reason. */
    int attempts() {
        return 1 + retries + (staleReplayDone ? 1 : 0);
    }

    /** The request is over: a queued or connecting lease is given up, and a late one goes back to the pool. */
    void cancel() {
        cancelled = true;
        pending.cancel();
    }

    BackendKey key() {
        return key;
    }

    /**
     * Tells backend health what the current lease's backend did: a static backend by its address, an address
     * expanded from a template under that template, with the route's {@code outlier_detection}.
     */
    void observe(TrafficOutcome outcome) {
        if (key.dynamic()) {
            proxy.health().observeDynamic(walk.current().backend().text(), key.address(),
                    route.health().outlierDetection(), outcome);
        } else {
            proxy.health().observe(key.address(), outcome);
        }
    }

    /** {@link #observe} of a final (or 101) response head with {@code status}, counted by status class. */
    void observeResponse(int status) {
        if (key.dynamic()) {
            proxy.health().observeDynamicResponse(walk.current().backend().text(), key.address(),
                    route.health().outlierDetection(), status);
        } else {
            proxy.health().observeResponse(key.address(), status);
        }
    }

    /** Leases from the walk's current backend; {@code fresh}: a new connection, not an idle one. */
    private void lease(boolean fresh) {
        BackendSelector.Candidate candidate = walk.current();
        BackendKeyMaker.Made made = listener.keyMaker(match.routeIndex(), candidate.backend()).key(match);
        if (made instanceof BackendKeyMaker.Made.Refused refused) {
            lastFailure = refused.reason();
            connectFailureSeen = true;
            connectFailed();
            return;
        }
        key = ((BackendKeyMaker.Made.Key) made).key();
        if (key.dynamic() && proxy.health().isDynamicEjected(key.address()) && walk.passOver()) {
            lease(fresh); // at most once per candidate: passOver never returns to one
            return;
        }
        pending = proxy.pool().lease(key, route.pool(), this, fresh);
    }

    @Override
    public void leased(Lease<BackendConnection> granted) {
        pending = Cancellable.NONE;
        if (cancelled) {
            granted.recycle(); // the request ended before anything was written: the connection is untouched
            return;
        }
        int index = walk.current().index();
        selector.markSucceeded(index);
        selector.leased(index);
        callback.leased(new CountedLease(granted, selector, index), key);
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
            selector.markFailed(walk.current().index());
            listener.meters().backendConnectError(key.label());
            observe(TrafficOutcome.CONNECT_FAILURE);
        }
        connectFailed();
    }

    /** No connection from the current backend: nothing was sent, so the rule may send the request elsewhere. */
    private void connectFailed() {
        if (walkable(RetryRule.decide(retryPolicy, RetryRule.FailedAttempt.connect(retries)))
                instanceof RetryRule.Retry retry) {
            retry(retry);
        } else if (sentBefore) {
            // The connection that carried the request broke and no other could be had: that is what the client sees.
            callback.unavailable(Failure.of(FailureKind.BACKEND_BROKE, lastFailure));
        } else {
            callback.unavailable(Failure.beforeSending(
                    connectFailureSeen ? FailureKind.CONNECT_FAILED : FailureKind.NO_BACKEND, lastFailure));
        }
    }

    /** A lease that tells the selector when it ends, so the backend's in-flight count drops exactly once. */
    private static final class CountedLease implements Lease<BackendConnection> {
        private final Lease<BackendConnection> lease;
        private final BackendSelector selector;
        private final int backendIndex;

        CountedLease(Lease<BackendConnection> lease, BackendSelector selector, int backendIndex) {
            this.lease = lease;
            this.selector = selector;
            this.backendIndex = backendIndex;
        }

        @Override
        public BackendConnection connection() {
            return lease.connection();
        }

        @Override
        public boolean reused() {
            return lease.reused();
        }

        @Override
        public long requestCount() {
            return lease.requestCount();
        }

        @Override
        public Duration age() {
            return lease.age();
        }

        @Override
        public void recycle() {
            lease.recycle(); // throws, and counts nothing, if the lease had already ended
            selector.released(backendIndex);
        }

        @Override
        public void recycle(Duration backendKeepAlive) {
            lease.recycle(backendKeepAlive);
            selector.released(backendIndex);
        }

        @Override
        public void close(EvictionReason reason) {
            lease.close(reason);
            selector.released(backendIndex);
        }
    }
}
