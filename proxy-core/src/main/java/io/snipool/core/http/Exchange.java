package io.snipool.core.http;

import io.netty.channel.Channel;
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
import io.snipool.core.pool.EvictionReason;
import io.snipool.core.pool.Lease;
import io.snipool.core.route.RouteMatch;
import java.time.Duration;

/**
 * One request and its response between a client connection and a leased backend connection: gets a connection
 * ({@link BackendLeaser}), forwards the request head and streams its body, streams the response back
 * ({@link ResponseForwarder}), then hands the connection back to the pool or closes it, as {@link ReusePolicy}
 * decides. A request that fails on a reused connection before any response byte is replayed once on a fresh
 * connection when its body is at hand. Runs on the client connection's event loop, which is also the backend
 * connection's. Uses the listener configuration that was current when the request arrived, whatever a reload
 * does meanwhile.
 */
final class Exchange implements BackendLeaser.Callback, BackendConnection.Listener {

    private final ClientSession session;
    private final HttpListener listener;
    private final HttpRequest request;
    private final RequestLog log;
    private final BackendLeaser leaser;
    private final boolean head;
    private final boolean clientKeepAlive;
    private final boolean upgradeRequested;
    /** A body on a method that gives it no meaning: the backend connection is not reused after it. */
    private final boolean contentWithoutMeaning;
    private final Deadline responseTimer;
    private final Deadline idleTimer;
    private final RequestReplay replay;
    private final ResponseForwarder response;

    private Lease<BackendConnection> lease;
    private BackendConnection connection;
    private boolean requestComplete;
    private boolean waitingForBackendDrain;
    private boolean retried;
    /** Something of a response (an interim one, a broken head) came back on the current connection. */
    private boolean responseBytesSeen;
    private long lastActivityNanos = System.nanoTime();
    private boolean finished;

