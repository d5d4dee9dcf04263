package io.snipool.core.loop;

import io.netty.channel.Channel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Notices the reset of an io_uring socket whose output snipool shut down, which Netty 4.2.18's io_uring transport
 * can miss. Netty hands a poll's completion on by its {@code POLLIN}, {@code POLLOUT} and {@code POLLRDHUP} bits and
 * ignores one that carries none of them, yet counts the poll as still armed and arms none again. A socket reset by
 * its peer just after the peer acknowledged snipool's FIN can see both of its polls (read and peer-shutdown) end with
 * {@code POLLERR} alone: Netty's completion trace shows the two with result 8, and the socket's {@code SO_ERROR} is
 * {@code ECONNRESET}. The channel then never learns that its connection is gone. A tunnel that had passed a
 * client's FIN to its backend waited for the backend's end until its idle timeout: about one TLS connection in
 * 300,000 under bench/soak.sh (nginx resets after reading the client's {@code close_notify}), one in a few hundred
 * under TlsTunnelTest's churn.
 *
 * <p>The watch asks the socket for a pending error ({@code SO_ERROR}) {@value #FIRST_CHECK_MILLIS} ms after it
 * starts, then at doubling intervals up to {@value #LONGEST_INTERVAL_MILLIS} ms, until stopped; if there is one it
 * runs the given action, once. Sockets of the
 * other transports are not watched: they report the error. Remove this class once snipool runs on a Netty whose
 * io_uring transport acts on a poll that ends with an error alone.
 */
public final class LostResetWatch {

    static final long FIRST_CHECK_MILLIS = 250;
    /** The interval stops doubling here: a side that half-closed for hours is still checked twice a minute. */
    static final long LONGEST_INTERVAL_MILLIS = 30_000;

    private final Channel side;
    private final Socket socket;
    private final Runnable onReset;
    private final Runnable check = this::check;
    private long delayMillis = FIRST_CHECK_MILLIS;
    private ScheduledFuture<?> next;

    private LostResetWatch(Channel side, Socket socket, Runnable onReset) {
        this.side = side;
        this.socket = socket;
        this.onReset = onReset;
    }

    /**
     * Starts watching {@code side}, whose output was just shut, if it runs on io_uring; {@code onReset} runs on its
     * event loop. Null for the other transports: nothing to stop.
     */
    public static LostResetWatch start(Channel side, Runnable onReset) {
        if (ChannelTransport.of(side) != ChannelTransport.IO_URING || !(side instanceof UnixChannel unix)
                || !(unix.fd() instanceof Socket socket)) {
            return null;
        }
        LostResetWatch watch = new LostResetWatch(side, socket, onReset);
        watch.schedule();
        return watch;
    }

    /** No more checks. */
    public void stop() {
        if (next != null) {
            next.cancel(false);
            next = null;
        }
    }

    private void schedule() {
        next = side.eventLoop().schedule(check, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void check() {
        next = null;
        if (!side.isOpen()) {
            return;
        }
        if (pendingError()) {
            onReset.run();
            return;
        }
        delayMillis = Math.min(2 * delayMillis, LONGEST_INTERVAL_MILLIS);
        schedule();
    }

    private boolean pendingError() {
        try {
            return socket.getSoError() != 0;
        } catch (IOException closedUnderUs) {
            return true;
        }
    }
}
