package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.snipool.core.failure.Failure;
import io.snipool.core.failure.FailureKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The request decoder after an upgrade request (RFC 9110 §7.8): the bytes that follow are held raw, never decoded as
 * a request, whatever they look like and however TCP split them, and within the head limit.
 */
class UpgradeHoldTest {

    private static final String UPGRADE = "GET /chat HTTP/1.1\r\nHost: a.test\r\nConnection: keep-alive, Upgrade\r\n"
            + "Upgrade: websocket\r\n\r\n";
    /** Looks like a request; after an upgrade request it may as well be the new protocol's. */
    private static final String AFTER = RawClient.get("a.test", "/next");

    @Test
    void bytesAfterAnUpgradeRequestAreHeldNotDecoded() {
        String sent = UPGRADE + AFTER;
        for (int split = 1; split < sent.length(); split++) {
            StrictRequestDecoder decoder = new StrictRequestDecoder(1024, 16, RequestInputEndTest.NO_SESSION);
            EmbeddedChannel channel = feed(decoder, sent, split);
            assertThat(RequestInputEndTest.drain(channel)).as("split at %d", split)
                    .containsExactly("request /chat", "last 0");
            assertThat(decoder.holdsBytes()).isTrue();
            ByteBuf held = decoder.takeHeld();
            assertThat(held.toString(StandardCharsets.ISO_8859_1)).as("split at %d", split).isEqualTo(AFTER);
            held.release();
            assertThat(decoder.holdsBytes()).isFalse();
            assertThat(channel.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void withNothingHeldARefusedUpgradeLetsTheNextRequestBeDecoded() {
        StrictRequestDecoder decoder = new StrictRequestDecoder(1024, 16, RequestInputEndTest.NO_SESSION);
        EmbeddedChannel channel = feed(decoder, UPGRADE, UPGRADE.length());
        decoder.resumeAfterUpgrade();
        channel.writeInbound(Unpooled.copiedBuffer(AFTER, StandardCharsets.ISO_8859_1));
        assertThat(RequestInputEndTest.drain(channel))
                .containsExactly("request /chat", "last 0", "request /next", "last 0");
        channel.finishAndReleaseAll();
    }

    @Test
    void theEndOfInputComesAfterTheHeldBytesAndKeepsThem() {
        StrictRequestDecoder decoder = new StrictRequestDecoder(1024, 16, RequestInputEndTest.NO_SESSION);
        EmbeddedChannel channel = feed(decoder, UPGRADE + "frame", UPGRADE.length() + 2);
        channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(RequestInputEndTest.drain(channel)).containsExactly("request /chat", "last 0", "end");
        ByteBuf held = decoder.takeHeld();
        assertThat(held.toString(StandardCharsets.ISO_8859_1)).isEqualTo("frame");
        held.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void moreThanTheHeadLimitIsRefusedAndDropped() {
        List<Failure> refused = new ArrayList<>();
        StrictRequestDecoder decoder = new StrictRequestDecoder(1024, 16, new StrictRequestDecoder.Listener() {
            @Override
            public void headStarted() {
            }

            @Override
            public void holdRefused(Failure failure) {
                refused.add(failure);
            }
        });
        EmbeddedChannel channel = feed(decoder, UPGRADE + "x".repeat(1025), UPGRADE.length() + 1000);
        assertThat(refused).singleElement().satisfies(failure -> {
            assertThat(failure.kind()).isEqualTo(FailureKind.BAD_REQUEST);
            assertThat(failure.detail()).endsWith("limit 1024, got 1025");
        });
        assertThat(decoder.holdsBytes()).isFalse();
        channel.writeInbound(Unpooled.copiedBuffer(AFTER, StandardCharsets.ISO_8859_1));
        assertThat(RequestInputEndTest.drain(channel)).containsExactly("request /chat", "last 0");
        channel.finishAndReleaseAll();
    }

    /** A channel with {@code decoder}, fed {@code sent} in two reads split at {@code split}. */
    private static EmbeddedChannel feed(StrictRequestDecoder decoder, String sent, int split) {
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        byte[] bytes = sent.getBytes(StandardCharsets.ISO_8859_1);
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, 0, split)));
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, split, bytes.length)));
        return channel;
    }
}
