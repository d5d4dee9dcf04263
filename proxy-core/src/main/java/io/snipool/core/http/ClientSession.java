package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.snipool.core.metrics.RequestMeters;
import io.snipool.core.route.RouteMatch;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One HTTP client connection: reads requests one at a time (the pipeline's flow-control handler hands over one
 * message per {@code read()}, so pipelined requests wait their turn and are answered in order), validates and
 * routes each, and runs an {@link Exchange} for it. Owns the client connection's timers: {@code request_head} from
 * the first byte of a head, {@code idle} between requests.
 */
final class ClientSession extends ChannelInboundHandlerAdapter implements StrictRequestDecoder.HeadListener {

    static final String NAME = "snipool-http";
    private static final Logger LOG = Logger.getLogger(ClientSession.class.getName());

    private final HttpProxy proxy;
    private final Channel channel;
    private final String clientAddress;
    private final ClientResponseEncoder encoder;
    private final Deadline timer;
    private ChannelHandlerContext ctx;
    private Exchange exchange;
    private boolean headStarted;
    private boolean firstRequest = true;
    private boolean closing;
    /** A message was asked for with {@code read()} and has not arrived yet. */
    private boolean readPending;

    ClientSession(HttpProxy proxy, Channel channel, String clientAddress, ClientResponseEncoder encoder) {
        this.proxy = proxy;
        this.channel = channel;
        this.clientAddress = clientAddress;
        this.encoder = encoder;
        this.timer = new Deadline(channel.eventLoop());
    }

    HttpProxy proxy() {
        return proxy;
    }

    Channel channel() {
        return channel;
    }

    String clientAddress() {
        return clientAddress;
    }

    ClientResponseEncoder encoder() {
        return encoder;
    }

    boolean isClosing() {
        return closing;
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
        Duration wait = firstRequest || headStarted ? proxy.listener().timeouts().requestHead()
                : proxy.listener().timeouts().idle();
        timer.arm(wait, this::waitExpired);
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
        if (readPending && !closing) {
            context.read();
        }
        context.fireChannelReadComplete();
    }

    @Override
    public void headStarted() {
        // The decoder announces each head once. During an exchange no client timer runs, but the head must still
        // be remembered: waitForRequest gives it request_head rather than the idle timeout.
        headStarted = true;
        if (exchange == null) {
            timer.arm(proxy.listener().timeouts().requestHead(), this::waitExpired);
        }
    }

    private void waitExpired() {
        if (exchange != null || closing) {
            return;
        }
        if (headStarted || firstRequest) {
            refuse(408, "the request head did not arrive within "
                    + io.snipool.config.Units.formatDuration(proxy.listener().timeouts().requestHead()));
        } else {
            closeNow();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        readPending = false;
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof StrictRequestDecoder.RejectedRequest rejected) {
            refuse(rejected.status(), rejected.reason());
        } else if (msg instanceof HttpRequest request) {
            timer.cancel();
            firstRequest = false;
            headStarted = false;
            onRequest(request);
        } else if (msg instanceof HttpContent content && exchange != null) {
            exchange.clientContent(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            refuse(statusFor(cause), "malformed request: " + cause.getMessage());
            return;
        }
        if (request.method().equals(HttpMethod.CONNECT)) {
            refuse(501, "CONNECT is not supported: snipool is a reverse proxy");
            return;
        }
        String target = request.uri();
        String absoluteAuthority = HostAuthority.authorityOfAbsoluteForm(target);
        if (absoluteAuthority == null && !target.startsWith("/")
                && !(target.equals("*") && request.method().equals(HttpMethod.OPTIONS))) {
            refuse(400, "invalid request target");
            return;
        }
        String authority = absoluteAuthority != null ? absoluteAuthority : request.headers().get(HttpHeaderNames.HOST);
        String host = authority == null ? "" : HostAuthority.hostOf(authority);
        if (host == null) {
            refuse(400, "malformed Host '" + authority + "'");
            return;
        }
        Optional<RouteMatch> match = host.isEmpty() ? proxy.listener().routes().matchWithoutName()
                : proxy.listener().routes().match(host);
        if (match.isEmpty()) {
            refuse(421, "no route for host '" + (host.isEmpty() ? "(none)" : host) + "'");
            return;
        }
        exchange = new Exchange(this, request, match.get(), absoluteAuthority, authority);
        exchange.start();
    }

    /** Netty's own decode failures: sizes map to their statuses, everything else is a 400. */
    private static int statusFor(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return 414;
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return 431;
        }
        return 400;
    }

    /** Asks for the next message of the current request's body. */
    void readRequestBody() {
        if (!closing) {
            requestRead();
        }
    }

    /** The exchange is over; {@code keepAlive}: the client connection may carry the next request. */
    void exchangeDone(boolean keepAlive) {
        exchange = null;
        if (!keepAlive || closing) {
            closeAfterFlush();
        } else {
            waitForRequest();
        }
    }

    /** The exchange became a tunnel (an accepted Upgrade): the connection is the tunnel's from now on. */
    void exchangeUpgraded() {
        exchange = null;
        timer.cancel();
        closing = true;
    }

    /**
     * Answers with an error of snipool's own and closes: a refused request, or a failure before any byte of the
     * backend's response was sent.
     */
    void refuse(int status, String reason) {
        refuse(status, reason, RequestMeters.NO_ROUTE, System.nanoTime());
    }

    void refuse(int status, String reason, String routeLabel, long startNanos) {
        if (closing) {
            return;
        }
        LOG.log(Level.FINE, () -> clientAddress + ": " + status + " " + reason);
        proxy.listener().requests().request(routeLabel, status, System.nanoTime() - startNanos);
        closing = true;
        timer.cancel();
        encoder.headRequest(false);
        channel.writeAndFlush(ErrorResponses.of(status, reason, channel.alloc()))
                .addListener(ChannelFutureListener.CLOSE);
    }

    void closeAfterFlush() {
        closing = true;
        timer.cancel();
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    void closeNow() {
        closing = true;
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
        closing = true;
        timer.cancel();
        if (exchange != null) {
            Exchange current = exchange;
            exchange = null;
            current.clientClosed();
        }
        context.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        // A reset or read error: the client is gone. Vert.x's handler behind must not log it as unhandled.
        context.close();
    }
}
