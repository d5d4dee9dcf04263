package io.snipool.core.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The streams' flushes of one connection become one flush of the connection, once the loop's work at hand is done;
 * a flush that must not wait goes at once. Two embedded channels stand in for two streams of one connection; their
 * pipelines are flushed and the connection written through a context, as EmbeddedChannel's own calls run the
 * pending tasks that the test runs itself (its writes do too: the streams flush after the writes).
 */
class CoalescedFlushTest {

    private final FlushCounter flushes = new FlushCounter();
    private final EmbeddedChannel connection = new EmbeddedChannel(flushes);
    private final CoalescedFlush coalesced = new CoalescedFlush(connection);
    private final EmbeddedChannel firstStream = new EmbeddedChannel(coalesced);
    private final EmbeddedChannel secondStream = new EmbeddedChannel(coalesced);

    @AfterEach
    void close() {
        firstStream.finishAndReleaseAll();
        secondStream.finishAndReleaseAll();
        connection.finishAndReleaseAll();
    }

    @Test
    void streamsFlushingInOneRunFlushTheConnectionOnceAfterIt() {
        write(bytes("first"));
        write(bytes("second"));
        firstStream.pipeline().flush();
        secondStream.pipeline().flush();
        firstStream.pipeline().flush();

        assertEquals(0, flushes.count, "nothing is flushed before the loop's work at hand is done");
        connection.runPendingTasks();
        assertEquals(1, flushes.count);
        assertEquals("first", text(connection.readOutbound()));
        assertEquals("second", text(connection.readOutbound()));
    }

    @Test
    void aFlushAfterTheDeferredOneIsDeferredAgain() {
        firstStream.pipeline().flush();
        connection.runPendingTasks();
        write(bytes("later"));
        secondStream.pipeline().flush();

        connection.runPendingTasks();
        assertEquals(2, flushes.count);
        assertEquals("later", text(connection.readOutbound()));
    }

    @Test
    void flushNowDoesNotWait() {
        write(bytes("before a reset"));
        coalesced.flushNow();

        assertEquals(1, flushes.count);
        assertEquals("before a reset", text(connection.readOutbound()));
    }

    private void write(ByteBuf message) {
        connection.pipeline().firstContext().write(message);
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    private static String text(ByteBuf written) {
        try {
            return written.toString(StandardCharsets.US_ASCII);
        } finally {
            written.release();
        }
    }

    private static final class FlushCounter extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void flush(ChannelHandlerContext ctx) {
            count++;
            ctx.flush();
        }
    }
}
