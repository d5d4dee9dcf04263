package io.snipool.core.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;
import io.snipool.core.loop.Deadline;
import io.snipool.core.loop.LostResetWatch;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A bidirectional byte pipe between a client channel and a backend channel on the same event loop: back-pressure
 * both ways (a side stops reading while the other cannot take more), half-close (one side's FIN becomes a FIN to
 * the other while the reverse direction keeps flowing), an idle timeout over the connection as a whole, and byte
 * counts. Both channels are closed exactly once, by {@link #close}. Single-threaded: every method runs on the
 * channels' event loop.
 */
public final class Tunnel {

    /** Direction of a byte flow. */
    public enum Direction {
        CLIENT_TO_BACKEND, BACKEND_TO_CLIENT;

        public String label() {
            return this == CLIENT_TO_BACKEND ? "client_to_backend" : "backend_to_client";
        }
    }

    /** Why a tunnel ended. */
    public enum CloseReason {
        /** Both sides sent FIN: the normal end. */
        COMPLETED,
        /** The client's connection went away (reset, or closed without half-close). */
        CLIENT_CLOSED,
        /** The backend's connection went away. */
        BACKEND_CLOSED,
        /** No byte either way for the idle timeout. */
        IDLE_TIMEOUT,
        /** A read or write failed. */
        ERROR,
        /** snipool closed it (shutdown). */
        SHUTDOWN
    }

    /** Told of traffic and of the end, for metrics and the access log. */
    public interface Observer {
        void transferred(Direction direction, int bytes);

        void closed(Tunnel tunnel, CloseReason reason);
    }

    static final int READ_BUFFER_MIN = 512;
    static final int READ_BUFFER_INITIAL = 16 * 1024;
    static final int READ_BUFFER_MAX = 256 * 1024;
    /** Holds only the sizes (each channel gets a handle of its own): one for every tunnel. */
    private static final AdaptiveRecvByteBufAllocator RELAY_READS = new AdaptiveRecvByteBufAllocator(READ_BUFFER_MIN,
            READ_BUFFER_INITIAL, READ_BUFFER_MAX);

    /** Name of the relay handler in both pipelines. */
    public static final String RELAY_HANDLER = "snipool-relay";

    private final Channel client;
    private final Channel backend;
    private final Duration idleTimeout;
    /** Re-armed on every transfer; the tunnel ends when a whole idle timeout passes without one. */
    private final Deadline idle;
    private final Runnable idleExpired = () -> close(CloseReason.IDLE_TIMEOUT);
    private final Observer observer;
    private final long startNanos = System.nanoTime();
    private long bytesToBackend;
    private long bytesToClient;
    private boolean clientInputDone;
    private boolean backendInputDone;
    /** The FIN passed on, after every byte written before it: set in the flush listener, not when the FIN came. */
    private boolean finSentToBackend;
    private boolean finSentToClient;
    private boolean closed;
    private long endNanos;
    /** Set while the tunnel waits for the end of a side it sent a FIN to, on io_uring. */
    private LostResetWatch lostReset;

    private Tunnel(Channel client, Channel backend, Duration idleTimeout, Observer observer) {
        this.client = client;
        this.backend = backend;
        this.idleTimeout = idleTimeout;
        this.idle = new Deadline(client.eventLoop());
        this.observer = observer;
    }

    /**
     * Starts relaying. The client's pipeline gets the relay in place of {@code clientHandlerToReplace}; the
     * backend's pipeline gets it appended. {@code firstBytes} (what the client sent before the tunnel existed,
     * possibly preceded by a PROXY header) is written to the backend first; ownership passes to the tunnel.
     * {@code clientInputEnded}: the client's FIN came before the tunnel existed; it follows {@code firstBytes}.
     * Both channels must have auto-read off when this is called; the tunnel turns it on.
     */
    public static Tunnel start(Channel client, String clientHandlerToReplace, Channel backend, ByteBuf firstBytes,
                               boolean clientInputEnded, Duration idleTimeout, Observer observer) {
        Tunnel tunnel = new Tunnel(client, backend, idleTimeout, observer);
        // Half-closure: a FIN becomes an event instead of a close, so the other direction can keep flowing.
        client.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        backend.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        sizeReads(backend);
        client.pipeline().replace(clientHandlerToReplace, RELAY_HANDLER,
                new RelayHandler(tunnel, backend, Direction.CLIENT_TO_BACKEND));
        backend.pipeline().addLast(RELAY_HANDLER, new RelayHandler(tunnel, client, Direction.BACKEND_TO_CLIENT));
        if (firstBytes.isReadable()) {
            tunnel.transferred(Direction.CLIENT_TO_BACKEND, firstBytes.readableBytes());
            backend.writeAndFlush(firstBytes).addListener(tunnel.writeFailureCloses());
        } else {
            firstBytes.release();
        }
        if (clientInputEnded) {
            tunnel.inputShutdown(Direction.CLIENT_TO_BACKEND);
        }
        tunnel.idle.arm(idleTimeout, tunnel.idleExpired);
        tunnel.resumeReading(client);
        tunnel.resumeReading(backend);
        return tunnel;
    }

    /**
     * Lets {@code side} read up to {@link #READ_BUFFER_MAX} at a time (Netty stops at 64 KiB by default): fewer read
     * and write calls per megabyte of a bulk transfer; the size adapts down again for interactive traffic. Takes
     * effect only on a channel that has not read yet: Netty sizes a channel's reads with the allocator it had at its
     * first read for the rest of its life. A passthrough client is sized when accepted, a backend when its tunnel
     * starts; the two sides of an HTTP upgrade, which have read already, keep Netty's sizes.
     */
    public static void sizeReads(Channel side) {
        side.config().setRecvByteBufAllocator(RELAY_READS);
    }

    /**
     * Lets {@code side} read again (at the start, or after its peer drained), unless its FIN has come: there is
     * nothing more to read, and on the epoll transport asking to would cost an epoll_ctl call for nothing.
     */
    void resumeReading(Channel side) {
        boolean inputDone = side == client ? clientInputDone : backendInputDone;
        if (!inputDone && !closed) {
            side.config().setAutoRead(true);
        }
    }

    void transferred(Direction direction, int bytes) {
        idle.arm(idleTimeout, idleExpired);
        if (direction == Direction.CLIENT_TO_BACKEND) {
            bytesToBackend += bytes;
        } else {
            bytesToClient += bytes;
        }
        observer.transferred(direction, bytes);
    }

    /** A write listener that ends the tunnel when a write to either side fails. */
    ChannelFutureListener writeFailureCloses() {
        return future -> {
            if (!future.isSuccess()) {
                close(CloseReason.ERROR);
            }
        };
    }

    /**
     * The sending side's FIN arrived: pass it on once what was already written has been flushed. When both FINs
     * have been passed on, the tunnel is complete.
     */
    void inputShutdown(Direction direction) {
        Channel target = direction == Direction.CLIENT_TO_BACKEND ? backend : client;
        if (direction == Direction.CLIENT_TO_BACKEND) {
            clientInputDone = true;
        } else {
            backendInputDone = true;
        }
        if (nothingQueued(target)) {
            finFlushed(direction, target);
            return;
        }
        target.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(future -> {
            if (!future.isSuccess()) {
                close(CloseReason.ERROR);
                return;
            }
            finFlushed(direction, target);
        });
    }

    /** Everything written to {@code target} before the FIN of {@code direction} is out: pass the FIN on. */
    private void finFlushed(Direction direction, Channel target) {
        // Both FINs having arrived is not enough to close: the first one's flush may still be waiting on a peer that
        // does not read (a backend that answers and ends its side before reading the request), and closing then
        // would drop the bytes queued for it. Close only once both flushes are done.
        if (direction == Direction.CLIENT_TO_BACKEND) {
            finSentToBackend = true;
        } else {
            finSentToClient = true;
        }
        if (finSentToBackend && finSentToClient) {
            close(CloseReason.COMPLETED);
        } else if (target instanceof DuplexChannel duplex && target.isActive()) {
            boolean targetInputDone = target == client ? clientInputDone : backendInputDone;
            HalfClose.sendFin(duplex, !targetInputDone);
            if (!targetInputDone && !closed) {
                // The tunnel now waits for the target's own end; io_uring may not report it if it is a reset, which
                // ends the tunnel as a reset Netty reports does (RelayHandler.exceptionCaught). Only the first FIN
                // passed on gets here (the second completes the tunnel), so there is one watch at most.
                lostReset = LostResetWatch.start(target, () -> close(CloseReason.ERROR));
            }
        }
    }

    /**
     * Nothing is queued for {@code side}, flushed or not: all written to it so far is in its socket. Then what waits
     * for a flush can happen at once: flushing an empty buffer to learn it would cost a write operation of its own on
     * io_uring (Netty submits it, zero bytes long) and a loop iteration until it completes. Every queued write,
     * even an empty one, counts in the pending size with an overhead, and Netty reports the high-water mark plus one
     * only while that size is zero (0 once the channel cannot be written to any more).
     */
    private static boolean nothingQueued(Channel side) {
        return side.bytesBeforeUnwritable() > side.config().getWriteBufferHighWaterMark();
    }

    /**
     * A side's channel went inactive. The other side gets what is still queued for it, within the idle timeout,
     * then closes.
     */
    void channelClosed(Direction readingSide) {
        if (closed) {
            return;
        }
        Channel other = readingSide == Direction.CLIENT_TO_BACKEND ? backend : client;
        CloseReason reason = readingSide == Direction.CLIENT_TO_BACKEND ? CloseReason.CLIENT_CLOSED
                : CloseReason.BACKEND_CLOSED;
        // A side that had been sent its FIN (so the other side had ended) closes when its own FIN comes
        // (HalfClose.sendFin): both directions are over, as when both FINs pass through inputShutdown.
        boolean readingSideGotFin = readingSide == Direction.CLIENT_TO_BACKEND ? finSentToClient : finSentToBackend;
        if ((clientInputDone && backendInputDone) || readingSideGotFin) {
            reason = CloseReason.COMPLETED;
        }
        finish(reason);
        if (nothingQueued(other)) {
            other.close();
            return;
        }
        // The flush waits on the peer reading. With the idle timer gone, a peer that never reads again would hold
        // this channel (and its max_connections slot) open for ever: it gets one idle timeout to drain.
        ScheduledFuture<?> drainDeadline = other.eventLoop().schedule(() -> {
            other.close();
        }, idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
        other.closeFuture().addListener(future -> drainDeadline.cancel(false));
        other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** Ends the tunnel: closes both channels (once) and reports. */
    public void close(CloseReason reason) {
        if (closed) {
            return;
        }
        finish(reason);
        client.close();
        backend.close();
    }

    private void finish(CloseReason reason) {
        closed = true;
        endNanos = System.nanoTime();
        idle.dispose();
        if (lostReset != null) {
            lostReset.stop();
        }
        observer.closed(this, reason);
    }

    boolean isClosed() {
        return closed;
    }

    public long bytesToBackend() {
        return bytesToBackend;
    }

    public long bytesToClient() {
        return bytesToClient;
    }

    /** Time from start to close (or to now while open). */
    public Duration duration() {
        return Duration.ofNanos((closed ? endNanos : System.nanoTime()) - startNanos);
    }
}
