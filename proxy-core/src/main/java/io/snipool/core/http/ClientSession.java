package io.snipool.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.snipool.config.InetLiterals;
import io.snipool.config.Units;
import io.snipool.core.accesslog.AccessRecord;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import io.snipool.core.loop.Deadline;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One HTTP client connection: reads requests one at a time (the pipeline's flow-control handler hands over one
 * message per {@code read()}, so pipelined requests wait their turn and are answered in order), validates and
 * routes each, and runs an {@link Exchange} for it. Owns the client connection's timers: {@code request_head} from
 * the first byte of a head, {@code idle} between requests.
 *
 * <p>A client may end its stream (half-close) and go on reading: the end reaches the session as a last message
 * ({@link StrictRequestDecoder.InputEnded}), after the requests that came whole before it, which are answered first.
 */
final class ClientSession extends ChannelInboundHandlerAdapter implements StrictRequestDecoder.Listener, ClientSide {

    /** Where the connection is; {@link #moveTo} is the only place it changes. */
    enum Phase {
        /** A new connection: its first head must be complete within {@code request_head}. */
        FIRST_HEAD,
        /** Between requests: idle (up to {@code idle}) until a head starts, then {@code request_head}. */
        NEXT_HEAD,
        /** An {@link Exchange} runs; no client timer does. */
        EXCHANGING,
        /** It carries nothing more: closing, closed, or handed to a tunnel. */
        CLOSED;

        boolean mayMoveTo(Phase target) {
            return switch (this) {
                case FIRST_HEAD, NEXT_HEAD -> target == EXCHANGING || target == CLOSED;
                case EXCHANGING -> target == NEXT_HEAD || target == CLOSED;
                case CLOSED -> target == CLOSED; // a close after a close: nothing changes
            };
        }

        /** Waiting for a request head: a client timer runs. */
        boolean awaitingHead() {
            return this == FIRST_HEAD || this == NEXT_HEAD;
        }
    }

    static final String NAME = "snipool-http";
    private static final Logger LOG = Logger.getLogger(ClientSession.class.getName());

    private final HttpProxy proxy;
    private final Channel channel;
    private final String clientAddress;
    private final String clientEndpoint;
    private final ClientResponseEncoder encoder;
    /** Present when snipool terminated the connection's TLS. */
    private final Optional<TerminatedTls> tls;
    /** The same, as each request's access log line shows it: made once, not per request. */
    private final AccessRecord.Tls accessLogTls;
    private final Deadline timer;
    /** The current exchange's timers, kept per connection so that each request only moves their deadlines. */
    private final Deadline responseTimer;
    private final Deadline exchangeIdleTimer;
    private final Runnable waitExpired = this::waitExpired;
    /** The configuration {@link #trustedPeer} was last worked out for, and its answer. */
    private HttpListener trustJudgedFor;
    private boolean trustedPeer;
    private ChannelHandlerContext ctx;
    private Exchange exchange;
    private Phase phase = Phase.FIRST_HEAD;
    /** The first byte of a head arrived (announced by the decoder, possibly while an exchange runs). */
    private boolean headStarted;
    /** The process is draining: finish the exchange in flight, with Connection: close, and take no more. */
    private boolean draining;
    /** A message was asked for with {@code read()} and has not arrived yet. */
    private boolean readPending;
    /** The client ended its stream: no request follows, and a tunnel that takes the connection over passes it on. */
    private boolean inputEnded;

    /**
     * @param clientAddress  the client's IP address (the real one with PROXY protocol), for forwarding headers
     * @param clientEndpoint the same with its port, for the access log
     */
    ClientSession(HttpProxy proxy, Channel channel, String clientAddress, String clientEndpoint,
                  ClientResponseEncoder encoder, Optional<TerminatedTls> tls) {
        this.proxy = proxy;
        this.channel = channel;
        this.clientAddress = clientAddress;
        this.clientEndpoint = clientEndpoint;
        this.encoder = encoder;
        this.tls = tls;
        this.accessLogTls = tls.map(t -> new AccessRecord.Tls(t.protocol(), t.cipher(), t.serverName().orElse(null)))
                .orElse(null);
        this.timer = new Deadline(channel.eventLoop());
        this.responseTimer = new Deadline(channel.eventLoop());
        this.exchangeIdleTimer = new Deadline(channel.eventLoop());
    }

