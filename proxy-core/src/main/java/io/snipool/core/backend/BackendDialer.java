package io.snipool.core.backend;

import io.netty.channel.Channel;
import io.snipool.config.BackendTemplate;
import io.snipool.config.HostPort;
import io.snipool.core.route.BackendSelector;
import io.snipool.core.route.BackendTarget;
import io.snipool.core.route.RouteMatch;
import java.util.Iterator;

/**
 * Connects to one of a route's backends for a TLS tunnel: expands templates and tries the backends in round-robin
 * order through a {@link TargetConnector} (which resolves and applies the private-address policy) until one
 * connects. The channel it hands over has auto-read off and an empty pipeline.
 */
public final class BackendDialer {

    /** What the caller learns about each attempt (metrics, backend health). */
    public interface Observer {
        void connectFailed(String backend, String reason);

        /** A connect to {@code address} succeeded or failed (not told for a target that expanded to nothing). */
        default void reached(HostPort address, boolean connected) {
        }
    }

    /** Exactly one of the two is called, on the dialer's event loop. */
    public interface Callback {
        void connected(Channel channel, String backend);

        void failed(String reason);
    }

    /** A dial in progress; {@link #cancel()} makes a connection that completes later close at once. */
    public interface Attempt {
        void cancel();
    }

    private final TargetConnector connector;

    public BackendDialer(TargetConnector connector) {
        this.connector = connector;
    }

    /** Tries the route's backends in the selector's order; each failure is reported and the next one tried. */
    public Attempt dial(RouteMatch match, BackendSelector selector, Observer observer, Callback callback) {
        DialAttempt attempt = new DialAttempt(match, selector, selector.candidates().iterator(), observer, callback);
        attempt.next();
        return attempt;
    }

    private final class DialAttempt implements Attempt {
        private final RouteMatch match;
        private final BackendSelector selector;
        private final Iterator<BackendTemplate> candidates;
        private final Observer observer;
        private final Callback callback;
        private boolean cancelled;
        private String lastFailure = "the route has no backends";

        DialAttempt(RouteMatch match, BackendSelector selector, Iterator<BackendTemplate> candidates,
                    Observer observer, Callback callback) {
            this.match = match;
            this.selector = selector;
            this.candidates = candidates;
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
            if (!candidates.hasNext()) {
                callback.failed(lastFailure);
                return;
            }
            BackendTemplate template = candidates.next();
            BackendTarget target = BackendTarget.expand(template, match);
            if (target instanceof BackendTarget.Invalid invalid) {
                fail(template, template.text(), invalid.reason());
            } else if (target instanceof BackendTarget.Static fixed) {
                connect(template, fixed.address(), false);
            } else {
                BackendTarget.Dynamic dynamic = (BackendTarget.Dynamic) target;
                connect(template, new HostPort(dynamic.host(), dynamic.port()), true);
            }
        }

        private void connect(BackendTemplate template, HostPort address, boolean dynamic) {
            String label = address.toString();
            TargetConnector.Callback done = new TargetConnector.Callback() {
                @Override
                public void connected(Channel channel) {
                    selector.markSucceeded(template);
                    observer.reached(address, true);
                    callback.connected(channel, label);
                }

                @Override
                public void failed(String reason) {
                    observer.reached(address, false);
                    fail(template, label, reason);
                }
            };
            connector.connect(address, dynamic, match.route().allowPrivateTargets(), () -> cancelled, done);
        }

        private void fail(BackendTemplate template, String label, String reason) {
            selector.markFailed(template);
            observer.connectFailed(label, reason);
            lastFailure = label + ": " + reason;
            next();
        }
    }
}
