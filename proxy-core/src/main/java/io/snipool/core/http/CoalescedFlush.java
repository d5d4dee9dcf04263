package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;

/**
 * The flushes of an HTTP/2 connection's streams, turned into one flush of the connection per run of its event loop.
 * Put first in each stream's child channel; the streams of one connection share one. A stream's frames already went
 * to the connection's codec when they were written (a child channel buffers nothing), so the connection's flush
 * sends them all.
 *
 * <p>Why: Netty coalesces a stream's flush only while the connection itself is reading. A stream written from
 * elsewhere (a response read from a backend, a request head written while the client's connection was read)
 * flushes its connection at once: a TLS record and a write system call per response, a write per request to an h2c
 * backend, where one per loop run carries the whole burst. The deferred flush runs as a task of the same event loop,
 * after the I/O it was called from: nothing waits on a timer.
 */
@ChannelHandler.Sharable
final class CoalescedFlush extends ChannelOutboundHandlerAdapter {

    static final String NAME = "snipool-h2-coalesced-flush";

    private final Channel connection;
    private final Runnable flushTask = this::flushNow;
    private boolean scheduled;

    CoalescedFlush(Channel connection) {
        this.connection = connection;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        flushSoon();
    }

    /** Flushes the connection once the event loop has done the work at hand, however many streams asked. */
    void flushSoon() {
        if (!scheduled) {
            scheduled = true;
            connection.eventLoop().execute(flushTask);
        }
    }

    /** Flushes the connection now: what goes after must not overtake what its streams wrote (a reset). */
    void flushNow() {
        scheduled = false;
        connection.flush();
    }
}
