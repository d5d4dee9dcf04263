package io.snipool.core.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.snipool.config.BackendTemplate;
import io.snipool.config.HostPattern;
import io.snipool.config.HostPort;
import io.snipool.config.RouteConfig;
import io.snipool.config.TlsSettings;
import io.snipool.config.Units;
import io.snipool.core.accept.ClientConnection;
import io.snipool.core.accept.ConnectionHandler;
import io.snipool.core.accesslog.AccessRecord;
import io.snipool.core.backend.BackendDialer;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import io.snipool.core.health.BackendHealth;
import io.snipool.core.health.TrafficOutcome;
import io.snipool.core.http.HttpProxy;
import io.snipool.core.loop.Deadline;
import io.snipool.core.metrics.ProxyMetrics.Outcome;
import io.snipool.core.route.BackendSelector;
import io.snipool.core.route.BackendStates;
import io.snipool.core.route.BalanceInput;
import io.snipool.core.route.RetryRule;
import io.snipool.core.route.RouteMatch;
import io.snipool.core.termination.ServerContexts;
import io.snipool.core.tls.ClientHelloInfo;
import io.snipool.core.tls.ClientHelloReader;
import io.snipool.core.tls.HelloRejection;
import io.snipool.core.tls.HelloResult;
import io.snipool.core.tunnel.ProxyProtocolHeader;
import io.snipool.core.tunnel.TlsAlert;
import io.snipool.core.tunnel.Tunnel;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One event loop's share of a TLS listener: for each client, read the ClientHello, route by its SNI, connect to
 * a backend and tunnel the bytes untouched. Not thread-safe; every connection it handles lives on its loop.
 */
public final class TlsPassthrough implements ConnectionHandler {

    private static final Logger LOG = Logger.getLogger(TlsPassthrough.class.getName());

    /** The reason label when a hello without SNI finds no catch-all route. */
    static final String NO_SNI = "no_sni";

    private final Supplier<TlsListener> current;
    private final EventLoop loop;
    private final BackendDialer dialer;
    /** The HTTP path that terminated connections join. */
    private final HttpProxy terminated;
    private final BackendHealth health;
    private TlsListener selectorsFor;
    private BackendSelector[] selectors;

    /**
     * @param current the listener's configuration now; a reload replaces it, and new connections use the new one
     * @param health  what selection consults, and what each connect is reported to (the only outcome a tunnel of
     *                bytes it does not read can tell)
     */
    public TlsPassthrough(Supplier<TlsListener> current, EventLoop loop, BackendDialer dialer, HttpProxy terminated,
                          BackendHealth health) {
        this.current = current;
        this.loop = loop;
        this.dialer = dialer;
        this.terminated = terminated;
        this.health = health;
    }

    /** This loop's balancing state for the routes of {@code listener}, rebuilt when a reload replaced them. */
    private BackendSelector[] selectors(TlsListener listener) {
        if (listener != selectorsFor) {
            selectorsFor = listener;
            selectors = BackendSelector.forRoutes(listener.routes().routes(),
                    routeIndex -> health.view(listener.routes().routes().get(routeIndex)));
        }
        return selectors;
    }

    @Override
    public void handle(ClientConnection client) {
        if (client.channel().eventLoop() != loop) {
            throw new IllegalStateException("connection on a foreign event loop");
        }
        // Before its first read, or the hello's reads would size the tunnel's for good.
        Tunnel.sizeReads(client.channel());
        TlsListener listener = current.get();
        Connection connection = new Connection(listener, selectors(listener), client);
        client.onDrain(timeout -> connection.drain());
        connection.start();
    }

    /** One client connection, from accept to the start of its tunnel (or its refusal). */
    private final class Connection implements HelloCollector.Session, BackendDialer.Callback {
        private final TlsListener listener;
        private final BackendSelector[] selectors;
        private final ClientConnection connection;
        private final Channel client;
        private final long acceptedNanos = System.nanoTime();
        private HelloCollector collector;
        private Deadline helloTimer;
        private BackendDialer.Attempt dialing;
        private RouteConfig route;
        private BackendSelector selector;
        /** The backend this connection counts as in flight with its selector, or -1. */
        private int inFlightBackend = -1;
        /** Its label, under which its tunnel is counted in {@link BackendHealth#tunnels()}. */
        private String inFlightLabel;
        private String serverName;
        /** Backends tried for this connection: the first dial and every retry; 0 until a dial starts. */
        private int attempts;
        private boolean finished;

        Connection(TlsListener listener, BackendSelector[] selectors, ClientConnection connection) {
            this.listener = listener;
            this.selectors = selectors;
            this.connection = connection;
            this.client = connection.channel();
        }

