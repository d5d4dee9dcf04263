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
import io.snipool.config.BackendTemplate;
import io.snipool.config.HostPort;
import io.snipool.config.RouteConfig;
import io.snipool.core.pool.Cancellable;
import io.snipool.core.pool.EvictionReason;
import io.snipool.core.pool.Lease;
import io.snipool.core.pool.LeaseCallback;
import io.snipool.core.pool.LeaseFailure;
import io.snipool.core.route.BackendSelector;
import io.snipool.core.route.BackendTarget;
import io.snipool.core.route.RouteMatch;
import java.util.Iterator;
import java.util.List;

/**
 * One request and its response between a client connection and a leased backend connection: leases a connection
 * (trying the route's backends in round-robin order), forwards the request head and streams its body, streams the
 * response back, then hands the connection back to the pool or closes it, as {@link ReusePolicy} decides. A
 * request that fails on a reused connection before any response byte is replayed once on a fresh connection when
 * its body is at hand. Runs on the client connection's event loop, which is also the backend connection's.
 */
final class Exchange implements LeaseCallback<BackendConnection>, BackendConnection.Listener {

    private final ClientSession session;
    private final HttpProxy proxy;
    private final HttpRequest request;
    private final RouteMatch match;
    private final RouteConfig route;
    private final String routeLabel;
    private final BackendSelector selector;
    private final Iterator<BackendTemplate> candidates;
    private final long startNanos = System.nanoTime();
    private final boolean head;
    private final boolean clientHttp10;
    private final boolean clientKeepAlive;
    private final boolean upgradeRequested;
    private final Deadline responseTimer;
    private final RequestReplay replay;
    private final ResponseForwarder response;

    private BackendTemplate template;
    private BackendKey key;
    private Cancellable pendingLease = Cancellable.NONE;
    private Lease<BackendConnection> lease;
    private BackendConnection connection;
    private boolean connectFailureSeen;
    private String lastFailure = "the route has no usable backend";
    private boolean requestComplete;
    private boolean waitingForBackendDrain;
    private boolean retried;
    /** Something of a response (an interim one, a broken head) came back on the current connection. */
    private boolean responseBytesSeen;
    private boolean finished;

