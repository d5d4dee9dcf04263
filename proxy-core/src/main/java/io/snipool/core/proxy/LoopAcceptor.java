package io.snipool.core.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TcpConfig;
import io.vertx.core.net.impl.ConnectionGroup;
import io.vertx.core.net.impl.HAProxyMessageCompletionHandler;
import io.vertx.core.net.impl.VertxHandler;
import io.vertx.core.net.impl.tcp.NetServerImpl;
import io.vertx.core.net.impl.tcp.NetSocketImpl;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One event loop's own listening socket ({@code SO_REUSEPORT}, socket(7)): the loop accepts its connections itself
 * and serves each for its whole life, as HAProxy's per-thread listeners do. Vert.x's {@code NetServer} binds one
 * socket per address, accepts on a thread of its own and hands every connection to an event loop, a cross-thread
 * wake-up per connection. Each accepted channel becomes the same Vert.x {@link NetSocket} {@code NetServer} would
 * have made (its {@link VertxHandler} named {@code handler}, on the verticle's context), so the protocol handlers
 * downstream are unchanged.
 *
 * <p>The kernel spreads new connections over the sockets of a port by a hash of the addresses. A socket that closes
 * loses the connections queued on it and not yet accepted (unless {@code net.ipv4.tcp_migrate_req} is 1); so did
 * the one shared socket before, so a drain or a reload loses no more than it did.
 */
final class LoopAcceptor {

    /** What {@code NetServer} calls the handler holding the connection; the protocol handlers add theirs before it. */
    static final String HANDLER_NAME = "handler";

    private final ContextInternal context;
    private final Handler<NetSocket> connections;
    private final Duration proxyHeaderTimeout;
    private final Connections open;
    private Channel listening;

    /**
     * @param proxyHeaderTimeout with the PROXY protocol, how long its header may take; null without it
     */
    LoopAcceptor(ContextInternal context, Handler<NetSocket> connections, Duration proxyHeaderTimeout) {
        this.context = context;
        this.connections = connections;
        this.proxyHeaderTimeout = proxyHeaderTimeout;
        this.open = new Connections(context.nettyEventLoop());
    }

    /** Whether Vert.x runs on a transport whose sockets take {@code SO_REUSEPORT} (epoll, io_uring; not NIO). */
    static boolean supported(VertxInternal vertx) {
        return vertx.isNativeTransportEnabled();
    }

    /** Binds {@code host:port} on this loop; completes with the port bound (another than 0 when 0 was asked). */
    Future<Integer> listen(String host, int port) {
        EventLoop loop = context.nettyEventLoop();
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
        open.add(channel);
        if (proxyHeaderTimeout == null) {
            connected(channel);
            return;
        }
        // As NetServer does it: the decoder fails and closes the channel on a bad header, the idle handler on
        // none in time; the completion handler records the addresses the header names.
        io.netty.util.concurrent.Promise<Channel> header = channel.eventLoop().newPromise();
        IdleStateHandler deadline = new IdleStateHandler(0, 0, proxyHeaderTimeout.toMillis(), TimeUnit.MILLISECONDS);
        channel.pipeline().addLast(new HAProxyMessageDecoder(), deadline, new HAProxyMessageCompletionHandler(header));
        header.addListener(done -> {
            if (done.isSuccess()) {
                channel.pipeline().remove(deadline);
                connected(channel);
            }
        });
    }

    private void connected(Channel channel) {
        VertxHandler<NetSocketImpl> handler = VertxHandler.create(ctx -> new NetSocketImpl(context, ctx, null, null,
                null, false));
        handler.addHandler(socket -> context.emit(socket, connections));
        channel.pipeline().addLast(HANDLER_NAME, handler);
    }

    /**
     * Stops accepting at once (the socket is closed, so the address is free when this completes for every loop),
     * then tells each open connection ({@link NetSocket#shutdownHandler}) and closes what is left after
     * {@code timeout}; completes when the last connection has closed.
     */
    Future<Void> shutdown(Duration timeout) {
        return open.shutdown(timeout);
    }

    /** The connections accepted on this loop, closed with the listening socket first. */
    private final class Connections extends ConnectionGroup {

        Connections(EventLoop loop) {
            super(loop);
        }

        @Override
        protected void handleShutdown(Duration timeout, Completable<Void> completion) {
            if (listening == null) {
                completion.succeed();
                return;
            }
            listening.close().addListener(closed -> completion.succeed());
        }
    }
}
