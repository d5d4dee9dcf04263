package io.snipool.core.pool;

/** Completes one connect the pool asked for. Call exactly one method, once, on the pool's thread. */
public interface ConnectCallback<C> {

    /** The connection is established and ready for a request; the pool now owns it. */
    void connected(C connection);

    /** The connect failed; {@code cause} says why (refused, unreachable, TLS handshake, ...). */
    void failed(Throwable cause);
}
