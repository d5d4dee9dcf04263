package io.snipool.core.proxy;

import io.snipool.config.ProxyConfig;
import io.snipool.core.accept.ConnectionHandler;
import io.snipool.core.backend.BackendDialer;
import io.snipool.core.backend.HostResolver;
import io.snipool.core.backend.TargetConnector;
import io.snipool.core.health.BackendHealth;
import io.snipool.core.http.HttpPools;
import io.snipool.core.http.HttpProxy;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;

/** Chooses and builds the protocol handler of a listener from its mode. */
public final class ListenerHandlers {

    private ListenerHandlers() {
    }

    /** The per-event-loop handler factory for {@code listener}. */
    public static ConnectionHandler.Factory forListener(LiveListener listener, ProxyConfig config, Vertx vertx,
                                                       HostResolver resolver, HttpPools pools, BackendHealth health) {
        return switch (listener.config().mode()) {
            case TLS -> {
                var channels = ((VertxInternal) vertx).transport().channelFactory(false);
                yield loop -> new TlsPassthrough(listener::tls, loop, new BackendDialer(
                        new TargetConnector(loop, channels, resolver, config.timeouts().connect())),
                        new HttpProxy(listener::http, loop, pools, health), health);
            }
            case HTTP -> loop -> new HttpProxy(listener::http, loop, pools, health);
        };
    }
}
