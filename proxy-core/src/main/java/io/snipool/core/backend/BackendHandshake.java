package io.snipool.core.backend;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.time.Duration;

/**
 * The TLS handshake of a new backend connection: puts the profile's {@link SslHandler} on a freshly connected
 * channel, waits for the handshake to end within {@code timeout}, and reports it once; on success it leaves only the
 * {@code SslHandler} in the pipeline. Until then the connection belongs to no pool: a connection is handed over
 * only once the backend has been verified.
 */
public final class BackendHandshake extends ChannelInboundHandlerAdapter {

    /** The {@link SslHandler}'s name in a backend pipeline. */
    public static final String SSL = "snipool-backend-tls";
    static final String NAME = "snipool-backend-tls-handshake";

    /** Told exactly once, on the channel's event loop. */
    public interface Outcome {
        void established(boolean resumed);

        /** The channel is being closed. */
        void failed(HandshakeFailure.Diagnosis diagnosis);
    }

    private final SslHandler ssl;
    private final BackendTlsProfile profile;
    private final Outcome outcome;
    private boolean told;

    private BackendHandshake(SslHandler ssl, BackendTlsProfile profile, Outcome outcome) {
        this.ssl = ssl;
        this.profile = profile;
        this.outcome = outcome;
    }

    /**
     * Starts the handshake for {@code target} on {@code channel} (connected to {@code port}, auto-read off). Reading
     * is on while it runs and off again when {@code outcome} is told of success.
     */
    public static void start(Channel channel, TlsTarget target, int port, Duration timeout, Outcome outcome) {
        SslHandler ssl = target.profile().newHandler(channel.alloc(), target.sni(), port);
        ssl.setHandshakeTimeoutMillis(Math.max(1, timeout.toMillis()));
        channel.config().setAutoRead(true);
        channel.pipeline().addLast(SSL, ssl).addLast(NAME, new BackendHandshake(ssl, target.profile(), outcome));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (!(event instanceof SslHandshakeCompletionEvent completion) || told) {
            ctx.fireUserEventTriggered(event);
            return;
        }
        told = true;
        if (completion.isSuccess()) {
            ctx.pipeline().remove(this);
            ctx.channel().config().setAutoRead(false);
            outcome.established(profile.resumed(ssl.engine()));
        } else {
            // Stays in the pipeline: the exception behind the event comes next, and ends here.
            ctx.close();
            outcome.failed(HandshakeFailure.diagnose(completion.cause()));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // The SslHandler reports a broken handshake as a completion event too; this is the read error behind it.
        ctx.close();
    }
}
