package io.snipool.core.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tunnel's end-of-stream rules, on embedded channels where the test decides when a write completes: a backend
 * that does not read is a write held back.
 */
class TunnelTest {

    private static final Duration IDLE = Duration.ofSeconds(30);
    private static final String PLACEHOLDER = "collector";

    /** Holds every write and flush until {@link #release}: a peer whose receive window is closed. */
    private static final class HeldWrites extends ChannelOutboundHandlerAdapter {
        private final List<Object> messages = new ArrayList<>();
        private final List<ChannelPromise> promises = new ArrayList<>();
        private ChannelHandlerContext context;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            context = ctx;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            messages.add(msg);
            promises.add(promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // Held: nothing goes out until release().
        }

        /** As a channel's outbound buffer does on close: unsent writes fail and their buffers are freed. */
        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            ClosedChannelException closed = new ClosedChannelException();
            for (int i = 0; i < messages.size(); i++) {
                ReferenceCountUtil.release(messages.get(i));
                promises.get(i).tryFailure(closed);
            }
            messages.clear();
            promises.clear();
            ctx.close(promise);
        }

        void release() {
            for (int i = 0; i < messages.size(); i++) {
                context.write(messages.get(i), promises.get(i));
            }
            messages.clear();
            promises.clear();
            context.flush();
        }
    }

    private final List<Tunnel.CloseReason> closes = new ArrayList<>();
    private final HeldWrites backendWrites = new HeldWrites();
    private EmbeddedChannel client;
    private EmbeddedChannel backend;
    private Tunnel tunnel;

    @BeforeEach
    void start() {
        client = new EmbeddedChannel();
        client.pipeline().addLast(PLACEHOLDER, new ChannelInboundHandlerAdapter());
        backend = new EmbeddedChannel(backendWrites);
        client.config().setAutoRead(false);
        backend.config().setAutoRead(false);
        backend.freezeTime();
        tunnel = Tunnel.start(client, PLACEHOLDER, backend, text("hello"), false, IDLE, new Tunnel.Observer() {
            @Override
            public void transferred(Tunnel.Direction direction, int bytes) {
            }

            @Override
            public void closed(Tunnel ended, Tunnel.CloseReason reason) {
                closes.add(reason);
            }
        });
    }

    @AfterEach
    void release() {
        client.finishAndReleaseAll();
        backend.finishAndReleaseAll();
    }

    @Test
    void bothFinsCloseOnlyOnceWhatWasQueuedBeforeThemHasGoneOut() {
        client.writeInbound(text("request"));
        client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        // The backend answers and ends its side before reading what the client sent.
        backend.writeInbound(text("answer"));
        backend.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        assertThat(client.isOpen()).isTrue();
        assertThat(backend.isOpen()).as("closed with bytes still queued for it").isTrue();
        assertThat(closes).isEmpty();

        backendWrites.release();

        assertThat(outbound(backend)).isEqualTo("hellorequest");
        assertThat(outbound(client)).isEqualTo("answer");
        assertThat(client.isOpen()).isFalse();
        assertThat(backend.isOpen()).isFalse();
        assertThat(closes).containsExactly(Tunnel.CloseReason.COMPLETED);
    }

    @Test
    void aPeerThatNeverDrainsAfterTheOtherSideClosedIsClosedAfterTheIdleTimeout() {
        client.writeInbound(text("request"));
        client.close();

        assertThat(closes).containsExactly(Tunnel.CloseReason.CLIENT_CLOSED);
        assertThat(backend.isOpen()).as("gets the bytes queued for it first").isTrue();

        backend.advanceTimeBy(IDLE.toNanos() - 1, TimeUnit.NANOSECONDS);
        backend.runScheduledPendingTasks();
        assertThat(backend.isOpen()).isTrue();

        backend.advanceTimeBy(1, TimeUnit.NANOSECONDS);
        backend.runScheduledPendingTasks();
        assertThat(backend.isOpen()).as("held open for ever by a peer that does not read").isFalse();
        assertThat(tunnel.isClosed()).isTrue();
    }

    @Test
    void aSideThatClosesAfterBeingPassedTheOtherSidesFinCompletesTheTunnel() {
        backend.writeInbound(text("answer"));
        backend.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        // The client got the answer and the FIN after it, then its own FIN closed its channel (HalfClose.sendFin).
        client.close();

        assertThat(closes).containsExactly(Tunnel.CloseReason.COMPLETED);
        assertThat(outbound(client)).isEqualTo("answer");
        backendWrites.release();
        assertThat(outbound(backend)).isEqualTo("hello");
        assertThat(backend.isOpen()).isFalse();
    }

    @Test
    void aSideThatClosesBeforeTheOtherSidesFinReachedItIsAClose() {
        client.writeInbound(text("request"));
        client.close();

        assertThat(closes).containsExactly(Tunnel.CloseReason.CLIENT_CLOSED);
    }

    private static ByteBuf text(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    /** Everything written out of {@code channel}, as text. */
    private static String outbound(EmbeddedChannel channel) {
        StringBuilder text = new StringBuilder();
        for (ByteBuf buffer; (buffer = channel.readOutbound()) != null; ) {
            text.append(buffer.toString(StandardCharsets.US_ASCII));
            buffer.release();
        }
        return text.toString();
    }
}