    @Override
    public HttpProxy proxy() {
        return proxy;
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
    public Channel channel() {
        return channel;
    }

    @Override
    public String clientAddress() {
        return clientAddress;
    }

    /**
     * Whether the client is one of {@code forwarded.trusted_proxies}, whose forwarding headers are kept: worked out
     * once per connection and configuration, not per request.
     */
    @Override
    public boolean trustedPeer(HttpListener listener) {
        if (listener != trustJudgedFor) {
            trustJudgedFor = listener;
            trustedPeer = !listener.forwarded().trustedProxies().isEmpty() && InetLiterals.isIpLiteral(clientAddress)
                    && listener.forwarded().trusts(InetLiterals.parse(clientAddress));
        }
        return trustedPeer;
    }

    @Override
    public Optional<TerminatedTls> tls() {
        return tls;
    }

    @Override
    public void headRequest(boolean head) {
        encoder.headRequest(head);
    }

    /**
     * True once this connection will carry no further request: closing, draining, or holding bytes sent after an
     * upgrade request, which are not known to be a request if the upgrade is refused.
     */
    @Override
    public boolean isClosing() {
        return phase == Phase.CLOSED || draining || decoder().holdsBytes();
    }

    /** The connection's request decoder; present until a tunnel takes the connection over (phase CLOSED). */
    private StrictRequestDecoder decoder() {
        return (StrictRequestDecoder) channel.pipeline().get(HttpProxy.DECODER);
    }

    /**
     * What the client sent after its upgrade request, for the tunnel its 101 starts (ownership passes). Taken before
     * the decoder leaves the pipeline, which would otherwise hand the bytes on to this handler.
     */
    @Override
    public ByteBuf takeHeldBytes() {
        return decoder().takeHeld();
    }

    private void moveTo(Phase target) {
        if (!phase.mayMoveTo(target)) {
            throw new IllegalStateException("client session cannot go from " + phase + " to " + target);
        }
        phase = target;
    }

    /**
     * The listener is shutting down (graceful drain, or removed by a reload): an idle connection closes now; one in
     * the middle of an exchange finishes it, its response carrying {@code Connection: close}, and then closes.
     */
    void drain() {
        draining = true;
        if (phase.awaitingHead()) {
            closeNow();
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        ctx = context;
    }

    /** Starts waiting for the first request. */
    void start() {
        waitForRequest();
    }

    private void waitForRequest() {
        // A new connection must send its first head promptly; between requests it may sit idle longer. A head that
        // began to arrive during the previous exchange (pipelined) is already being sent: request_head applies.
        Duration wait = phase == Phase.FIRST_HEAD || headStarted ? proxy.listener().timeouts().requestHead()
                : proxy.listener().timeouts().idle();
        timer.arm(wait, waitExpired);
        requestRead();
    }

    /**
     * Asks the flow-control handler for one more message, unless one is already asked for: each {@code read()}
     * it receives is owed one message, so a second request would later hand over a message nobody wants yet (the
     * next pipelined request in the middle of this one).
     */
    private void requestRead() {
        if (!readPending) {
            readPending = true;
            ctx.read();
        }
    }

    /**
     * A read ended. The flow-control handler forgets unsatisfied {@code read()}s at the end of each socket read, so
     * when that read brought no complete message (a head or a chunk split across TCP segments) the demand must be
     * renewed, or the message decoded from the next segment would sit in its queue until a timeout.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        if (readPending && phase != Phase.CLOSED) {
            context.read();
        }
        context.fireChannelReadComplete();
    }

    @Override
    public void headStarted() {
        // The decoder announces each head once. During an exchange no client timer runs, but the head must still
        // be remembered: waitForRequest gives it request_head rather than the idle timeout.
        headStarted = true;
        if (phase.awaitingHead()) {
            timer.arm(proxy.listener().timeouts().requestHead(), waitExpired);
        }
    }

    @Override
    public void holdRefused(Failure failure) {
        if (exchange != null) {
            exchange.clientFailed(failure);
        } else if (phase != Phase.CLOSED) {
            closeNow();
        }
    }

    private void waitExpired() {
        if (!phase.awaitingHead()) {
            return;
        }
        if (headStarted || phase == Phase.FIRST_HEAD) {
            refuse(Failure.of(FailureKind.HEAD_TIMEOUT, "the request head did not arrive within "
                    + Units.formatDuration(proxy.listener().timeouts().requestHead())));
        } else {
            closeNow();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        readPending = false;
        if (phase == Phase.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof StrictRequestDecoder.RejectedRequest rejected) {
            refuse(rejected.failure());
        } else if (msg instanceof HttpRequest request) {
            timer.cancel();
            headStarted = false;
            moveTo(Phase.EXCHANGING);
            onRequest(request);
        } else if (msg instanceof HttpContent content && exchange != null) {
            exchange.clientContent(content);
        } else if (msg == StrictRequestDecoder.InputEnded.INSTANCE) {
            clientInputEnded();
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * The client ended its stream; every request that came whole before the end has been answered, or is being
     * answered. Waiting for a head: there is none to come, so the connection closes once what was written is sent
     * (a head cut short is dropped unanswered: RFC 9112 §8 lets a server just close on an incomplete request).
     * Reading a body: it can never be complete, and the exchange is abandoned. Otherwise the exchange in flight
     * has its whole request and goes on; only an upgrade reads the end this early, when the 101 hands the
     * connection to a tunnel.
     */
    private void clientInputEnded() {
        inputEnded = true;
        if (phase.awaitingHead()) {
            closeAfterFlush();
        } else if (exchange != null && !exchange.requestComplete()) {
            exchange.clientEndedBody();
        }
    }

    /** Whether the client ended its stream (a tunnel started now must carry the end to the backend). */
    @Override
    public boolean inputEnded() {
        return inputEnded;
    }

    /** Routes one request with the listener configuration current now, and runs its exchange. */
    private void onRequest(HttpRequest request) {
        HttpListener listener = proxy.listener();
        RequestLog log = new RequestLog(listener, clientEndpoint, accessLogTls);
        String target = request.uri();
        String authority = request.headers().get(HttpHeaderNames.HOST);
        log.request(request, authority, proxy.requestIds().idFor(request.headers()));
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            refuse(Failure.of(kindOf(cause), "malformed request: " + cause.getMessage()), log);
            return;
        }
        if (request.method().equals(HttpMethod.CONNECT)) {
            refuse(Failure.of(FailureKind.NOT_IMPLEMENTED, "CONNECT is not supported: snipool is a reverse proxy"),
                    log);
            return;
        }
        String absoluteAuthority = HostAuthority.authorityOfAbsoluteForm(target);
        if (absoluteAuthority == null && !target.startsWith("/")
                && !(target.equals("*") && request.method().equals(HttpMethod.OPTIONS))) {
            refuse(Failure.of(FailureKind.BAD_REQUEST, "invalid request target"), log);
            return;
        }
        if (absoluteAuthority != null && absoluteAuthority.isEmpty()) {
            // RFC 9110 §4.2.1: an http URI with an empty host is invalid; it must not fall to the catch-all.
            refuse(Failure.of(FailureKind.BAD_REQUEST, "absolute-form target without a host"), log);
            return;
        }
        if (absoluteAuthority != null) {
            authority = absoluteAuthority;
        }
        RequestRouting.Verdict verdict = RequestRouting.route(listener, tls, request, authority, "Host");
        if (verdict instanceof RequestRouting.Refused refused) {
            refuse(refused.failure(), log);
            return;
        }
        RequestRouting.Routed routed = (RequestRouting.Routed) verdict;
        exchange = new Exchange(this, listener, request, routed.match(), absoluteAuthority, routed.authority(), log);
        exchange.start();
    }

    /** Netty's own decode failures: sizes are their own kinds, everything else is a bad request. */
    private static FailureKind kindOf(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return FailureKind.URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return FailureKind.HEAD_TOO_LARGE;
        }
        return FailureKind.BAD_REQUEST;
    }

