package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.snipool.config.Units;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import io.snipool.core.health.TrafficOutcome;
import io.snipool.core.loop.Deadline;
import io.snipool.core.pool.EvictionReason;
import io.snipool.core.pool.Lease;
import io.snipool.core.route.BalanceInput;
import io.snipool.core.route.RetryRule;
import io.snipool.core.route.RouteMatch;

/**
 * One request and its response between a client connection and a leased backend connection: gets a connection
 * ({@link BackendLeaser}), forwards the request head and streams its body, streams the response back
 * ({@link ResponseForwarder}), then hands the connection back to the pool or closes it, as {@link ReusePolicy}
 * decides. A request whose connection breaks before any response byte is replayed on another connection when
 * {@link RetryRule} allows it (its method, the route's {@code retry}, a reused connection) and its body is at hand.
 * Runs on the client connection's event loop, which is also the backend
 * connection's. Uses the listener configuration that was current when the request arrived, whatever a reload
 * does meanwhile.
 *
 * <p>Its life is an {@link ExchangePhase}; {@link #moveTo} is the only place the phase changes, and it refuses
 * a transition the diagram in docs/architecture.md does not have.
 */
final class Exchange implements BackendLeaser.Callback, BackendConnection.Listener {

    private final ClientSide session;
    private final HttpListener listener;
    private final HttpRequest request;
    private final RequestLog log;
    private final BackendLeaser leaser;
    private final boolean head;
    private final boolean clientKeepAlive;
    private final boolean upgradeRequested;
    /** A body on a method that gives it no meaning: the backend connection is not reused after it. */
    private final boolean contentWithoutMeaning;
    /** The client sent {@code TE: trailers} (removed as hop-by-hop; an HTTP/2 backend is told again). */
    private final boolean acceptsTrailers;
    private final Deadline responseTimer;
    private final Deadline idleTimer;
    private final Runnable responseTimedOut = this::responseTimedOut;
    private final Runnable idleTimedOut = this::idleTimedOut;
    private final RequestReplay replay;
    private final ResponseForwarder response;
    private final ChannelFutureListener headWritten = this::headWritten;

    private ExchangePhase phase = ExchangePhase.LEASING;
    private Lease<BackendConnection> lease;
    private BackendConnection connection;
    /** The request side, which runs beside the phases: every body byte has been sent to the backend. */
    private boolean requestComplete;
    /** Back-pressure: the backend could not take more, so the client body is not read until it drains. */
    private boolean waitingForBackendDrain;
    /** The request head went out whole on the current connection: the backend may have acted on the request. */
    private boolean requestWritten;
    /**
     * A write to the current connection failed while its input stays open: the rest of the body is read and
     * dropped (still kept for a replay), and the answer the backend may have sent before it stopped reading awaited.
     */
    private boolean backendStoppedReading;

    Exchange(ClientSide session, HttpListener listener, HttpRequest request, RouteMatch match,
             String absoluteAuthority, String authority, RequestLog log) {
        this.session = session;
        this.listener = listener;
        this.request = request;
        this.log = log;
        this.leaser = new BackendLeaser(session.proxy(), listener, match, request.method().name(),
                new BalanceInput(session.clientAddress(), match.host(), request.headers()::get), this);
        this.head = request.method().equals(HttpMethod.HEAD);
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.upgradeRequested = StrictRequestDecoder.asksForUpgrade(request);
        this.contentWithoutMeaning = ReusePolicy.contentWithoutMeaning(request.method().name())
                && (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0);
        this.acceptsTrailers = request.headers().containsValue(HttpHeaderNames.TE, "trailers", true);
        this.responseTimer = session.responseTimer();
        this.idleTimer = session.exchangeIdleTimer();
        this.replay = new RequestReplay(listener.limits().maxRetryBodyBytes(), HttpUtil.getContentLength(request, 0L));
        this.response = new ResponseForwarder(this, session, request.protocolVersion().equals(HttpVersion.HTTP_1_0),
                head, log);
        log.route(HttpListener.routeLabel(match.route()));
        prepareForwardedHead(absoluteAuthority, authority);
    }

