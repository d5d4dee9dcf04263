package io.snipool.core.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.snipool.core.termination.HandshakeOutcome;
import io.snipool.core.termination.SessionResumption;
import javax.net.ssl.SSLSession;

/**
 * Waits, behind the {@link SslHandler} of a terminating route, for the handshake to end: on success hands the
 * session's facts to {@link Outcome#established}, else reports why it failed. Leaves the pipeline either way. The
 * client may also leave during the handshake, which is a failure too.
 */
final class TlsHandshake extends ChannelInboundHandlerAdapter {

    static final String NAME = "snipool-tls-handshake";

    /** Told exactly once. */
    interface Outcome {
        void established(SSLSession session, boolean resumed, long nanos);

        /** {@code label}: one of {@link io.snipool.core.metrics.TlsMeters#OUTCOMES} other than {@code ok}. */
        void failed(String label, Throwable cause);
    }

    private final SslHandler ssl;
    private final Outcome outcome;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private boolean told;

    TlsHandshake(SslHandler ssl, Outcome outcome) {
        this.ssl = ssl;
        this.outcome = outcome;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (!(event instanceof SslHandshakeCompletionEvent completion) || told) {
            ctx.fireUserEventTriggered(event);
            return;
        }
        told = true;
        if (completion.isSuccess()) {
            ctx.pipeline().remove(this);
            SSLSession session = ssl.engine().getSession();
            outcome.established(session, SessionResumption.resumed(ssl.engine(), session, startMillis),
                    System.nanoTime() - startNanos);
        } else {
            // Stays in the pipeline: the SslHandler raises the error behind the event next, and it is ours to
            // swallow (counted above), not the socket's to log.
            outcome.failed(HandshakeOutcome.of(completion.cause()), completion.cause());
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!told) {
            told = true;
            outcome.failed("client_closed", null);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // The SslHandler reports a broken handshake as an event as well; this is the read error behind it.
        ctx.close();
    }
}
