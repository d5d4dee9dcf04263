package io.snipool.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import io.snipool.core.loop.Deadline;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One HTTP/2 stream of a client connection ({@link Http2ClientConnection}): one request, one {@link Exchange}. Sits
 * at the end of the stream's child channel, behind {@link H2ObjectCodec}, so the
 * exchange reads and writes the same HttpObjects as on HTTP/1.1. The child channel does not read on its own: each
 * body frame is asked for when the backend can take it, and only a frame read gives the client flow-control window
 * back, so a backend's back-pressure reaches the client as a closed window.
 *
 * <p>What HTTP/1.1 does with the connection, this does with the stream: an error of snipool's own is an h2 response
 * with its status that ends the stream; a cut response resets the stream (CANCEL); the client's RST_STREAM aborts
 * the exchange as a client's close does.
 */
final class Http2StreamSession extends ChannelDuplexHandler implements ClientSide {

    static final String NAME = "snipool-h2-stream";
    /** Methods whose empty body an HTTP/1.1 backend is told of with {@code Content-Length: 0}. */
    private static final Set<HttpMethod> METHODS_WITH_BODY = Set.of(HttpMethod.POST,
            HttpMethod.PUT, HttpMethod.PATCH);
    private static final Logger LOG = Logger.getLogger(Http2StreamSession.class.getName());

    /** Where the stream is; {@link #moveTo} is the only place it changes. */
    enum Phase {
        /** Waiting for the request's HEADERS. */
        HEAD,
        /** An exchange runs, or a refusal is being written. */
        EXCHANGING,
        /** The exchange ended, or the stream closed. */
        DONE;

        boolean mayMoveTo(Phase target) {
            return switch (this) {
                case HEAD -> target == EXCHANGING || target == DONE;
                case EXCHANGING, DONE -> target == DONE;
            };
        }
    }

    private final Http2ClientConnection connection;
    private final Http2StreamChannel stream;
    private final Deadline responseTimer;
    private final Deadline exchangeIdleTimer;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.HEAD;
    private Exchange exchange;
    /** The body of a request that came whole in its HEADERS (END_STREAM): handed over at the first body read. */
    private LastHttpContent pendingBody;
    /** The write of the response's end, whose success sends END_STREAM: a NO_ERROR reset must come after it. */
    private ChannelPromise responseEnd;
    /** An interim response's head was written; its empty end is dropped. */
    private boolean interim;

    Http2StreamSession(Http2ClientConnection connection, Http2StreamChannel stream) {
        this.connection = connection;
        this.stream = stream;
        this.responseTimer = connection.streamTimer();
        this.exchangeIdleTimer = connection.streamTimer();
    }

