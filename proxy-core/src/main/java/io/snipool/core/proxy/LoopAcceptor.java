package io.snipool.core.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.snipool.core.accept.ClientConnection;
import io.snipool.core.accept.ConnectionHandler;
import io.snipool.core.loop.TransportRepairs;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
 * <p>The kernel spreads new connections over the sockets of a port by a hash of the addresses. A socket that closes
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
    /** Every channel accepted and not yet closed; its connection, or null while its PROXY header is awaited. */
    private final Map<Channel, ClientConnection> open = new HashMap<>();
    /** One listener for every channel's close: a connection costs no listener object of its own. */
    private final ChannelFutureListener forget = closed -> closed(((ChannelFuture) closed).channel());
    /** Shutdowns waiting for the listening socket and every connection to close. */
    private final List<Promise<Void>> shutdowns = new ArrayList<>();
    private Channel listening;
    private boolean draining;
    private boolean listeningClosed;
    private ScheduledFuture<?> closeTheRest;

    /**
     * @param connections        told of each connection, on the loop
     * @param proxyHeaderTimeout with the PROXY protocol, how long its header may take; null without it
     */
    LoopAcceptor(ContextInternal context, ConnectionHandler connections, Duration proxyHeaderTimeout) {
        this.context = context;
        this.loop = context.nettyEventLoop();
        this.connections = connections;
        this.proxyHeaderTimeout = proxyHeaderTimeout;
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
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        accepted(channel);
                    }
                });
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
            return ((InetSocketAddress) channel.localAddress()).getPort();
        });
    }

    private void accepted(Channel channel) {
        if (draining) {
            channel.close();
            return;
        }
        open.put(channel, null);
        channel.closeFuture().addListener(forget);
        TransportRepairs.install(channel);
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
}