    /** Asks for the next message of the current request's body. */
    @Override
    public void readRequestBody() {
        if (phase != Phase.CLOSED) {
            requestRead();
        }
    }

    /**
     * The exchange is over; {@code keepAlive}: the client connection may carry the next request. After an upgrade
     * that did not happen, only if the client sent nothing after it (HAProxy closes too).
     */
    @Override
    public void exchangeDone(boolean keepAlive) {
        Exchange done = exchange;
        exchange = null;
        if (!keepAlive || isClosing() || inputEnded) {
            // The client may still be sending the body the backend answered before reading, or what followed an
            // upgrade that did not happen: then the close lingers. Otherwise it has nothing left to send that
            // snipool knows of, and a plain close costs less (a keep-alive response never gets here).
            closeAfterFlush(!inputEnded && (done != null && !done.requestComplete() || decoder().holdsBytes()));
        } else {
            decoder().resumeAfterUpgrade();
            moveTo(Phase.NEXT_HEAD);
            waitForRequest();
        }
    }

    /** The exchange became a tunnel (an accepted Upgrade): the connection is the tunnel's from now on. */
    @Override
    public void exchangeUpgraded() {
        exchange = null;
        moveTo(Phase.CLOSED);
        // The tunnel owns the connection now and this handler leaves the pipeline: it will not see the close.
        timer.dispose();
        responseTimer.dispose();
        exchangeIdleTimer.dispose();
    }

