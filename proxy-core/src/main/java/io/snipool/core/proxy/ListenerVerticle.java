package io.snipool.core.proxy;

import io.snipool.config.ListenerConfig;
import io.snipool.core.metrics.ProxyMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;

/**
 * One event loop's share of a listener: accepts client connections and hands each to the listener's protocol
 * handler. Vert.x deploys one instance per event loop; instances binding the same address share one socket
 * and Vert.x spreads accepted connections over them, so each connection lives on one loop for its whole life.
 */
public final class ListenerVerticle extends VerticleBase {

    private final ListenerConfig listener;
    private final int port;
    private final ConnectionLimiter limiter;
    private final ProxyMetrics.ListenerMeters meters;
    private final ConnectionHandler handler;
    private NetServer server;

    /**
     * @param port the port to bind: the configured one, or for {@code :0} the port the first instance was given,
     *             so later instances share its socket
     */
    public ListenerVerticle(ListenerConfig listener, int port, ConnectionLimiter limiter,
                            ProxyMetrics.ListenerMeters meters, ConnectionHandler handler) {
        this.listener = listener;
        this.port = port;
        this.limiter = limiter;
        this.meters = meters;
        this.handler = handler;
    }

    @Override
    public Future<?> start() {
        NetServerOptions options = new NetServerOptions()
                .setHost(listener.bind().host())
                .setPort(port)
                .setTcpNoDelay(true)
                .setReuseAddress(true);
        server = vertx.createNetServer(options).connectHandler(this::accept);
        return server.listen();
    }

    /** The port actually bound (differs from the configured one for {@code :0}). */
    public int actualPort() {
        return server.actualPort();
    }

    private void accept(NetSocket socket) {
        if (!limiter.tryAcquire()) {
            meters.overLimit();
            socket.close();
            return;
        }
        meters.accepted();
        socket.closeHandler(ignored -> {
            limiter.release();
            meters.closed();
        });
        handler.handle(socket);
    }

    @Override
    public Future<?> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
