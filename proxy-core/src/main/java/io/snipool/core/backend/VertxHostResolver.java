package io.snipool.core.backend;

import io.netty.channel.EventLoop;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.resolver.NameResolver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves through Vert.x's asynchronous resolver (Netty's DNS resolver, honouring /etc/hosts and
 * /etc/resolv.conf), so no event loop ever blocks on DNS.
 */
public final class VertxHostResolver implements HostResolver {

    private final NameResolver resolver;

    public VertxHostResolver(Vertx vertx) {
        this.resolver = ((VertxInternal) vertx).nameResolver();
    }

    @Override
    public void resolve(String host, EventLoop loop, Callback callback) {
        resolver.resolveAll(loop, host).addListener(future -> {
            if (!future.isSuccess()) {
                callback.failed(future.cause());
                return;
            }
            @SuppressWarnings("unchecked")
            List<InetSocketAddress> found = (List<InetSocketAddress>) future.getNow();
            List<InetAddress> addresses = new ArrayList<>(found.size());
            for (InetSocketAddress address : found) {
                addresses.add(address.getAddress());
            }
            callback.resolved(addresses);
        });
    }
}
