package io.snipool.core.proxy;

import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.core.backend.BackendDialer;
import io.snipool.core.backend.HostResolver;
import io.snipool.core.metrics.ProxyMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;

/** Chooses and builds the protocol handler of a listener from its mode. */
public final class ListenerHandlers {

    private ListenerHandlers() {
    }

    /** The per-event-loop handler factory for {@code listener}. */
    public static ConnectionHandler.Factory forListener(ListenerConfig listener, ProxyConfig config, Vertx vertx,
                                                       HostResolver resolver, ProxyMetrics.ListenerMeters meters) {
        return switch (listener.mode()) {
            case TLS -> {
                TlsListener tls = TlsListener.of(listener, config.timeouts(), config.limits(), meters);
                var channels = ((VertxInternal) vertx).transport().channelFactory(false);
                yield loop -> new TlsPassthrough(tls, loop,
                        new BackendDialer(loop, channels, resolver, config.timeouts().connect()));
            }
            // The HTTP exchange is not wired in yet: such a listener accepts and closes.
            case HTTP -> loop -> socket -> {
                meters.outcome(ProxyMetrics.Outcome.ACCEPTED);
                socket.close();
            };
        };
    }
}