        void start() {
            collector = new HelloCollector(new ClientHelloReader(listener.limits().maxClientHelloBytes()), this);
            client.pipeline().addBefore(connection.anchor(), HelloCollector.NAME, collector);
            helloTimer = new Deadline(loop);
            helloTimer.arm(listener.timeouts().clientHello(), this::helloTimedOut);
        }

        private void helloTimedOut() {
            if (!finished) {
                listener.meters().helloError(HelloRejection.TIMEOUT.label());
                refuse(Failure.of(FailureKind.HELLO_TIMEOUT, "no complete ClientHello within "
                        + Units.formatDuration(listener.timeouts().clientHello())), OptionalInt.empty());
            }
        }

        @Override
        public void helloDecided(HelloResult result) {
            helloTimer.dispose();
            if (result instanceof HelloResult.Invalid invalid) {
                listener.meters().helloError(invalid.reason().label());
                // The hello's own rejection decides the alert (or none, for a peer not known to speak TLS).
                refuse(Failure.of(FailureKind.HELLO_REJECTED, invalid.reason().label() + ": " + invalid.detail()),
                        invalid.reason().alertDescription());
                return;
            }
            listener.meters().helloDuration(System.nanoTime() - acceptedNanos);
            Optional<String> serverName = ((HelloResult.Done) result).hello().serverName();
            this.serverName = serverName.orElse(null);
            Optional<RouteMatch> match = serverName.isPresent() ? listener.routes().match(serverName.get())
                    : listener.routes().matchWithoutName();
            if (match.isEmpty()) {
                if (serverName.isEmpty()) {
                    listener.meters().helloError(NO_SNI);
                    refuse(Failure.of(FailureKind.NO_SNI, "a hello without SNI and no catch-all route"));
                } else {
                    refuse(Failure.of(FailureKind.UNKNOWN_NAME, "no route for '" + serverName.get() + "'"));
                }
                return;
            }
            route = match.get().route();
            // An idle tunnel keeps the name for its access-log line: the route's own string when it is the same
            // name, so that thousands of tunnels to one host share one.
            if (match.get().matchedBy() instanceof HostPattern.Exact exact && exact.name().equals(this.serverName)) {
                this.serverName = exact.name();
            }
            if (route.terminate()) {
                terminate(((HelloResult.Done) result).hello());
                return;
            }
            selector = selectors[match.get().routeIndex()];
            String routeLabel = route.hosts().get(0).toString();
            attempts = 1;
            dialing = dialer.dial(match.get(), selector, BalanceInput.ofConnection(
                    connection.remoteHost(), match.get().host()), new BackendDialer.Observer() {
                        @Override
                        public void connectFailed(String backend, String reason) {
                            listener.meters().backendConnectError(backend);
                        }

                        @Override
                        public void retrying(RetryRule.Reason reason) {
                            attempts++;
                            listener.meters().retry(routeLabel, reason.label());
                        }

                        @Override
                        public void reached(BackendTemplate backend, HostPort address, boolean connected) {
                            TrafficOutcome outcome = connected
                                    ? TrafficOutcome.SUCCESS : TrafficOutcome.CONNECT_FAILURE;
                            if (backend.isStatic()) {
                                health.observe(address, outcome);
                            } else {
                                health.observeDynamic(backend.text(), address, route.health().outlierDetection(),
                                        outcome);
                            }
                        }

                        @Override
                        public boolean ejected(HostPort address) {
                            return health.isDynamicEjected(address);
                        }
                    }, this);
        }

        /**
         * A terminating route: choose the certificate by SNI, put an {@code SslHandler} where the collector was, let
         * it read the buffered hello, and once the handshake is done hand the connection to the HTTP path.
         */
        private void terminate(ClientHelloInfo hello) {
            TlsSettings settings = listener.config().tls().orElseThrow();
            ServerContexts contexts = listener.contexts().orElseThrow();
            if (!hello.alpnProtocols().isEmpty()
                    && hello.alpnProtocols().stream().noneMatch(settings.alpn()::contains)) {
                listener.tlsMeters().handshake("no_alpn");
                refuse(Failure.of(FailureKind.NO_ALPN, "the client offers " + hello.alpnProtocols()
                        + ", snipool speaks " + settings.alpn()));
                return;
            }
            Optional<ServerContexts.Served> served = contexts.select(hello.serverName());
            if (served.isEmpty()) {
                listener.tlsMeters().handshake("unknown_name");
                refuse(Failure.of(FailureKind.NO_CERTIFICATE, "no certificate for '"
                        + hello.serverName().orElse("(no SNI)") + "' and no default certificate"));
                return;
            }
            finished = true;
            new TlsTermination(listener, connection, hello, served.get(), terminated,
                    outcome -> log(outcome, null, 0, 0)).start(client, collector);
            collector = null;
        }