    private void moveTo(Phase target) {
        if (!phase.mayMoveTo(target)) {
            throw new IllegalStateException("h2 stream session cannot go from " + phase + " to " + target);
        }
        phase = target;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        ctx = context;
        connection.streamOpened();
        proxy().listener().meters().http2Stream();
        context.read(); // the request's HEADERS
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (msg instanceof HttpRequest request && phase == Phase.HEAD) {
            moveTo(Phase.EXCHANGING);
            onRequest(request);
        } else if (msg instanceof HttpContent content && exchange != null) {
            exchange.clientContent(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * A request that came whole in its HEADERS frame arrives as one FullHttpRequest; the exchange takes a head and
     * then its body when it asks for it, as HTTP/1.1's decoder gives them.
     */
    private HttpRequest headOf(HttpRequest request) {
        if (!(request instanceof FullHttpRequest full)) {
            return request;
        }
        HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
        head.setDecoderResult(full.decoderResult());
        // The content passes to pendingBody, whose reader (the exchange) releases it.
        pendingBody = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
        if (!HttpUtil.isContentLengthSet(head) && full.content().readableBytes() == 0
                && METHODS_WITH_BODY.contains(head.method())) {
            // An HTTP/1.1 POST without a length or chunks has no body, but some servers answer it 411.
            HttpUtil.setContentLength(head, 0);
        }
        return head;
    }

    /** Checks and routes the stream's request with the listener configuration current now, and runs its exchange. */
    private void onRequest(HttpRequest whole) {
        HttpRequest request = headOf(whole);
        HttpListener listener = proxy().listener();
        RequestLog log = connection.newLog(listener);
        String authority = Http2RequestCheck.stripExtensions(request);
        log.request(request, authority, proxy().requestIds().idFor(request.headers()));
        log.protocol(Http2ClientConnection.PROTOCOL);
        RequestRouting.Verdict verdict = Http2RequestCheck.check(listener, tls(), request);
        if (verdict instanceof RequestRouting.Routed routed) {
            exchange = new Exchange(this, listener, request, routed.match(), null, routed.authority(), log);
            exchange.start();
        } else if (verdict instanceof RequestRouting.Refused refused) {
            refuse(refused.failure(), log);
        }
    }

    @Override
    public HttpProxy proxy() {
        return connection.proxy();
    }

    @Override
    public Channel channel() {
        return stream;
    }

    @Override
    public String clientAddress() {
        return connection.clientAddress();
    }

    @Override
    public boolean trustedPeer(HttpListener listener) {
        return connection.trustedPeer(listener);
    }

    @Override
    public Optional<TerminatedTls> tls() {
        return connection.tls();
    }

    @Override
    public Deadline responseTimer() {
        return responseTimer;
    }

    @Override
    public Deadline exchangeIdleTimer() {
        return exchangeIdleTimer;
    }

    @Override
    public void headRequest(boolean head) {
        // HTTP/2 frames the body itself: a response to HEAD ends its stream with the head.
    }

    @Override
    public boolean isClosing() {
        // A draining connection sent GOAWAY, which ends the connection, not this stream: it finishes as usual.
        return false;
    }

    @Override
    public void readRequestBody() {
        if (pendingBody != null) {
            LastHttpContent body = pendingBody;
            pendingBody = null;
            exchange.clientContent(body);
        } else if (phase != Phase.DONE) {
            ctx.read();
        }
    }

    @Override
    public void exchangeDone(boolean keepAlive) {
        exchange = null;
        moveTo(Phase.DONE);
        endStream();
    }

    /**
     * The response went out whole. If the client is still sending its request, RFC 9113 §8.1 lets the server ask it
     * to stop with RST_STREAM(NO_ERROR) once END_STREAM is sent: the write of the response's end must be done first,
     * or the reset would discard response bytes still waiting for flow-control window.
     */
    private void endStream() {
        if (!remoteOpen()) {
            return;
        }
        ChannelPromise end = responseEnd;
        if (end == null) {
            resetStream(Http2Error.NO_ERROR);
        } else {
            end.addListener(written -> resetStream(Http2Error.NO_ERROR));
        }
    }

    /** The client has not ended its side of the stream (its request body may still come). */
    private boolean remoteOpen() {
        Http2Stream.State state = stream.stream().state();
        return state == Http2Stream.State.OPEN || state == Http2Stream.State.HALF_CLOSED_LOCAL;
    }

    private void resetStream(Http2Error error) {
        if (stream.isActive()) {
            stream.writeAndFlush(new DefaultHttp2ResetFrame(error));
        }
    }

    @Override
    public void refuse(Failure failure, RequestLog log) {
        if (phase == Phase.DONE) {
            return;
        }
        LOG.log(Level.FINE, () -> clientAddress() + " stream " + stream.stream().id() + ": "
                + failure.kind().status() + " " + failure);
        log.finish(failure);
        exchange = null;
        moveTo(Phase.DONE);
        releasePendingBody();
        // The same status and body as HTTP/1.1 (whose Connection: close the h2 conversion drops), then END_STREAM.
        stream.write(ErrorResponses.of(failure, stream.alloc()));
        stream.flush();
        endStream();
    }

    @Override
    public void closeAfterFlush() {
        closeNow();
    }

    @Override
    public void closeNow() {
        if (phase != Phase.DONE) {
            moveTo(Phase.DONE);
        }
        exchange = null;
        releasePendingBody();
        // Closing a child channel whose stream is not closed sends RST_STREAM(CANCEL): the response is cut, after
        // what was written of it, which the stream's own flush would only have scheduled (CoalescedFlush).
        connection.flushNow();
        stream.close();
    }

    @Override
    public ByteBuf takeHeldBytes() {
        throw new IllegalStateException("an h2 stream never upgrades");
    }

    @Override
    public void exchangeUpgraded() {
        throw new IllegalStateException("an h2 stream never upgrades");
    }

    @Override
    public boolean inputEnded() {
        return false;
    }

    private void releasePendingBody() {
        if (pendingBody != null) {
            pendingBody.release();
            pendingBody = null;
        }
    }

    /**
     * Fits the exchange's writes to the h2 codec: an interim (1xx) response must be one FullHttpResponse to become
     * one HEADERS frame, where HTTP/1.1 writes a head and an empty end; and the response's end, while the client's side
     * of the stream is open, gets a real promise (see {@link #endStream}), its failure still reported as the void
     * promise's would be.
     */
    @Override
    public void write(ChannelHandlerContext context, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && !(msg instanceof LastHttpContent)
                && response.status().code() < 200) {
            interim = true;
            context.write(new DefaultFullHttpResponse(response.protocolVersion(), response.status(),
                    Unpooled.EMPTY_BUFFER, response.headers(), EmptyHttpHeaders.INSTANCE), promise);
            return;
        }
        if (interim && msg instanceof HttpContent content) {
            interim = !(msg instanceof LastHttpContent);
            content.release(); // an interim response has no body
            promise.setSuccess();
            return;
        }
        if (msg instanceof LastHttpContent && !remoteOpen()) {
            // The client's side is closed already: no reset will follow the end, so nothing need wait for its write
            // (most requests: END_STREAM came with the head). A closed side never opens again.
            context.write(msg, promise);
            return;
        }
        if (msg instanceof LastHttpContent) {
            ChannelPromise end = promise.isVoid() ? context.newPromise() : promise;
            if (promise.isVoid()) {
                end.addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
            }
            responseEnd = end;
            context.write(msg, end);
            return;
        }
        context.write(msg, promise);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        if (exchange != null && context.channel().isWritable()) {
            exchange.clientWritable();
        }
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        // The stream closed: both ends done, or reset by either side. An exchange still running is the client's
        // abort, and its backend connection, which may hold part of this exchange, is closed, not recycled.
        if (phase != Phase.DONE) {
            moveTo(Phase.DONE);
        }
        if (exchange != null) {
            Exchange current = exchange;
            exchange = null;
            current.clientClosed();
        }
        releasePendingBody();
        connection.streamTimerDone(responseTimer);
        connection.streamTimerDone(exchangeIdleTimer);
        connection.streamClosed();
        context.fireChannelInactive();
    }

    /**
     * A stream-level error, or a failed write. A request head that Netty's conversion refused (RFC 9113 §8.1.1
     * malformed: e.g. {@code :authority} and {@code host} that differ) is answered 400, as on HTTP/1.1, which also
     * ends the stream; any other h2 error resets the stream with its code; the rest cancel it.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        Throwable h2 = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (phase == Phase.HEAD && h2 instanceof Http2Exception malformed) {
            moveTo(Phase.EXCHANGING);
            RequestLog log = connection.newLog(proxy().listener());
            log.protocol(Http2ClientConnection.PROTOCOL);
            refuse(Failure.of(FailureKind.BAD_REQUEST, "malformed request: " + malformed.getMessage()), log);
            return;
        }
        if (h2 instanceof Http2Exception error && stream.isActive()) {
            stream.writeAndFlush(new DefaultHttp2ResetFrame(error.error()));
        }
        context.close();
    }
}