    /** Rewrites the request head in place into what the backend receives. */
    private void prepareForwardedHead(String absoluteAuthority, String authority) {
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        ForwardingHeaders.removeHopByHop(request.headers(), upgradeRequested);
        if (chunked) {
            request.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        }
        if (absoluteAuthority != null) {
            // RFC 9112 §3.2.2: the target's authority wins over Host; the backend gets the origin form.
            request.setUri(HostAuthority.originForm(request.uri()));
            request.headers().set(HttpHeaderNames.HOST, absoluteAuthority);
        }
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        ForwardingHeaders.addForwarded(request.headers(), listener.config().forwardedHeaders(),
                session.trustedPeer(listener), session.clientAddress(), authority,
                session.tls().isPresent() ? "https" : "http");
    }

    void start() {
        touched();
        leaser.start();
    }

    /** The one place the phase changes. */
    private void moveTo(ExchangePhase target) {
        if (!phase.mayMoveTo(target)) {
            throw new IllegalStateException("exchange cannot go from " + phase + " to " + target);
        }
        phase = target;
    }

    ExchangePhase phase() {
        return phase;
    }

    HttpListener listener() {
        return listener;
    }

    boolean clientKeepAlive() {
        return clientKeepAlive;
    }

    boolean upgradeRequested() {
        return upgradeRequested;
    }

    boolean requestComplete() {
        return requestComplete;
    }

    BackendConnection connection() {
        return connection;
    }

    @Override
    public void leased(Lease<BackendConnection> granted, BackendKey key) {
        moveTo(ExchangePhase.SENDING);
        lease = granted;
        connection = granted.connection();
        connection.attach(this, head);
        if (acceptsTrailers) {
            connection.clientAcceptsTrailers(request);
        }
        log.backend(key.label(), granted.reused());
        Channel backend = connection.channel();
        requestWritten = false;
        // The head's promise says whether it went out whole (headWritten). The body's are void: a failed write to
        // the backend surfaces as exceptionCaught in its pipeline, which the connection's dispatcher reports to this
        // exchange as backendFailed.
        backend.write(request).addListener(headWritten);
        replay.writeBufferedTo(backend);
        backend.flush();
        if (requestComplete || HttpUtil.is100ContinueExpected(request)) {
            armResponseTimer();
        }
        if (!requestComplete) {
            session.readRequestBody();
        }
    }

    /**
     * The head's write is settled, before any close of its connection is reported (Netty fails or completes the
     * promises of flushed writes first). A failed write closes the connection, so that the close reaches
     * {@link #backendClosed()} whatever the cause.
     */
    private void headWritten(ChannelFuture future) {
        if (!future.isSuccess()) {
            future.channel().close();
        } else if (connection != null && connection.channel() == future.channel()) {
            requestWritten = true;
        }
    }

    @Override
    public void unavailable(Failure failure) {
        fail(failure);
    }

    /** A part of the request body from the client (ownership passes). */
    void clientContent(HttpContent content) {
        if (phase.over()) {
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            String reason = "malformed request body: " + content.decoderResult().cause().getMessage();
            content.release();
            fail(Failure.of(FailureKind.BAD_BODY, reason));
            return;
        }
        touched();
        log.bytesIn(content.content().readableBytes());
        replay.keep(content);
        boolean last = content instanceof LastHttpContent;
        if (connection == null) {
            // REPLAYING: the body read that was outstanding when the reused connection failed has just been
            // answered. The part is in the replay buffer, which leased() writes out; no further read until then. Past
            // max_retry_body_bytes the request can no longer be replayed whole.
            content.release();
            if (!replay.replayable()) {
                fail(Failure.of(FailureKind.REPLAY_TOO_LARGE, "the backend connection failed and the request body "
                        + "is too large to replay (limits.max_retry_body_bytes "
                        + listener.limits().maxRetryBodyBytes() + ")"));
            } else if (last) {
                requestComplete = true;
            }
            return;
        }
        if (backendStoppedReading) {
            content.release();
            if (last) {
                requestComplete = true;
            } else {
                session.readRequestBody();
            }
            return;
        }
        Channel backend = connection.channel();
        backend.writeAndFlush(content, backend.voidPromise());
        if (last) {
            requestComplete = true;
            if (phase != ExchangePhase.STREAMING) {
                armResponseTimer();
            }
            maybeFinish();
        } else if (backend.isWritable()) {
            session.readRequestBody();
        } else {
            waitingForBackendDrain = true;
        }
    }