        @Override
        public void connected(Channel backend, String backendLabel, int backendIndex) {
            if (finished) {
                backend.close();
                return;
            }
            finished = true;
            listener.meters().outcome(Outcome.TUNNELLED);
            // In flight from here until the tunnel closes (TunnelObserver.closed), for least_connections and
            // /api/backends.
            selector.leased(backendIndex);
            inFlightBackend = backendIndex;
            inFlightLabel = backendLabel;
            health.tunnels().opened(backendLabel);
            try {
                // Written ahead of the tunnel so that bytes_total counts only what the client sent.
                ProxyProtocolHeader.writeTo(backend, route.proxyProtocol(), connection);
                Tunnel.start(client, HelloCollector.NAME, backend, collector.takeReceived(), collector.inputEnded(),
                        listener.timeouts().idle(), new TunnelObserver(this, backendLabel));
                // The tunnel may idle for hours: let the hello's reader, its parsed hello, the cancelled timer and
                // the dial go (about half a KiB per tunnel).
                collector = null;
                helloTimer = null;
                dialing = null;
            } catch (RuntimeException e) {
                // Without this, Netty would only log the failure and leave both sockets open, unread, unbounded.
                LOG.log(Level.WARNING, "could not start the tunnel for " + connection.remoteLabel(), e);
                releaseBackend();
                backend.close();
                client.close();
            }
        }

        @Override
        public void failed(String reason) {
            if (finished) {
                return;
            }
            refuse(Failure.of(FailureKind.BACKEND_UNAVAILABLE, reason));
        }

        @Override
        public void clientClosed() {
            if (dialing != null) {
                dialing.cancel();
            }
            if (!finished) {
                finished = true;
                helloTimer.dispose();
                listener.meters().refused(FailureKind.CLIENT_CLOSED);
                log(FailureKind.CLIENT_CLOSED.outcome(), null, 0, 0);
            }
        }

        /** The tunnel ended, or never started: the backend's in-flight count drops, once. */
        void releaseBackend() {
            if (inFlightBackend >= 0) {
                selector.released(inFlightBackend);
                health.tunnels().closed(inFlightLabel);
                inFlightBackend = -1;
            }
        }

        /** The listener shuts down: a connection still reading its hello or dialing goes; a tunnel runs on. */
        void drain() {
            if (!finished) {
                client.close();
            }
        }

        /** One access log line for this connection, when it ends. */
        void log(String outcome, String backend, long bytesIn, long bytesOut) {
            if (!listener.accessLog().enabled()) {
                return;
            }
            listener.accessLog().log(AccessRecord.tunnel(Instant.now(), listener.config().name(),
                    connection.remoteLabel(), serverName,
                    route == null ? null : route.hosts().get(0).toString(), backend, outcome, bytesIn, bytesOut,
                    (System.nanoTime() - acceptedNanos) / 1000, attempts));
        }

        /** Refuses with the alert the failure's kind names, if any. */
        private void refuse(Failure failure) {
            refuse(failure, failure.kind().alert());
        }

        /** Counts and logs the failure, sends {@code alert} if there is one, and closes the client. */
        private void refuse(Failure failure, OptionalInt alert) {
            finished = true;
            LOG.log(Level.FINE, () -> "refused " + connection.remoteLabel() + ": " + failure);
            listener.meters().refused(failure.kind());
            log(failure.kind().outcome(), null, 0, 0);
            if (alert.isPresent() && client.isActive()) {
                client.writeAndFlush(TlsAlert.fatal(alert.getAsInt(), client.alloc()))
                        .addListener(ChannelFutureListener.CLOSE);
            } else {
                client.close();
            }
        }
    }

    /** Feeds a tunnel's traffic into the listener's meters, and its end into the access log. */
    private record TunnelObserver(Connection connection, String backend) implements Tunnel.Observer {
        @Override
        public void transferred(Tunnel.Direction direction, int bytes) {
            if (direction == Tunnel.Direction.CLIENT_TO_BACKEND) {
                connection.listener.meters().bytesToBackend(bytes);
            } else {
                connection.listener.meters().bytesToClient(bytes);
            }
        }

        @Override
        public void closed(Tunnel tunnel, Tunnel.CloseReason reason) {
            connection.releaseBackend();
            connection.listener.meters().tunnelDuration(tunnel.duration());
            connection.log(Outcome.TUNNELLED.label(), backend, tunnel.bytesToBackend(), tunnel.bytesToClient());
        }
    }
}
