package io.snipool.core.proxy;

import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.core.backend.BackendDialer;
import io.snipool.core.backend.HostResolver;
import io.snipool.core.backend.TargetConnector;
import io.snipool.core.http.HttpListener;
import io.snipool.core.http.HttpPools;
import io.snipool.core.http.HttpProxy;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.metrics.RequestMeters;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;

/** Chooses and builds the protocol handler of a listener from its mode. */
public final class ListenerHandlers {

    private ListenerHandlers() {
    }

    /** The per-event-loop handler factory for {@code listener}. */
    public static ConnectionHandler.Factory forListener(ListenerConfig listener, ProxyConfig config, Vertx vertx,
                                                       HostResolver resolver, ProxyMetrics metrics,
                                                       ProxyMetrics.ListenerMeters meters, HttpPools pools) {
        return switch (listener.mode()) {
            case TLS -> {
                TlsListener tls = TlsListener.of(listener, config.timeouts(), config.limits(), meters);
                var channels = ((VertxInternal) vertx).transport().channelFactory(false);
                yield loop -> new TlsPassthrough(tls, loop, new BackendDialer(
                        new TargetConnector(loop, channels, resolver, config.timeouts().connect())));
            }
            case HTTP -> {
                HttpListener http = HttpListener.of(listener, config.timeouts(), config.limits(), meters,
                        new RequestMeters(metrics.registry(), listener.name()));
                yield loop -> new HttpProxy(http, loop, pools);
            }
        };
    }
}