    @Override
    public void backendStoppedReading() {
        if (phase.over() || backendStoppedReading) {
            return;
        }
        backendStoppedReading = true;
        if (!requestComplete && phase == ExchangePhase.SENDING) {
            armResponseTimer(); // no more of the request will reach the backend: its answer is due
        }
        if (waitingForBackendDrain) {
            waitingForBackendDrain = false; // the backend will not drain; the rest of the body is read and dropped
            session.readRequestBody();
        }
    }

    @Override
    public void backendWritable() {
        if (waitingForBackendDrain && !phase.over()) {
            waitingForBackendDrain = false;
            session.readRequestBody();
        }
    }

    /** The client can take more: the backend, paused for it, may be read again. */
    void clientWritable() {
        if (connection != null && !phase.over()) {
            connection.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void backendRead(Object message) {
        if (phase.over()) {
            ReferenceCountUtil.release(message);
            return;
        }
        touched();
        if (phase == ExchangePhase.SENDING) {
            moveTo(ExchangePhase.RECEIVING);
            log.firstResponseByte();
        }
        if (message instanceof HttpResponse head && !head.decoderResult().isFailure()) {
            int code = head.status().code();
            log.backendStatus(code);
            if (code >= 200 || code == 101) {
                responseTimer.cancel();
                replay.release();
                leaser.observeResponse(code);
            } else if (requestComplete) {
                // An interim response (RFC 9110 §15.2) is not the answer: without this the exchange would wait for
                // the final head forever, holding the client and the backend connection.
                armResponseTimer();
            } else {
                responseTimer.cancel(); // 100 Continue: clientContent arms it again once the body is sent
            }
        }
        response.forward(message);
        // Once the response is complete the connection may already be idle in the pool, where it must go on reading
        // to see a FIN or stray bytes; a client closed as the response ended (Connection: close) is never writable.
        if (!phase.over() && connection != null && !session.channel().isWritable()) {
            connection.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void backendReadComplete() {
        session.channel().flush();
    }

    @Override
    public void backendClosed() {
        backendFailed(Failure.beforeSending(FailureKind.BACKEND_BROKE, "the backend closed the connection"));
    }

    @Override
    public void backendFailed(Throwable cause) {
        backendFailed(Failure.beforeSending(FailureKind.BACKEND_BROKE, "backend failure: " + cause.getMessage()));
    }

    /** The response broke the protocol (called by the forwarder): never replayed, since something came back. */
    void responseBroken(String detail) {
        fail(Failure.of(FailureKind.BACKEND_BROKE, detail));
    }

    /**
     * Only a connection that gave back nothing at all (still {@link ExchangePhase#SENDING}) may be retried. Any
     * response byte (an interim response, a malformed or cut head) means the request was read and perhaps acted on:
     * it is not replayed. Within that, {@link RetryRule} decides: by method once the head went out, and by the route's
     * {@code retry}, except for the one replay of a reused connection the backend may have closed as it idled.
     */
    private void backendFailed(Failure failure) {
        // A stream the backend said it never processed (HTTP/2 GOAWAY, REFUSED_STREAM) counts as not written.
        boolean unprocessed = connection != null && connection.unprocessed();
        if (phase == ExchangePhase.SENDING && failure.retrySafe()
                && leaser.afterBreak(requestWritten && !unprocessed, lease.reused() || unprocessed,
                replay.replayable())
                instanceof RetryRule.Retry retry) {
            replay(retry);
        } else {
            fail(failure);
        }
    }

    private void replay(RetryRule.Retry retry) {
        moveTo(ExchangePhase.REPLAYING);
        backendStoppedReading = false;
        waitingForBackendDrain = false; // the new connection starts writable; leased() asks for the body
        responseTimer.cancel();
        connection.detach();
        lease.close(EvictionReason.CLOSED_BY_PEER);
        lease = null;
        connection = null;
        log.leasing();
        if (retry.reason() == RetryRule.Reason.STALE_CONNECTION) {
            session.proxy().pools().meters().staleRetry(leaser.key());
            log.staleRetry();
        }
        leaser.retry(retry);
    }

    private void armResponseTimer() {
        responseTimer.arm(listener.timeouts().responseHeader(), responseTimedOut);
    }

    private void responseTimedOut() {
        if (phase != ExchangePhase.STREAMING && !phase.over()) {
            fail(Failure.of(FailureKind.RESPONSE_TIMEOUT, "no response from the backend within "
                    + Units.formatDuration(listener.timeouts().responseHeader())));
        }
    }

    /**
     * Traffic from either side: {@code timeouts.idle} starts again. The timer is re-armed rather than rescheduled,
     * which only moves its deadline (see {@link Deadline}).
     */
    private void touched() {
        idleTimer.arm(listener.timeouts().idle(), idleTimedOut);
    }

    /** Nothing from either side for {@code timeouts.idle}: a stalled backend or a client that stopped its body. */
    private void idleTimedOut() {
        if (!phase.over()) {
            fail(Failure.of(FailureKind.EXCHANGE_IDLE, "no traffic from the client or the backend for "
                    + Units.formatDuration(listener.timeouts().idle())));
        }
    }

    /** The final head (or a 101) is about to go to the client (called by the forwarder). */
    void responseBegan() {
        moveTo(ExchangePhase.STREAMING);
    }

    /** The response is complete (called by the forwarder). */
    void responseComplete() {
        maybeFinish();
    }

    private void maybeFinish() {
        if (!response.complete() || phase.over()) {
            return;
        }
        end(ExchangePhase.DONE);
        ReusePolicy.Reuse reuse = ReusePolicy.decide(
                new ReusePolicy.RequestSeen(requestComplete, contentWithoutMeaning),
                new ReusePolicy.ResponseSeen(response.framing(), true, false, connection.tainted()));
        connection.detach();
        if (reuse instanceof ReusePolicy.Close close) {
            lease.close(close.reason());
        } else if (reuse instanceof ReusePolicy.Recycle recycle && recycle.backendKeepAlive().isPresent()) {
            lease.recycle(recycle.backendKeepAlive().get());
        } else {
            lease.recycle();
        }
        log.finish(response.code(), "ok");
        session.exchangeDone(response.clientKeepsAlive() && requestComplete);
    }

    /** The exchange turned into a tunnel; the lease ends when the tunnel does ({@link #tunnelClosed()}). */
    void upgraded() {
        end(ExchangePhase.UPGRADED);
        connection.detach();
        log.finish(101, "upgraded");
    }

    void tunnelClosed() {
        lease.close(EvictionReason.NOT_REUSABLE);
    }

    void clientClosed() {
        if (phase.over()) {
            return;
        }
        end(ExchangePhase.DONE);
        releaseLease();
        Failure gone = Failure.of(FailureKind.CLIENT_ABORTED, "the client closed its connection");
        log.finish(gone);
    }

    /**
     * The client ended its stream before the request body was complete: the request never will be. The backend
     * connection, which has part of it, is closed; the client connection closes after what was written before this
     * request, or is cut if this response had begun.
     */
    void clientEndedBody() {
        abort(Failure.of(FailureKind.CLIENT_ABORTED, "the client ended its stream in the request body"), false);
    }

    /** The client broke the protocol in the middle of this exchange: as {@link #fail}. */
    void clientFailed(Failure failure) {
        fail(failure);
    }

    /** Before a response began: answer the client with the failure's status. After: cut the client connection. */
    private void fail(Failure failure) {
        abort(failure, true);
    }

    /**
     * Ends the exchange early. If the response had begun the client connection is cut; if not, {@code answer} says
     * whether the client gets the failure's status, or only the close.
     */
    private void abort(Failure failure, boolean answer) {
        if (phase.over()) {
            return;
        }
        boolean responding = phase == ExchangePhase.STREAMING;
        if (lease != null) {
            // Failed on a connection it held: what that says of the backend (a replayed stale one never gets here).
            TrafficOutcome.afterFailure(failure.kind())
                    .ifPresent(leaser::observe);
        }
        end(ExchangePhase.DONE);
        releaseLease();
        if (responding) {
            log.cut(response.code(), failure);
            session.closeNow();
        } else if (answer) {
            session.refuse(failure, log);
        } else {
            log.finish(failure);
            session.closeAfterFlush();
        }
    }

    private void end(ExchangePhase last) {
        moveTo(last);
        log.attempts(leaser.attempts());
        responseTimer.cancel();
        idleTimer.cancel();
        replay.release();
        leaser.cancel();
    }

    private void releaseLease() {
        if (lease != null) {
            connection.detach();
            lease.close(EvictionReason.ERROR);
        }
    }
}