    Exchange(ClientSession session, HttpListener listener, HttpRequest request, RouteMatch match,
             String absoluteAuthority, String authority, RequestLog log) {
        this.session = session;
        this.listener = listener;
        this.request = request;
        this.log = log;
        this.leaser = new BackendLeaser(session.proxy(), listener, match, this);
        this.head = request.method().equals(HttpMethod.HEAD);
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.upgradeRequested = request.headers().contains(HttpHeaderNames.UPGRADE)
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE, true);
        this.contentWithoutMeaning = ReusePolicy.contentWithoutMeaning(request.method().name())
                && (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0);
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
                session.clientAddress(), authority);
    }

    void start() {
        armIdleTimer(listener.timeouts().idle());
        leaser.start();
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
        lease = granted;
        connection = granted.connection();
        connection.attach(this, head);
        log.backend(key.label(), granted.reused());
        Channel backend = connection.channel();
        // Void promises: a failed write to the backend surfaces as exceptionCaught in its pipeline, which the
        // connection's dispatcher reports to this exchange as backendFailed.
        backend.write(request, backend.voidPromise());
        replay.writeBufferedTo(backend);
        backend.flush();
        if (requestComplete || HttpUtil.is100ContinueExpected(request)) {
            armResponseTimer();
        }
        if (!requestComplete) {
            session.readRequestBody();
        }
    }

    @Override
    public void unavailable(int status, String reason) {
        abort(status, reason);
    }

    /** A part of the request body from the client (ownership passes). */
    void clientContent(HttpContent content) {
        if (finished) {
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            String reason = "malformed request body: " + content.decoderResult().cause().getMessage();
            content.release();
            abort(400, reason);
            return;
        }
        lastActivityNanos = System.nanoTime();
        log.bytesIn(content.content().readableBytes());
        replay.keep(content);
        boolean last = content instanceof LastHttpContent;
        if (connection == null) {
            // A replay is waiting for its fresh connection, and the body read that was outstanding when the reused
            // one failed has just been answered. The part is in the replay buffer, which leased() writes out; no
            // further read until then. Past max_retry_body_bytes the request can no longer be replayed whole.
            content.release();
            if (!replay.replayable()) {
                abort(502, "the backend connection failed and the request body is too large to replay "
                        + "(limits.max_retry_body_bytes " + listener.limits().maxRetryBodyBytes() + ")");
            } else if (last) {
                requestComplete = true;
            }
            return;
        }
        Channel backend = connection.channel();
        backend.writeAndFlush(content, backend.voidPromise());
        if (last) {
            requestComplete = true;
            if (!response.started()) {
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
    public void backendWritable() {
        if (waitingForBackendDrain && !finished) {
            waitingForBackendDrain = false;
            session.readRequestBody();
        }
    }

    /** The client can take more: the backend, paused for it, may be read again. */
    void clientWritable() {
        if (connection != null && !finished) {
            connection.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void backendRead(Object message) {
        if (finished) {
            ReferenceCountUtil.release(message);
            return;
        }
        lastActivityNanos = System.nanoTime();
        responseBytesSeen = true;
        if (message instanceof HttpResponse head && !head.decoderResult().isFailure()) {
            int code = head.status().code();
            if (code >= 200 || code == 101) {
                responseTimer.cancel();
                replay.release();
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
        if (!finished && connection != null && !session.channel().isWritable()) {
            connection.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void backendReadComplete() {
        session.channel().flush();
    }

    @Override
    public void backendClosed() {
        backendFailed(null);
    }

    @Override
    public void backendFailed(Throwable cause) {
        if (finished) {
            return;
        }
        // Only a connection that gave back nothing at all may be one the backend closed as it was being reused. Any
        // response byte (an interim response, a malformed or cut head) means the request was read and perhaps
        // acted on: it is not replayed.
        if (!responseBytesSeen && lease.reused() && replay.replayable() && !retried) {
            retried = true;
            waitingForBackendDrain = false; // the new connection starts writable; leased() asks for the body
            responseTimer.cancel();
            connection.detach();
            lease.close(EvictionReason.CLOSED_BY_PEER);
            lease = null;
            connection = null;
            session.proxy().pools().meters().staleRetry(leaser.key());
            log.staleRetry();
            leaser.leaseFresh();
            return;
        }
        String reason = cause == null ? "the backend closed the connection" : "backend failure: " + cause.getMessage();
        abort(502, reason);
    }

    private void armResponseTimer() {
        responseTimer.arm(listener.timeouts().responseHeader(), () -> {
            if (!finished && !response.started()) {
                abort(504, "no response from the backend within "
                        + Units.formatDuration(listener.timeouts().responseHeader()));
            }
        });
    }

    /**
     * {@code timeouts.idle} over the exchange as a whole: nothing from either side for that long (a backend stalled
     * in the middle of a body, a client that stopped sending its body) ends it. One timer, re-armed for the
     * remainder rather than reset on every read.
     */
    private void armIdleTimer(Duration after) {
        idleTimer.arm(after, () -> {
            if (finished) {
                return;
            }
            long idleNanos = System.nanoTime() - lastActivityNanos;
            long limit = listener.timeouts().idle().toNanos();
            if (idleNanos < limit) {
                armIdleTimer(Duration.ofNanos(limit - idleNanos));
            } else {
                abort(504, "no traffic from the client or the backend for "
                        + Units.formatDuration(listener.timeouts().idle()));
            }
        });
    }

    /** The response is complete (called by the forwarder). */
    void responseComplete() {
        maybeFinish();
    }

    private void maybeFinish() {
        if (!response.complete() || finished) {
            return;
        }
        end();
        EvictionReason closeReason = ReusePolicy.decide(new ReusePolicy.Observed(requestComplete, true,
                response.backendHttp10(), response.backendKeepAliveToken(), response.backendConnectionClose(),
                response.closeDelimited(), false, connection.tainted(), contentWithoutMeaning));
        connection.detach();
        if (closeReason != null) {
            lease.close(closeReason);
        } else if (response.backendKeepAliveTimeout() != null) {
            lease.recycle(response.backendKeepAliveTimeout());
        } else {
            lease.recycle();
        }
        log.finish(response.code(), "ok");
        session.exchangeDone(response.clientKeepsAlive() && requestComplete);
    }

    /** The exchange turned into a tunnel; the lease ends when the tunnel does ({@link #tunnelClosed()}). */
    void upgraded() {
        end();
        connection.detach();
        log.finish(101, "upgraded");
    }

    void tunnelClosed() {
        lease.close(EvictionReason.NOT_REUSABLE);
    }

    void clientClosed() {
        if (finished) {
            return;
        }
        end();
        releaseLease();
        log.finish(499, "client_closed");
    }

    /** Before a response began: answer the client with {@code status}. After: cut the client connection. */
    private void abort(int status, String reason) {
        if (finished) {
            return;
        }
        end();
        releaseLease();
        if (response.started()) {
            log.finish(response.code(), "cut");
            session.closeNow();
        } else {
            session.refuse(status, reason, log);
        }
    }

    private void end() {
        finished = true;
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
