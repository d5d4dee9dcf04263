package io.snipool.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.snipool.core.failure.Failure;
import io.snipool.core.loop.Deadline;
import java.util.Optional;

/**
 * What an {@link Exchange} and its {@link ResponseForwarder} need from the client end of a request: the channel the
 * response is written to, where the next part of the request body comes from, the client's facts for forwarding
 * headers and routing, and what to do when the exchange ends. An HTTP/1.1 connection ({@link ClientSession}) and
 * one HTTP/2 stream ({@link Http2StreamSession}) are both one.
 */
interface ClientSide {

    HttpProxy proxy();

    /** Where the response goes, as HttpObjects: the connection (HTTP/1.1) or the stream's child channel (h2). */
    Channel channel();

    /** The client's IP address (the real one with PROXY protocol), for forwarding headers and balancing. */
    String clientAddress();

    /** Whether the client is one of {@code forwarded.trusted_proxies}, whose forwarding headers are kept. */
    boolean trustedPeer(HttpListener listener);

    /** Present when snipool terminated the connection's TLS. */
    Optional<TerminatedTls> tls();

    /** The exchange's {@code response_header} timer, owned by the client side so that it outlives no connection. */
    Deadline responseTimer();

    /** The exchange's {@code idle} timer, likewise. */
    Deadline exchangeIdleTimer();

    /** Whether the next response head goes to a HEAD request (no body whatever its headers say). */
    void headRequest(boolean head);

    /** True once the client end will carry no further request (closing, draining): the response says close. */
    boolean isClosing();

    /** Asks for the next message of the current request's body. */
    void readRequestBody();

    /** The exchange is over; {@code keepAlive}: the client end may carry the next request. */
    void exchangeDone(boolean keepAlive);

    /** Answers with an error of snipool's own: a refused request, or a failure before the response began. */
    void refuse(Failure failure, RequestLog log);

    /** Ends the client end once what was written is sent, without a response of its own. */
    void closeAfterFlush();

    /** Cuts the client end now: a response that had begun can no longer be completed. */
    void closeNow();

    /** HTTP/1.1 only: what the client sent after an upgrade request, for the tunnel its 101 starts. */
    ByteBuf takeHeldBytes();

    /** HTTP/1.1 only: the exchange became a tunnel, which owns the connection from now on. */
    void exchangeUpgraded();

    /** HTTP/1.1 only: the client ended its stream (a tunnel started now carries the end on). */
    boolean inputEnded();
}
