package io.snipool.core.proxy;

import io.vertx.core.net.NetSocket;

/**
 * What a listener does with an accepted client connection (TLS passthrough or HTTP). Called on the connection's
 * event loop; the handler owns the socket from then on and must close it when done.
 */
@FunctionalInterface
public interface ConnectionHandler {

    void handle(NetSocket socket);

    /** Closes every connection at once: the behaviour of a listener whose protocol is not wired in. */
    ConnectionHandler CLOSE = NetSocket::close;
}
