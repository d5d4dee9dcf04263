package io.snipool.core.backend;

import io.netty.channel.Channel;
import io.snipool.config.BackendTemplate;
import io.snipool.config.HostPort;
import io.snipool.core.route.BackendSelector;
import io.snipool.core.route.BackendTarget;
import io.snipool.core.route.BalanceInput;
import io.snipool.core.route.CandidateWalk;
import io.snipool.core.route.RetryRule;
import io.snipool.core.route.RouteMatch;
import java.util.HashMap;
import java.util.Map;

/**
 * Connects to one of a route's backends for a TLS tunnel: expands templates and tries the backends in the
 * selector's order through a {@link TargetConnector} (which resolves and applies the private-address policy), trying
 * again after a failed connect as the route's {@code retry} allows ({@link RetryRule}). The channel it hands over
 * has auto-read off and an empty pipeline.
 */
public final class BackendDialer {

    /** What the caller learns about each attempt (metrics, backend health). */
    public interface Observer {
        void connectFailed(String backend, String reason);

        /** A failed connect is tried again, on the backend the next attempt names. */
        void retrying(RetryRule.Reason reason);

        /**
         * A connect to {@code address}, from {@code backend} (static, or the template it was expanded from),
         * succeeded or failed; not told for a target that expanded to nothing.
         */
        default void reached(BackendTemplate backend, HostPort address, boolean connected) {
        }

        /**
         * True if {@code address}, expanded from a template, is ejected: it is passed over for a candidate not tried
         * yet, and used when none is left (fail open).
         */
        default boolean ejected(HostPort address) {
            return false;
        }
    }

    /** Exactly one of the two is called, on the dialer's event loop. */
    public interface Callback {
        /** @param backendIndex the backend's index in the route's backends, for the selector's in-flight count */
        void connected(Channel channel, String backend, int backendIndex);

        void failed(String reason);
    }

    /** A dial in progress; {@link #cancel()} makes a connection that completes later close at once. */
    public interface Attempt {
        void cancel();
    }

    private final TargetConnector connector;
    /**
     * The label ({@code host:port}) of each configured address this dialer has connected to, made once: an idle
     * tunnel keeps its backend's label for the access log and the health counts, and thousands of them then share
     * one string. As many as the configurations this loop has served name; an address expanded from a template gets
     * a label of its own.
     */
    private final Map<HostPort, String> staticLabels = new HashMap<>();

    public BackendDialer(TargetConnector connector) {
        this.connector = connector;
    }

    /** Tries the route's backends in the selector's order for {@code input}; each failure is reported. */
    public Attempt dial(RouteMatch match, BackendSelector selector, BalanceInput input, Observer observer,
                        Callback callback) {
        DialAttempt attempt = new DialAttempt(match, selector, new CandidateWalk(selector.candidates(input)), observer,
                callback);
        attempt.next();
        return attempt;
    }

    private final class DialAttempt implements Attempt {
        private final RouteMatch match;
        private final BackendSelector selector;
        private final CandidateWalk walk;
        private final Observer observer;
        private final Callback callback;
        private int retries;
        private boolean cancelled;
        private String lastFailure = "the route has no backends";

        DialAttempt(RouteMatch match, BackendSelector selector, CandidateWalk walk, Observer observer,
                    Callback callback) {
            this.match = match;
            this.selector = selector;
            this.walk = walk;
            this.observer = observer;
            this.callback = callback;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        void next() {
            if (cancelled) {
                return;
            }
            BackendSelector.Candidate candidate = walk.current();
            BackendTemplate template = candidate.backend();
            BackendTarget target = BackendTarget.expand(template, match);
            if (target instanceof BackendTarget.Invalid invalid) {
                fail(candidate.index(), template.text(), invalid.reason());
            } else if (target instanceof BackendTarget.Static fixed) {
                connect(candidate.index(), template, fixed.address(), staticLabels.computeIfAbsent(fixed.address(),
                        HostPort::toString), false);
            } else {
                BackendTarget.Dynamic dynamic = (BackendTarget.Dynamic) target;
                HostPort address = new HostPort(dynamic.host(), dynamic.port());
                if (observer.ejected(address) && walk.passOver()) {
                    next(); // at most once per candidate: passOver never returns to one
                    return;
                }
                connect(candidate.index(), template, address, address.toString(), true);
            }
        }

        private void connect(int index, BackendTemplate template, HostPort address, String label, boolean dynamic) {
            TargetConnector.Callback done = new TargetConnector.Callback() {
                @Override
                public void connected(Channel channel) {
                    selector.markSucceeded(index);
                    observer.reached(template, address, true);
                    callback.connected(channel, label, index);
                }

                @Override
                public void failed(String reason) {
                    observer.reached(template, address, false);
                    fail(index, label, reason);
                }
            };
            connector.connect(address, dynamic, match.route().allowPrivateTargets(), () -> cancelled, done);
        }

        private void fail(int index, String label, String reason) {
            selector.markFailed(index);
            observer.connectFailed(label, reason);
            lastFailure = label + ": " + reason;
            RetryRule.Decision decision = RetryRule.decide(match.route().backendPolicy().retry(),
                    RetryRule.FailedAttempt.connect(retries));
            if (cancelled) {
                return;
            }
            if (!(decision instanceof RetryRule.Retry retry) || !walk.canAdvance(retry)) {
                callback.failed(lastFailure);
                return;
            }
            retries++;
            observer.retrying(retry.reason());
            walk.advance(retry);
            next();
        }
    }
}
