package io.snipool.core.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.snipool.config.InetLiterals;
import io.snipool.config.ListenerConfig;
import io.snipool.core.accept.ClientConnection;
import io.snipool.core.accept.ConnectionHandler;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import io.snipool.core.loop.TransportRepairs;
import io.snipool.core.metrics.ProxyMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One event loop's share of a listener: accepts client connections and hands each to the listener's protocol
 * handler. Vert.x deploys one instance per event loop; each connection lives on one loop for its whole life.
 * Per {@link ListenerBinding}, each instance accepts on a socket of its own ({@link LoopAcceptor}, the default on
 * the native transports), or all share Vert.x's one socket and Vert.x spreads the accepted connections.
 */
public final class ListenerVerticle extends VerticleBase {

    private final ListenerConfig listener;
    private final ListenerBinding binding;
    private final Duration proxyHeaderTimeout;
    private final ConnectionLimiter limiter;
    private final LiveListener live;
    private final RefusalLog refusalLog;
    private final ProxyMetrics.ListenerMeters meters;
    /** Made once: a flood of refusals allocates nothing. */
    private static final Failure OVER_LIMIT = Failure.of(FailureKind.OVER_LIMIT,
            "limits.max_connections connections are open");

    private final ConnectionHandler.Factory handlers;
    private ConnectionHandler handler;
    private NetServer server;
    private LoopAcceptor acceptor;
    private volatile int actualPort;

    /**
     * @param binding            how the instances of this listener bind its address
     * @param proxyHeaderTimeout with {@code proxy_protocol_in}, how long the PROXY header may take to arrive
     */
    public ListenerVerticle(LiveListener live, ListenerBinding binding, Duration proxyHeaderTimeout,
                            ConnectionLimiter limiter, RefusalLog refusalLog, ConnectionHandler.Factory handlers) {
        this.listener = live.config();
        this.binding = binding;
        this.proxyHeaderTimeout = proxyHeaderTimeout;
        this.limiter = limiter;
        this.live = live;
        this.refusalLog = refusalLog;
        this.meters = live.meters();
        this.handlers = handlers;
    }

    @Override
    public Future<?> start() {
        ContextInternal loopContext = (ContextInternal) context;
        handler = handlers.create(loopContext.nettyEventLoop());
        if (binding instanceof ListenerBinding.PerLoop perLoop) {
            acceptor = new LoopAcceptor(loopContext, this::accept,
                    listener.proxyProtocolIn() ? proxyHeaderTimeout : null);
            return perLoop.bind(loopContext, port -> acceptor.listen(listener.bind().host(), port))
                    .onSuccess(port -> actualPort = port);
        }
        NetServerOptions options = new NetServerOptions()
                .setHost(listener.bind().host())
                .setPort(((ListenerBinding.Shared) binding).port())
                .setTcpNoDelay(true)
                .setReuseAddress(true)
                .setUseProxyProtocol(listener.proxyProtocolIn())
                .setProxyProtocolTimeout(proxyHeaderTimeout.toMillis())
                .setProxyProtocolTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS);
        server = vertx.createNetServer(options).connectHandler(this::acceptShared);
        return server.listen().onSuccess(bound -> actualPort = bound.actualPort());
    }

    /** The port actually bound (differs from the configured one for {@code :0}). */
    public int actualPort() {
        return actualPort;
    }

    /**
     * Client lists and per-client limits first, so a refused client never takes one of the process-wide slots;
     * then {@code limits.max_connections}.
     */
    private void accept(ClientConnection connection) {
        InetAddress client = connection.remoteAddress().getAddress();
        ClientAdmission.Decision decision = live.admission().admit(client);
        if (decision instanceof ClientAdmission.Refused refused) {
            refuse(connection, refused.failure(), client);
            return;
        }
        ClientAdmission.Ticket ticket = ((ClientAdmission.Admitted) decision).ticket();
        if (!limiter.tryAcquire()) {
            ticket.release();
            refuse(connection, OVER_LIMIT, client);
            return;
        }
        meters.opened();
        connection.channel().closeFuture().addListener(ignored -> {
            limiter.release();
            ticket.release();
            meters.closed();
        });
        handler.handle(connection);
    }

    /**
     * A connection Vert.x's {@code NetServer} accepted: the same connection, its handlers in front of Vert.x's,
     * its addresses as Vert.x read them (from the PROXY header when there was one), its drain Vert.x's shutdown.
     */
    private void acceptShared(NetSocket socket) {
        ChannelHandlerContext anchor = ((NetSocketInternal) socket).channelHandlerContext();
        TransportRepairs.install(anchor.channel());
        ClientConnection connection = new ClientConnection(anchor.channel(), anchor.name(),
                inet(socket.remoteAddress()), inet(socket.localAddress()));
        socket.shutdownHandler(connection::drain);
        accept(connection);
    }

    private static InetSocketAddress inet(SocketAddress address) {
        return new InetSocketAddress(InetLiterals.parse(address.hostAddress()), address.port());
    }

    private void refuse(ClientConnection connection, Failure failure, InetAddress client) {
        meters.refused(failure.kind());
        refusalLog.refused(client, failure.kind().outcome());
        connection.channel().close();
    }

    /**
     * Stops accepting at once and gives open connections up to {@code timeout} to end: each connection's handler
     * is told ({@link ClientConnection#drain}) and may finish what it is doing; the rest are closed when it elapses.
     */
    public Future<Void> shutdown(Duration timeout) {
        if (acceptor != null) {
            return acceptor.shutdown(timeout);
        }
        return server == null ? Future.succeededFuture() : server.shutdown(timeout);
    }

    @Override
    public Future<?> stop() {
        if (acceptor != null) {
            return acceptor.shutdown(Duration.ZERO);
        }
        return server == null ? Future.succeededFuture() : server.close();
    }
}
