package io.snipool.core.accept;

import io.netty.channel.EventLoop;

/**
 * What a listener does with an accepted client connection (TLS passthrough or HTTP). Called on the connection's
 * event loop; the handler owns the connection from then on and must close it when done.
 */
@FunctionalInterface
public interface ConnectionHandler {

    void handle(ClientConnection connection);

    /** Builds the handler of one event loop; called once per listener verticle instance. */
    @FunctionalInterface
    interface Factory {
        ConnectionHandler create(EventLoop loop);
    }
}
