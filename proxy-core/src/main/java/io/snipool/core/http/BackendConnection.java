package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;

/**
 * What an {@link Exchange} holds while it uses a backend: an HTTP/1.1 connection ({@link Http1Connection}) or one
 * stream of a multiplexed HTTP/2 connection ({@link H2Stream}). Either way the exchange writes {@code HttpRequest} and
 * {@code HttpContent} to {@link #channel()} and gets {@code HttpResponse}, {@code HttpContent} and
 * {@code LastHttpContent} (with trailers) back through its {@link Listener}.
 */
interface BackendConnection {

    /** Handler names of an HTTP/1.1 backend pipeline, which a 101 takes apart. */
    String ENCODER = "snipool-request-encoder";
    String DECODER = "snipool-response-decoder";
    String DISPATCHER = "snipool-backend";

    /** The exchange currently using the connection. Runs on the connection's event loop. */
    interface Listener {
        /** An {@code HttpObject} of the response (ownership passes), or raw bytes after a 101. */
        void backendRead(Object message);

        void backendReadComplete();

        void backendClosed();

        void backendFailed(Throwable cause);

        /**
         * A write of the request failed (the backend reset the connection or shut its side) and the connection's
         * output is shut, while its input stays open: an answer the backend sent before it stopped reading may
         * still be read. The close follows as {@link #backendClosed()} or {@link #backendFailed(Throwable)}.
         */
        void backendStoppedReading();

        void backendWritable();
    }

    /** Where the exchange writes the request, and whose auto-read its back-pressure turns off and on. */
    Channel channel();

    BackendKey key();

    /** The exchange takes the connection; {@code head}: the request is a HEAD, whose response has no body. */
    void attach(Listener exchange, boolean head);

    void detach();

    /** True if bytes came that belonged to no request: the connection cannot be reused. */
    boolean tainted();

    /**
     * True when the backend said it never processed the request (an HTTP/2 GOAWAY whose last stream id is below this
     * stream's, or RST_STREAM REFUSED_STREAM, RFC 9113 §8.7): it may be sent again whatever its method.
     */
    default boolean unprocessed() {
        return false;
    }

    /**
     * The client sent {@code TE: trailers}, which snipool removes as hop-by-hop: a connection that passes it on
     * (HTTP/2, where gRPC servers require it) sets it again on {@code request}.
     */
    default void clientAcceptsTrailers(HttpRequest request) {
    }
}
