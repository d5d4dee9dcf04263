package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.snipool.config.Timeouts;
import io.snipool.core.loop.Deadline;
import io.snipool.core.metrics.ProxyMetrics;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP/1.1 client connection in stages, when snipool ends it while the client may still be sending (an
 * error of its own, or a response that ends the connection before the request body was read). Closing a socket with
 * unread bytes makes the kernel send a reset instead of a FIN, and the reset may destroy the answer before the
 * client reads it, or fail the client's next write before it looks for an answer. RFC 9112 §9.6: a server "SHOULD
 * NOT close a connection in both directions until it has ... received the client's FIN", and closes in stages:
 * its own FIN first (for terminated TLS a {@code close_notify} before it), then it reads and drops what the client
 * still sends, until the client's FIN, {@code timeouts.lingering_timeout} without a byte, or
 * {@code timeouts.lingering_time} in all (nginx's {@code lingering_close}, with its two timeouts).
 *
 * <p>This handler goes first in the pipeline: what the client sends is released as it comes, before the TLS layer
 * (no decryption) and the HTTP decoder (no parsing), and nothing is kept. The connection holds its
 * {@code max_connections} and per-client slots until it closes, so lingering cannot open more than the limits let;
 * a drain's end closes it like any other connection.
 */
final class LingeringClose extends ChannelInboundHandlerAdapter {

    static final String NAME = "snipool-lingering-close";

    /** What ended a lingering close: the {@code ended} label of {@link ProxyMetrics#LINGERING_CLOSES}. */
    enum Ended {
        /** The client's FIN: it has sent all it will, and has read the answer or never will. */
        FIN,
        /** Nothing from the client for {@code timeouts.lingering_timeout}. */
        LINGERING_TIMEOUT,
        /** {@code timeouts.lingering_time} passed, the client still sending. */
        LINGERING_TIME,
        /** Closed otherwise: a reset or read error, the end of a drain, a failed write of the FIN. */
        OTHER;

        final String label = name().toLowerCase(Locale.ROOT);
    }

    private final Channel channel;
    private final Timeouts timeouts;
    private final ProxyMetrics.ListenerMeters meters;
    private final Deadline silence;
    private final Runnable silent = () -> end(Ended.LINGERING_TIMEOUT);
    private ScheduledFuture<?> timeLimit;
    private boolean ended;

    private LingeringClose(Channel channel, Timeouts timeouts, ProxyMetrics.ListenerMeters meters) {
        this.channel = channel;
        this.timeouts = timeouts;
        this.meters = meters;
        this.silence = new Deadline(channel.eventLoop());
    }

    /**
     * Closes the connection of {@code written}, the last write to it, once that write is done: in stages if the
     * client may still be sending, else (lingering off, the write failed, the client's FIN already came) at once.
     * Call only when the client may still be sending: after a complete exchange with nothing unread a plain close
     * costs less.
     */
    static void afterWrite(ChannelFuture written, HttpListener listener) {
        Channel channel = written.channel();
        Timeouts timeouts = listener.timeouts();
        if (!written.isSuccess() || !timeouts.lingers() || !(channel instanceof DuplexChannel duplex)
                || !channel.isActive() || duplex.isInputShutdown() || duplex.isOutputShutdown()) {
            channel.close();
            return;
        }
        LingeringClose lingering = new LingeringClose(channel, timeouts, listener.meters());
        channel.pipeline().addFirst(NAME, lingering);
        lingering.start(duplex);
    }

    private void start(DuplexChannel duplex) {
        timeLimit = channel.eventLoop().schedule(() -> end(Ended.LINGERING_TIME),
                timeouts.lingeringTime().toNanos(), TimeUnit.NANOSECONDS);
        silence.arm(timeouts.lingeringTimeout(), silent);
        // Terminated TLS: the close_notify goes out before the FIN, or the client reads the FIN as a truncation. The
        // engine is left as it is; what the client sends after this never reaches it.
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        ChannelFuture notified = tls != null ? tls.closeOutbound() : channel.newSucceededFuture();
        notified.addListener(sent -> {
            if (!sent.isSuccess()) {
                end(Ended.OTHER);
                return;
            }
            // Netty's shutdownOutput fails writes still queued: it comes only once the last one is out.
            duplex.shutdownOutput().addListener(shut -> {
                if (!shut.isSuccess()) {
                    end(Ended.OTHER);
                } else if (!ended) {
                    channel.config().setAutoRead(true); // reads from now on, without being asked each time
                }
            });
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        // Dropped as it comes: the client's bytes are read only so that the close ends with a FIN, not a reset.
        ReferenceCountUtil.release(msg);
        silence.arm(timeouts.lingeringTimeout(), silent);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        // Nothing behind this handler reads any more.
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) {
        if (event instanceof ChannelInputShutdownEvent || event instanceof ChannelInputShutdownReadComplete) {
            end(Ended.FIN);
            return;
        }
        context.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        // A reset or read error: the client is gone, and so is anything it had not read.
        end(Ended.OTHER);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        finish(Ended.OTHER);
        context.fireChannelInactive();
    }

    private void end(Ended how) {
        if (finish(how)) {
            channel.close();
        }
    }

    /** Counts the end once and drops the timers; false if it had already ended. */
    private boolean finish(Ended how) {
        if (ended) {
            return false;
        }
        ended = true;
        silence.dispose();
        if (timeLimit != null) {
            timeLimit.cancel(false);
        }
        meters.lingeringClose(how.label);
        return true;
    }
}
