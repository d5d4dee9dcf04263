package io.snipool.core.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.snipool.core.accept.ClientConnection;
import io.snipool.core.accept.ConnectionHandler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TcpConfig;
import io.vertx.core.net.impl.tcp.NetServerImpl;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * One event loop's own listening socket ({@code SO_REUSEPORT}, socket(7)): the loop accepts its connections itself
 * and serves each for its whole life, as HAProxy's per-thread listeners do. Vert.x's {@code NetServer} binds one
 * socket per address, accepts on a thread of its own and hands every connection to an event loop, a cross-thread
 * wake-up per connection.
 *
 * <p>An accepted channel becomes a {@link ClientConnection} on plain Netty: no Vert.x {@code NetSocket} (about
 * 1.3 KiB of heap per connection, which an idle tunnel would keep for hours). The pipeline ends in
 * {@link PipelineEnd}, the anchor the protocol handlers go in front of; with {@code proxy_protocol_in} the PROXY
 * header is read first ({@link ProxyHeaderIn}).
 *
 * <p>The kernel spreads new connections over the sockets of a port by a hash of the addresses, which a few
 * long-lived connections can leave uneven (25 to 34 of 50 keep-alive connections on one of two loops). So a loop
 * that holds clearly more of the listener's connections than another ({@link Siblings#lighter}) hands a new one to
 * that loop: the only cross-thread step of this path, taken only while the loops are uneven, and not while the loop
 * accepts far more connections than it holds ({@link Churn}): many short connections the hash evens out by itself.
 *
 * <p>A socket that closes
 * loses the connections queued on it and not yet accepted (unless {@code net.ipv4.tcp_migrate_req} is 1); so did
 * the one shared socket before, so a drain or a reload loses no more than it did.
 *
 * <p>Everything but {@link #listen} and {@link #shutdown} runs on the loop: the open connections need no lock.
 */
final class LoopAcceptor {

    private final ContextInternal context;
    private final EventLoop loop;
    private final ConnectionHandler connections;
    private final Duration proxyHeaderTimeout;
    private final Siblings siblings;
    /** Told of each connection this loop hands to another, on this loop. */
    private final Runnable handedOver;
    private final Churn churn;
    /**
     * The listener's connections this loop serves or is about to (handed over, not yet registered): raised by the
     * loop that chose this one, on any thread; lowered here when a connection closes.
     */
    private final AtomicInteger load = new AtomicInteger();
    /** Every accepted channel's first handler, whichever loop accepted it. */
    private final ChannelInitializer<Channel> initializer = new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel channel) {
            accepted(channel);
        }
    };
    /** Every channel accepted and not yet closed; its connection, or null while its PROXY header is awaited. */
    private final Map<Channel, ClientConnection> open = new HashMap<>();
    /** One listener for every channel's close: a connection costs no listener object of its own. */
    private final ChannelFutureListener forget = closed -> closed(((ChannelFuture) closed).channel());
    /** Shutdowns waiting for the listening socket and every connection to close. */
    private final List<Promise<Void>> shutdowns = new ArrayList<>();
    private Channel listening;
    /** The bootstrap's options for accepted sockets, set on those handed to this loop by another. */
    private Map<ChannelOption<?>, Object> childOptions = Map.of();
    private boolean draining;
    private boolean listeningClosed;
    private ScheduledFuture<?> closeTheRest;

    /**
     * @param connections        told of each connection, on the loop
     * @param proxyHeaderTimeout with the PROXY protocol, how long its header may take; null without it
     * @param siblings           the listener's acceptors on the other loops, this one joins once bound
     * @param handedOver         told of each connection this loop accepted and handed to another
     */
    LoopAcceptor(ContextInternal context, ConnectionHandler connections, Duration proxyHeaderTimeout,
                 Siblings siblings, Runnable handedOver) {
        this(context, connections, proxyHeaderTimeout, siblings, handedOver, System::nanoTime);
    }

    /** @param clock nanoseconds, for {@link Churn}'s window */
    LoopAcceptor(ContextInternal context, ConnectionHandler connections, Duration proxyHeaderTimeout,
                 Siblings siblings, Runnable handedOver, LongSupplier clock) {
        this.context = context;
        this.loop = context.nettyEventLoop();
        this.connections = connections;
        this.proxyHeaderTimeout = proxyHeaderTimeout;
        this.siblings = siblings;
        this.handedOver = handedOver;
        this.churn = new Churn(clock);
    }

    /** The loop this acceptor accepts and serves on. */
    EventLoop loop() {
        return loop;
    }

    /** The listener's connections this loop serves, and those on their way to it. */
    int load() {
        return load.get();
    }

    /** Whether Vert.x runs on a transport whose sockets take {@code SO_REUSEPORT} (epoll, io_uring; not NIO). */
    static boolean supported(VertxInternal vertx) {
        return vertx.isNativeTransportEnabled();
    }

    /** Binds {@code host:port} on this loop; completes with the port bound (another than 0 when 0 was asked). */
    Future<Integer> listen(String host, int port) {
        var transport = context.owner().transport();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loop, loop)
                .handler(new Balancer())
                .childHandler(initializer);
        // The transport's own server options: TCP_DEFER_ACCEPT where the application wraps it to add that.
        transport.configure(new TcpConfig(), false, bootstrap);
        bootstrap.option(ChannelOption.SO_REUSEADDR, true).option(UnixChannelOption.SO_REUSEPORT, true);
        // Netty's native channels enable TCP_NODELAY when made and SO_KEEPALIVE is off by default: writing
        // either again (as the transport's child options would) is a system call per connection for nothing.
        bootstrap.childOption(ChannelOption.TCP_NODELAY, null).childOption(ChannelOption.SO_KEEPALIVE, null)
                .childOption(ChannelOption.SO_LINGER, null);
        // Resolves the host as NetServer does and takes the transport's server channel.
        PromiseInternal<Channel> bound = context.promise();
        NetServerImpl.resolveAndBind(context, SocketAddress.inetSocketAddress(port, host), bootstrap)
                .addListener(bound);
        return bound.future().map(channel -> {
            listening = channel;
            childOptions = bootstrap.config().childOptions();
            siblings.join(this);
            return ((InetSocketAddress) channel.localAddress()).getPort();
        });
    }

    /**
     * On the listening socket, before Netty's acceptor: a connection stays on this loop (Netty registers it here)
     * unless another loop of the listener is clearly lighter; then it is registered there, as Netty would have
     * registered it here.
     */
    private final class Balancer extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            LoopAcceptor target = churn.acceptedShortLived(load.get()) ? LoopAcceptor.this
                    : siblings.lighter(LoopAcceptor.this);
            target.load.incrementAndGet();
            if (target == LoopAcceptor.this) {
                ctx.fireChannelRead(child);
                return;
            }
            handedOver.run();
            child.config().setOptions(childOptions);
            child.pipeline().addLast(target.initializer);
            target.loop.register(child).addListener(registered -> {
                if (!registered.isSuccess()) {
                    target.load.decrementAndGet();
                    child.unsafe().closeForcibly();
                }
            });
        }
    }

    private void accepted(Channel channel) {
        channel.closeFuture().addListener(forget);
        if (draining) {
            channel.close();
            return;
        }
        open.put(channel, null);
        if (proxyHeaderTimeout == null) {
            connected(channel, null, null);
            return;
        }
        // The decoder closes the channel on a bad header, the idle handler's event (taken by ProxyHeaderIn) on
        // none in time.
        IdleStateHandler deadline = new IdleStateHandler(0, 0, proxyHeaderTimeout.toMillis(), TimeUnit.MILLISECONDS);
        channel.pipeline().addLast(new HAProxyMessageDecoder(), deadline, new ProxyHeaderIn((source, target) -> {
            channel.pipeline().remove(deadline);
            connected(channel, source, target);
        }));
    }

    /**
     * @param remote what the PROXY header named as the client, or null for the socket's peer
     * @param local  what it named as the address connected to, or null for the socket's own
     */
    private void connected(Channel channel, InetSocketAddress remote, InetSocketAddress local) {
        if (draining || !open.containsKey(channel)) {
            channel.close();
            return;
        }
        channel.pipeline().addLast(PipelineEnd.NAME, PipelineEnd.INSTANCE);
        ClientConnection connection = new ClientConnection(channel, PipelineEnd.NAME,
                remote != null ? remote : (InetSocketAddress) channel.remoteAddress(), local);
        open.put(channel, connection);
        connections.handle(connection);
    }

    private void closed(Channel channel) {
        load.decrementAndGet();
        open.remove(channel);
        if (draining) {
            completeIfDrained();
        }
    }

    /**
     * Stops accepting at once (the socket is closed, so the address is free when this completes for every loop),
     * then tells each open connection ({@link ClientConnection#drain}) and closes what is left after
     * {@code timeout}; completes when the last connection has closed. A second call (a stop after a graceful
     * shutdown) may shorten the time left, never lengthen it.
     */
    Future<Void> shutdown(Duration timeout) {
        siblings.leave(this);
        PromiseInternal<Void> done = context.promise();
        loop.execute(() -> shutdownOnLoop(timeout, done));
        return done.future();
    }

    private void shutdownOnLoop(Duration timeout, Promise<Void> done) {
        shutdowns.add(done);
        if (!draining) {
            draining = true;
            if (listening == null) {
                listeningClosed = true;
            } else {
                listening.close().addListener(closed -> {
                    listeningClosed = true;
                    completeIfDrained();
                });
            }
            // A drain may close its connection at once: the map must not change under the loop.
            for (Map.Entry<Channel, ClientConnection> entry : List.copyOf(open.entrySet())) {
                if (entry.getValue() == null) {
                    entry.getKey().close();
                } else {
                    entry.getValue().drain(timeout);
                }
            }
        }
        if (timeout.isZero()) {
            closeTheRest();
        } else if (closeTheRest == null || closeTheRest.getDelay(TimeUnit.NANOSECONDS) > timeout.toNanos()) {
            if (closeTheRest != null) {
                closeTheRest.cancel(false);
            }
            closeTheRest = loop.schedule(this::closeTheRest, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        completeIfDrained();
    }

    private void closeTheRest() {
        for (Channel channel : List.copyOf(open.keySet())) {
            channel.close();
        }
    }

    private void completeIfDrained() {
        if (!listeningClosed || !open.isEmpty()) {
            return;
        }
        if (closeTheRest != null) {
            closeTheRest.cancel(false);
        }
        List<Promise<Void>> waiting = List.copyOf(shutdowns);
        shutdowns.clear();
        waiting.forEach(Promise::tryComplete);
    }

    /**
     * A listener's acceptors, one per event loop, each bound and not shutting down: where a loop may hand a new
     * connection. Read on every accept, changed only at bind and shutdown.
     */
    static final class Siblings {

        private volatile LoopAcceptor[] acceptors = new LoopAcceptor[0];

        /**
         * The lightest of the acceptors if {@code self}'s load exceeds it by more than {@link #slack}; else
         * {@code self}.
         */
        LoopAcceptor lighter(LoopAcceptor self) {
            int own = self.load.get();
            LoopAcceptor lightest = self;
            int least = own;
            for (LoopAcceptor other : acceptors) {
                int load = other.load.get();
                if (load < least) {
                    least = load;
                    lightest = other;
                }
            }
            return own - least > slack(own) ? lightest : self;
        }

        /**
         * How much heavier than the lightest loop a loop may be and keep its new connections: two connections, and
         * an eighth of its load beyond that, so that short connections opening and closing at random rarely cross
         * threads while a lasting imbalance (30 against 20) is evened out to within a few connections.
         */
        static int slack(int load) {
            return 2 + load / 8;
        }

        synchronized void join(LoopAcceptor acceptor) {
            LoopAcceptor[] grown = Arrays.copyOf(acceptors, acceptors.length + 1);
            grown[acceptors.length] = acceptor;
            acceptors = grown;
        }

        synchronized void leave(LoopAcceptor acceptor) {
            acceptors = Arrays.stream(acceptors).filter(a -> a != acceptor).toArray(LoopAcceptor[]::new);
        }
    }

    /**
     * How fast connections arrive at a loop's socket: its accepts in the current second and the one before. A loop
     * that accepted more than twice as many in either as it now holds open serves short connections (one request
     * each, say), which the kernel's hash spreads evenly by their number; handing them over would cost a
     * cross-thread wake-up on many of them (a third, with 50 clients sending {@code Connection: close}) for
     * nothing. A burst of long-lived connections (a load balancer's, a benchmark's) is still evened out: each stays
     * open, so the loop holds about as many as it accepted. On the loop only.
     */
    static final class Churn {

        static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

        private final LongSupplier clock;
        private long windowStart;
        private int accepts;
        private int acceptsBefore;

        Churn(LongSupplier clock) {
            this.clock = clock;
            this.windowStart = clock.getAsLong();
        }

        /** Counts an accept; whether, before it, more than twice {@code open} arrived in this second or the last. */
        boolean acceptedShortLived(int open) {
            roll();
            boolean shortLived = Math.max(accepts, acceptsBefore) > 2 * open;
            accepts++;
            return shortLived;
        }

        private void roll() {
            long now = clock.getAsLong();
            long elapsed = now - windowStart;
            if (elapsed >= WINDOW_NANOS) {
                acceptsBefore = elapsed < 2 * WINDOW_NANOS ? accepts : 0;
                accepts = 0;
                windowStart = now;
            }
        }
    }
}
