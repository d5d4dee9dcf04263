package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.snipool.config.BackendTemplate;
import io.snipool.config.ListenerConfig;
import io.snipool.config.RouteConfig;
import io.snipool.core.accept.ClientConnection;
import io.snipool.core.accept.ConnectionHandler;
import io.snipool.core.health.BackendHealth;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.route.BackendSelector;
import io.snipool.core.route.BackendStates;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One event loop's share of an HTTP listener: puts the HTTP handlers in front of Vert.x's in each client
 * pipeline and starts a {@link ClientSession}. Holds the loop's backend pool and the per-route backend selectors.
 * Not thread-safe; every connection it handles lives on its loop.
 */
public final class HttpProxy implements ConnectionHandler {

    static final String DECODER = "snipool-request-decoder";
    static final String ENCODER = "snipool-response-encoder";
    static final String FLOW = "snipool-flow";

    private final Supplier<HttpListener> current;
    private final EventLoop loop;
    private final HttpPools pools;
    private final BackendHealth health;
    private final LoopPools pool;
    private final RequestIds requestIds = new RequestIds();
    private HttpListener selectorsFor;
    private BackendSelector[] selectors;

    /**
     * @param current the listener's configuration now; a reload replaces it, and new requests use the new one
     * @param health  what selection consults, and what exchanges report their outcomes to
     */
    public HttpProxy(Supplier<HttpListener> current, EventLoop loop, HttpPools pools, BackendHealth health) {
        this.current = current;
        this.loop = loop;
        this.pools = pools;
        this.health = health;
        this.pool = pools.forLoop(loop);
        prewarm(current.get());
    }

    /** This loop's balancing state for the routes of {@code listener}, rebuilt when a reload replaced them. */
    BackendSelector[] selectors(HttpListener listener) {
        if (listener != selectorsFor) {
            if (selectorsFor != null) {
                prewarm(listener); // a reload may have brought backends to keep warm
            }
            selectorsFor = listener;
            selectors = BackendSelector.forRoutes(listener.routes().routes(),
                    routeIndex -> health.view(listener.routes().routes().get(routeIndex)));
        }
        return selectors;
    }

    /**
     * Makes the backends of routes with {@code min_idle_per_host} known to this loop's pool, so their connections
     * are opened before the first request: those whose key needs no request (static, and with a fixed SNI if TLS).
     * Template backends, and TLS backends whose SNI is per request, are known only once a request asks for one.
     */
    void prewarm(HttpListener listener) {
        List<RouteConfig> routes = listener.routes().routes();
        for (int i = 0; i < routes.size(); i++) {
            RouteConfig route = routes.get(i);
            if (route.pool().enabled() && route.pool().minIdlePerHost() > 0) {
                for (BackendTemplate backend : route.backends()) {
                    listener.keyMaker(i, backend).fixedKey().ifPresent(key -> pool.prewarm(key, route.pool()));
                }
            }
        }
    }

    @Override
    public void handle(ClientConnection connection) {
        current.get().meters().outcome(ProxyMetrics.Outcome.ACCEPTED);
        start(connection, Optional.empty());
    }

    /**
     * Takes over a client connection whose TLS snipool terminated (the {@code SslHandler} is in its pipeline and
     * the handshake is done): from here it is an HTTP client connection like any other, whose requests must stay
     * within the names its certificate covers.
     */
    public void handleTerminated(ClientConnection connection, TerminatedTls tls) {
        SslHandler ssl = connection.channel().pipeline().get(SslHandler.class);
        if (ssl != null && ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
            // The client chose h2 in ALPN (RFC 9113 §3.2); any other choice, or none, is HTTP/1.1.
            startHttp2(connection, connection.anchor(), Optional.of(tls));
        } else {
            start(connection, Optional.of(tls));
        }
    }

    /** Serves {@code client} as HTTP/2, its handlers in front of {@code before}. */
    private void startHttp2(ClientConnection client, String before, Optional<TerminatedTls> tls) {
        if (client.channel().eventLoop() != loop) {
            throw new IllegalStateException("connection on a foreign event loop");
        }
        Http2ClientConnection connection = Http2ClientConnection.start(this, client.channel(), before,
                client.remoteHost(), client.remoteLabel(), tls);
        client.onDrain(connection::drain);
    }

    private void start(ClientConnection client, Optional<TerminatedTls> tls) {
        Channel channel = client.channel();
        if (channel.eventLoop() != loop) {
            throw new IllegalStateException("connection on a foreign event loop");
        }
        HttpListener listener = current.get();
        // Reads are pulled one message at a time by the session (through the flow-control handler).
        channel.config().setAutoRead(false);
        // A client's FIN ends its requests, not the connection: the responses still go back (ClientSession). The
        // native transports report the FIN at once, reading ahead of the session, so without this a client that
        // half-closed after its request would lose the response.
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        ClientResponseEncoder encoder = new ClientResponseEncoder();
        ClientSession session = new ClientSession(this, channel, client.remoteHost(), client.remoteLabel(), encoder,
                tls);
        client.onDrain(timeout -> session.drain());
        String anchor = client.anchor();
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addBefore(anchor, DECODER, new StrictRequestDecoder(listener.limits().maxRequestHeadBytes(),
                listener.limits().maxHeaders(), session));
        pipeline.addBefore(anchor, ENCODER, encoder);
        pipeline.addBefore(anchor, FLOW, new FlowControlHandler());
        pipeline.addBefore(anchor, ClientSession.NAME, session);
        if (tls.isEmpty() && listener.config().http2() == ListenerConfig.Http2.PRIOR_KNOWLEDGE) {
            // h2c with prior knowledge: the first bytes say which protocol the connection speaks.
            pipeline.addBefore(DECODER, H2cPrefaceSniffer.NAME, new H2cPrefaceSniffer(context -> {
                session.handOverToHttp2();
                pipeline.remove(DECODER);
                pipeline.remove(ENCODER);
                pipeline.remove(FLOW);
                pipeline.remove(ClientSession.NAME);
                startHttp2(client, anchor, Optional.empty());
            }));
        }
        session.start();
    }

    /** The listener's configuration now. */
    HttpListener listener() {
        return current.get();
    }

    LoopPools pool() {
        return pool;
    }

    /** This loop's request ids. */
    RequestIds requestIds() {
        return requestIds;
    }

    HttpPools pools() {
        return pools;
    }

    BackendHealth health() {
        return health;
    }
}