    /**
     * The connection opened with the HTTP/2 preface ({@code http2: prior_knowledge}): it was never an HTTP/1.1 one.
     * Called before any request, as its handlers leave the pipeline; nothing of this session may act on it again.
     */
    void handOverToHttp2() {
        moveTo(Phase.CLOSED);
        timer.dispose();
        responseTimer.dispose();
        exchangeIdleTimer.dispose();
    }

    /**
     * Answers with an error of snipool's own and closes: a refused request, or a failure before any byte of the
     * backend's response was sent.
     */
    void refuse(Failure failure) {
        refuse(failure, new RequestLog(proxy.listener(), clientEndpoint, accessLogTls));
    }

    @Override
    public void refuse(Failure failure, RequestLog log) {
        if (phase == Phase.CLOSED) {
            return;
        }
        LOG.log(Level.FINE, () -> clientAddress + ": " + failure.kind().status() + " " + failure);
        log.finish(failure);
        moveTo(Phase.CLOSED);
        timer.cancel();
        encoder.headRequest(false);
        closeWhenWritten(channel.writeAndFlush(ErrorResponses.of(failure, channel.alloc())), lingersAfter(failure));
    }

    /**
     * Whether the close after {@code failure}'s answer lingers ({@link LingeringClose}): the client may be sending
     * still (the body of a refused request, pipelined requests, a body the backend never answered in time), and
     * the answer must not be lost to a reset. Not once the client has ended its side, and not after a head that
     * was too slow: a client that dribbles its head would hold its slot for {@code lingering_time} more (nginx
     * closes such a connection without an answer; snipool sends its 408 and closes).
     */
    private boolean lingersAfter(Failure failure) {
        return !inputEnded && failure.kind() != FailureKind.HEAD_TIMEOUT;
    }

    /** Closes once what was written is sent; for a client that has nothing more to send (or has ended its side). */
    @Override
    public void closeAfterFlush() {
        closeAfterFlush(false);
    }

    /** Ends the session; closes once what was written is sent, in stages ({@link LingeringClose}) if asked. */
    private void closeAfterFlush(boolean linger) {
        moveTo(Phase.CLOSED);
        timer.cancel();
        closeWhenWritten(channel.writeAndFlush(Unpooled.EMPTY_BUFFER), linger);
    }

    /** Closes once {@code written} is done: in stages if {@code linger}, else at once. */
    private void closeWhenWritten(ChannelFuture written, boolean linger) {
        if (linger) {
            written.addListener(done -> LingeringClose.afterWrite((ChannelFuture) done, proxy.listener()));
        } else {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void closeNow() {
        moveTo(Phase.CLOSED);
        timer.cancel();
        channel.close();
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
        moveTo(Phase.CLOSED);
        abandonExchange();
        // No scheduled task may keep a closed connection's session reachable until its timeout.
        timer.dispose();
        responseTimer.dispose();
        exchangeIdleTimer.dispose();
        context.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event instanceof ChannelInputShutdownEvent || event instanceof ChannelInputShutdownReadComplete) {
            // The end of the client's stream comes as a message, in order after the requests before it; the events
            // say nothing more, and the pipeline's end behind has no use for them.
            return;
        }
        if (event instanceof SslCloseCompletionEvent closure && closure.isSuccess() && phase != Phase.CLOSED
                && tlsWriteSideClosed()) {
            // The client's close_notify closed the TLS engine both ways (TLS 1.2's rule, RFC 5246 §7.2.1, which
            // Netty's OpenSSL engine applies to TLS 1.3 too): no response can reach the client any more. In TLS 1.3
            // on the JDK's engine it closes only the client's side (RFC 8446 §6.1), and the FIN after it is an end
            // of input like any other.
            abandonExchange();
            closeNow();
        }
        context.fireUserEventTriggered(event);
    }

    /** Whether the TLS engine will send nothing more: its close_notify went out. */
    private boolean tlsWriteSideClosed() {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        return ssl != null && ssl.engine().isOutboundDone();
    }

    /** The client can no longer get an answer: the exchange in flight, if any, ends as the client's abort. */
    private void abandonExchange() {
        if (exchange != null) {
            Exchange current = exchange;
            exchange = null;
            current.clientClosed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        // A reset or read error: the client is gone; the pipeline's end must not take it as unhandled.
        context.close();
    }
}
