package io.snipool.core.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.snipool.config.HostPort;
import io.snipool.config.InetLiterals;
import io.snipool.core.loop.ChannelTransport;
import io.snipool.core.loop.TransportRepairs;
import io.snipool.core.route.TargetPolicy;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Opens one TCP connection to one backend address on one event loop: resolves a name without blocking, applies
 * the private-address policy to dynamic targets, and connects to the very address that was approved (never to a
 * second lookup of the name, which DNS rebinding could answer differently). The channel it hands over has
 * auto-read off and an empty pipeline.
 */
public final class TargetConnector {

    /** Exactly one of the two is called, on the connector's event loop. */
    public interface Callback {
        void connected(Channel channel);

        void failed(String reason);
    }

    private static final ChannelInitializer<Channel> TRANSPORT_HANDLERS = new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel channel) {
            // Only what the transport needs; the caller installs its own handlers once connected.
            TransportRepairs.install(channel);
        }
    };

    private final EventLoop loop;
    private final HostResolver resolver;
    private final Bootstrap bootstrap;
    /**
     * The configured backends given as IP literals, parsed once: a connection does not parse the text again, and
     * every tunnel to a backend shares its address. As many as the configurations this loop has served name.
     */
    private final Map<HostPort, InetSocketAddress> literals = new HashMap<>();

    public TargetConnector(EventLoop loop, ChannelFactory<? extends Channel> channels, HostResolver resolver,
                           Duration connectTimeout) {
        this.loop = loop;
        this.resolver = resolver;
        this.bootstrap = new Bootstrap().group(loop).channelFactory(channels).handler(TRANSPORT_HANDLERS)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        connectTimeout.toMillis()))
                // No TCP_NODELAY: every Netty socket channel (io_uring, epoll, NIO) enables it when made, and
                // setting it again would be a system call per backend connection for nothing.
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.AUTO_READ, false);
    }

    public EventLoop loop() {
        return loop;
    }

    /**
     * Connects to {@code address}. Once {@code cancelled} answers true, no connect starts, one that completes is
     * closed, and the callback is not called.
     *
     * @param dynamic             the address was expanded from a template: check it against the policy
     * @param allowPrivateTargets the route's {@code allow_private_targets}
     */
    public void connect(HostPort address, boolean dynamic, boolean allowPrivateTargets, BooleanSupplier cancelled,
                        Callback callback) {
        if (!dynamic) {
            InetSocketAddress literal = literals.get(address);
            if (literal == null && InetLiterals.isIpLiteral(address.host())) {
                literal = new InetSocketAddress(named(address.host(), InetLiterals.parse(address.host())),
                        address.port());
                literals.put(address, literal);
            }
            if (literal != null) {
                open(literal, cancelled, callback, false);
                return;
            }
        }
        resolver.resolve(address.host(), loop, new HostResolver.Callback() {
            @Override
            public void resolved(List<InetAddress> addresses) {
                if (cancelled.getAsBoolean()) {
                    return; // the lookup outlived its caller: no connect may start from it
                }
                InetAddress chosen;
                if (dynamic) {
                    TargetPolicy.Decision decision = TargetPolicy.check(allowPrivateTargets, addresses);
                    if (decision instanceof TargetPolicy.Refused refused) {
                        callback.failed(refused.reason());
                        return;
                    }
                    chosen = ((TargetPolicy.Permitted) decision).first();
                } else if (addresses.isEmpty()) {
                    callback.failed("no addresses for " + address.host());
                    return;
                } else {
                    chosen = addresses.get(0);
                }
                open(new InetSocketAddress(chosen, address.port()), cancelled, callback, false);
            }

            @Override
            public void failed(Throwable cause) {
                if (!cancelled.getAsBoolean()) {
                    callback.failed("cannot resolve " + address.host() + ": " + cause.getMessage());
                }
            }
        });
    }

    /**
     * {@code parsed} carrying its literal as its host name. Netty gives each connected channel a remote address named
     * after the one it was asked to connect to, and asks for that name: without one, the address is formatted into a
     * new string per connection, which an idle tunnel then keeps. A scoped IPv6 literal stays as parsed (its scope
     * would not survive the copy).
     */
    static InetAddress named(String literal, InetAddress parsed) {
        if (parsed instanceof Inet6Address v6 && (v6.getScopeId() != 0 || v6.getScopedInterface() != null)) {
            return parsed;
        }
        try {
            return InetAddress.getByAddress(literal, parsed.getAddress());
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException("an address of " + parsed.getAddress().length + " bytes", impossible);
        }
    }

    private void open(InetSocketAddress address, BooleanSupplier cancelled, Callback callback, boolean again) {
        var connecting = bootstrap.connect(address);
        connecting.addListener(future -> {
            if (cancelled.getAsBoolean()) {
                connecting.channel().close();
            } else if (future.isSuccess()) {
                callback.connected(connecting.channel());
            } else if (!again && closedByAStaleEvent(connecting.channel(), future.cause())) {
                open(address, cancelled, callback, true);
            } else {
                String message = future.cause().getMessage();
                callback.failed(message == null ? future.cause().getClass().getSimpleName() : message);
            }
        });
    }

    /**
     * On epoll, a connect that ended with its channel closed under it, not refused or timed out: most likely a closed
     * connection's event that Netty handed to this one, which reused its descriptor number in the same batch of
     * events, and whose {@code EPOLLRDHUP} made Netty close a channel not yet connected (see
     * {@link io.snipool.core.loop.EpollRegistrationRepair}). Nothing was sent yet, so the connect is tried once more,
     * on a new socket. Two dials in about 300,000 under TlsTunnelTest's churn on epoll. (A loop shutting down closes
     * channels too; its second connect fails the same way, within the connect timeout.)
     */
    private static boolean closedByAStaleEvent(Channel channel, Throwable cause) {
        return cause instanceof ClosedChannelException && ChannelTransport.of(channel) == ChannelTransport.EPOLL;
    }
}