    Exchange(ClientSession session, HttpRequest request, RouteMatch match, String absoluteAuthority,
             String authority) {
        this.session = session;
        this.proxy = session.proxy();
        this.request = request;
        this.match = match;
        this.route = match.route();
        this.routeLabel = HttpListener.routeLabel(route);
        this.selector = proxy.selector(match.routeIndex());
        this.candidates = selector.candidates().iterator();
        this.head = request.method().equals(HttpMethod.HEAD);
        this.clientHttp10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.upgradeRequested = request.headers().contains(HttpHeaderNames.UPGRADE)
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE, true);
        this.responseTimer = new Deadline(session.channel().eventLoop());
        this.replay = new RequestReplay(proxy.listener().limits().maxRetryBodyBytes(),
                HttpUtil.getContentLength(request, 0L));
        this.response = new ResponseForwarder(this, session, clientHttp10, head);
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
        ForwardingHeaders.addForwarded(request.headers(), proxy.listener().config().forwardedHeaders(),
                session.clientAddress(), authority);
    }

    void start() {
        leaseNext();
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

    private void leaseNext() {
        if (!candidates.hasNext()) {
            fail(connectFailureSeen ? 502 : 503, lastFailure);
            return;
        }
        template = candidates.next();
        BackendTarget target = BackendTarget.expand(template, match);
        if (target instanceof BackendTarget.Invalid invalid) {
            lastFailure = template.text() + ": " + invalid.reason();
            connectFailureSeen = true;
            leaseNext();
            return;
        }
        key = target instanceof BackendTarget.Static fixed
                ? new BackendKey(fixed.address(), false, route.allowPrivateTargets())
                : new BackendKey(new HostPort(((BackendTarget.Dynamic) target).host(),
                        ((BackendTarget.Dynamic) target).port()), true, route.allowPrivateTargets());
        pendingLease = proxy.pool().lease(key, route.pool(), this, false);
    }

    @Override
    public void leased(Lease<BackendConnection> granted) {
        pendingLease = Cancellable.NONE;
        if (finished) {
            granted.recycle(); // the client left before anything was written: the connection is untouched
            return;
        }
        lease = granted;
        connection = granted.connection();
        connection.attach(this, head);
        selector.markSucceeded(template);
        Channel backend = connection.channel();
        backend.write(request);
        replay.writeBufferedTo(backend);
        backend.flush();
        if (requestComplete) {
            responseTimer.arm(proxy.listener().timeouts().responseHeader(), this::responseTimedOut);
        } else {
            if (HttpUtil.is100ContinueExpected(request)) {
                responseTimer.arm(proxy.listener().timeouts().responseHeader(), this::responseTimedOut);
            }
            session.readRequestBody();
        }
    }

    @Override
    public void failed(LeaseFailure failure) {
        pendingLease = Cancellable.NONE;
        if (finished) {
            return;
        }
        lastFailure = key.label() + ": " + failure.message();
        if (failure.kind() == LeaseFailure.Kind.CONNECT_FAILED || failure.kind() == LeaseFailure.Kind.CONNECT_TIMEOUT) {
            connectFailureSeen = true;
            selector.markFailed(template);
            proxy.listener().meters().backendConnectError(key.label());
        }
        if (retried) {
            fail(502, lastFailure);
        } else {
            leaseNext();
        }
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
        replay.keep(content);
        boolean last = content instanceof LastHttpContent;
        if (connection == null) {
            // A replay is waiting for its fresh connection, and the body read that was outstanding when the reused
            // one failed has just been answered. The part is in the replay buffer, which leased() writes out; no
            // further read until then. Past max_retry_body_bytes the request can no longer be replayed whole.
            content.release();
            if (!replay.replayable()) {
                abort(502, "the backend connection failed and the request body is too large to replay "
                        + "(limits.max_retry_body_bytes " + proxy.listener().limits().maxRetryBodyBytes() + ")");
            } else if (last) {
                requestComplete = true;
            }
            return;
        }
        Channel backend = connection.channel();
        backend.writeAndFlush(content).addListener(future -> {
            if (!future.isSuccess() && !finished) {
                backendFailed(future.cause());
            }
        });
        if (last) {
            requestComplete = true;
            if (!response.started()) {
                responseTimer.arm(proxy.listener().timeouts().responseHeader(), this::responseTimedOut);
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
        responseBytesSeen = true;
        if (message instanceof HttpResponse head && !head.decoderResult().isFailure()) {
            int code = head.status().code();
            if (code >= 200 || code == 101) {
                responseTimer.cancel();
                replay.release();
            } else if (requestComplete) {
                // An interim response (RFC 9110 §15.2) is not the answer: without this the exchange would wait for
                // the final head forever, holding the client and the backend connection.
                responseTimer.arm(proxy.listener().timeouts().responseHeader(), this::responseTimedOut);
            } else {
                responseTimer.cancel(); // 100 Continue: clientContent arms it again once the body is sent
            }
        }
        response.forward(message);
        if (!session.channel().isWritable() && connection != null) {
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
            // The backend closed an idle connection as it was being reused: nothing was processed, replay once.
            retried = true;
            waitingForBackendDrain = false; // the new connection starts writable; leased() asks for the body
            responseTimer.cancel();
            connection.detach();
            lease.close(EvictionReason.CLOSED_BY_PEER);
            lease = null;
            connection = null;
            proxy.pools().meters().staleRetry(key);
            pendingLease = proxy.pool().lease(key, route.pool(), this, true);
            return;
        }
        String reason = cause == null ? "the backend closed the connection" : "backend failure: " + cause.getMessage();
        abort(502, reason);
    }

    private void responseTimedOut() {
        if (!finished && !response.started()) {
            abort(504, "no response from the backend within "
                    + io.snipool.config.Units.formatDuration(proxy.listener().timeouts().responseHeader()));
        }
    }

    /** The response is complete (called by the forwarder). */
    void responseComplete() {
        maybeFinish();
    }

    private void maybeFinish() {
        if (!response.complete() || finished) {
            return;
        }
        finished = true;
        responseTimer.cancel();
        replay.release();
        boolean bodiesComplete = requestComplete;
        EvictionReason closeReason = ReusePolicy.decide(new ReusePolicy.Observed(bodiesComplete, true,
                response.backendHttp10(), response.backendKeepAliveToken(), response.backendConnectionClose(),
                response.closeDelimited(), false, connection.tainted()));
        connection.detach();
        if (closeReason == null) {
            if (response.backendKeepAliveTimeout() != null) {
                lease.recycle(response.backendKeepAliveTimeout());
            } else {
                lease.recycle();
            }
        } else {
            lease.close(closeReason);
        }
        proxy.listener().requests().request(routeLabel, response.code(), System.nanoTime() - startNanos);
        session.exchangeDone(response.clientKeepsAlive() && bodiesComplete);
    }

    /** The exchange turned into a tunnel; the lease ends with it. */
    void upgraded(List<Object> ignored) {
        finished = true;
        responseTimer.cancel();
        replay.release();
        connection.detach();
        proxy.listener().requests().request(routeLabel, 101, System.nanoTime() - startNanos);
    }

    /** Ends the lease of an upgraded connection when its tunnel closes. */
    void tunnelClosed() {
        lease.close(EvictionReason.NOT_REUSABLE);
    }

    BackendConnection connection() {
        return connection;
    }

    void clientClosed() {
        if (finished) {
            return;
        }
        finished = true;
        responseTimer.cancel();
        replay.release();
        pendingLease.cancel();
        if (lease != null) {
            connection.detach();
            lease.close(EvictionReason.ERROR);
        }
        proxy.listener().requests().request(routeLabel, 499, System.nanoTime() - startNanos);
    }

    /** Before a response began: answer the client with {@code status}. After: cut the client connection. */
    private void abort(int status, String reason) {
        if (finished) {
            return;
        }
        finished = true;
        responseTimer.cancel();
        replay.release();
        pendingLease.cancel();
        if (lease != null) {
            connection.detach();
            lease.close(EvictionReason.ERROR);
        }
        if (response.started()) {
            proxy.listener().requests().request(routeLabel, response.code(), System.nanoTime() - startNanos);
            session.closeNow();
        } else {
            session.refuse(status, reason, routeLabel, startNanos);
        }
    }

    private void fail(int status, String reason) {
        abort(status, reason);
    }
}
