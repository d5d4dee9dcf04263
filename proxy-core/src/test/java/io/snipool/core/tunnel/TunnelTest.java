package io.snipool.core.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
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

    /**
     * A channel whose writes stay queued in its outbound buffer until {@link #release}, as a socket's do while the
     * peer's receive window is closed: the channel's pending size and writability count them, and a close fails them.
     */
    private static final class HeldChannel extends EmbeddedChannel {
        private boolean held = true;

        @Override
        protected void doWrite(ChannelOutboundBuffer in) throws Exception {
            if (!held) {
                super.doWrite(in);
            }
        }

        void release() {
            held = false;
            flush();
        }
    }

    private final List<Tunnel.CloseReason> closes = new ArrayList<>();
    private EmbeddedChannel client;
    private HeldChannel backend;
    private Tunnel tunnel;

    @BeforeEach
    void start() {
        client = new EmbeddedChannel();
        client.pipeline().addLast(PLACEHOLDER, new ChannelInboundHandlerAdapter());
        backend = new HeldChannel();
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

        backend.release();

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
        backend.release();
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
