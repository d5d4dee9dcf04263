package io.snipool.core.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.snipool.config.BackendTemplate;
import io.snipool.config.HostPort;
import io.snipool.config.InetLiterals;
import io.snipool.core.route.BackendSelector;
import io.snipool.core.route.BackendTarget;
import io.snipool.core.route.RouteMatch;
import io.snipool.core.route.TargetPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;

/**
 * Opens TCP connections to a route's backends on one event loop: expands templates, resolves names without
 * blocking, applies the private-target policy to dynamic targets, and tries the route's backends in round-robin
 * order until one connects. The channel it hands over has auto-read off and an empty pipeline.
 */
public final class BackendDialer {

    /** What the caller learns about each attempt (metrics). */
    public interface Observer {
        void connectFailed(String backend, String reason);
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

    private static final ChannelInitializer<Channel> NO_HANDLERS = new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel channel) {
            // The tunnel or HTTP exchange installs its own handlers once connected.
        }
    };

    private final EventLoop loop;
    private final HostResolver resolver;
    private final Bootstrap bootstrap;

    public BackendDialer(EventLoop loop, ChannelFactory<? extends Channel> channels, HostResolver resolver,
                         Duration connectTimeout) {
        this.loop = loop;
        this.resolver = resolver;
        this.bootstrap = new Bootstrap().group(loop).channelFactory(channels).handler(NO_HANDLERS)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        connectTimeout.toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.AUTO_READ, false);
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
                resolveThenConnect(template, fixed.address(), false);
            } else {
                BackendTarget.Dynamic dynamic = (BackendTarget.Dynamic) target;
                resolveThenConnect(template, new HostPort(dynamic.host(), dynamic.port()), true);
            }
        }

        private void resolveThenConnect(BackendTemplate template, HostPort address, boolean dynamic) {
            String label = address.toString();
            if (InetLiterals.isIpLiteral(address.host()) && !dynamic) {
                connect(template, label, new InetSocketAddress(InetLiterals.parse(address.host()), address.port()));
                return;
            }
            resolver.resolve(address.host(), loop, new HostResolver.Callback() {
                @Override
                public void resolved(List<InetAddress> addresses) {
                    if (cancelled) {
                        return;
                    }
                    InetAddress chosen;
                    if (dynamic) {
                        TargetPolicy.Decision decision = TargetPolicy.check(match.route(), addresses);
                        if (decision instanceof TargetPolicy.Refused refused) {
                            fail(template, label, refused.reason());
                            return;
                        }
                        // Connect to the address the policy approved, never to a second lookup of the name.
                        chosen = ((TargetPolicy.Permitted) decision).first();
                    } else if (addresses.isEmpty()) {
                        fail(template, label, "no addresses for " + address.host());
                        return;
                    } else {
                        chosen = addresses.get(0);
                    }
                    connect(template, label, new InetSocketAddress(chosen, address.port()));
                }

                @Override
                public void failed(Throwable cause) {
                    if (!cancelled) {
                        fail(template, label, "cannot resolve " + address.host() + ": " + cause.getMessage());
                    }
                }
            });
        }

        private void connect(BackendTemplate template, String label, InetSocketAddress address) {
            ChannelFuture connecting = bootstrap.connect(address);
            connecting.addListener(future -> {
                if (cancelled) {
                    connecting.channel().close();
                    return;
                }
                if (future.isSuccess()) {
                    selector.markSucceeded(template);
                    callback.connected(connecting.channel(), label);
                } else {
                    fail(template, label, describe(future.cause()));
                }
            });
        }

        private void fail(BackendTemplate template, String label, String reason) {
            selector.markFailed(template);
            observer.connectFailed(label, reason);
            lastFailure = label + ": " + reason;
            next();
        }
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
