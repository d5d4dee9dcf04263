package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The h2c preface sniffer, fed its input split at every point: it tells the preface once and only once it came
 * whole, leaves at the first byte that differs, and hands every byte on unread and in order either way.
 */
class H2cPrefaceSnifferTest {

    private static final byte[] PREFACE_AND_SETTINGS = concat(H2cPrefaceSniffer.PREFACE,
            new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame (RFC 9113 §6.5)

    /** Feeds {@code input} in two writes split at {@code split}; returns what went on and how often h2 was told. */
    private static Result feed(byte[] input, int split) {
        AtomicInteger told = new AtomicInteger();
        ByteArrayOutputStream passed = new ByteArrayOutputStream();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(H2cPrefaceSniffer.NAME, new H2cPrefaceSniffer(context -> told.incrementAndGet()));
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf bytes = (ByteBuf) msg;
                byte[] copy = new byte[bytes.readableBytes()];
                bytes.readBytes(copy);
                passed.writeBytes(copy);
                bytes.release();
            }
        });
        channel.writeInbound(Unpooled.wrappedBuffer(input, 0, split));
        boolean decidedEarly = channel.pipeline().get(H2cPrefaceSniffer.NAME) == null;
        if (split < input.length) {
            channel.writeInbound(Unpooled.wrappedBuffer(input, split, input.length - split));
        }
        boolean left = channel.pipeline().get(H2cPrefaceSniffer.NAME) == null;
        channel.finishAndReleaseAll();
        return new Result(told.get(), passed.toByteArray(), decidedEarly, left);
    }

    private record Result(int told, byte[] passed, boolean decidedAfterFirstWrite, boolean left) {
    }

    @Test
    void thePrefaceSplitAtEveryPointIsToldOnceAndPassedOnWhole() {
        for (int split = 1; split <= PREFACE_AND_SETTINGS.length; split++) {
            Result result = feed(PREFACE_AND_SETTINGS, split);
            assertThat(result.told()).as("split at %d", split).isEqualTo(1);
            assertThat(result.passed()).as("split at %d", split).isEqualTo(PREFACE_AND_SETTINGS);
            assertThat(result.left()).isTrue();
            assertThat(result.decidedAfterFirstWrite()).as("split at %d: decided only on the whole preface", split)
                    .isEqualTo(split >= H2cPrefaceSniffer.PREFACE.length);
        }
    }

    @Test
    void anHttp11RequestSplitAtEveryPointIsPassedOnAtItsFirstDifferentByte() {
        byte[] request = "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int split = 1; split <= request.length; split++) {
            Result result = feed(request, split);
            assertThat(result.told()).isZero();
            assertThat(result.passed()).isEqualTo(request);
            assertThat(result.decidedAfterFirstWrite()).as("'G' is not 'P'").isTrue();
        }
    }

    @Test
    void aRequestThatBeginsLikeThePrefaceIsHttp11AtTheFirstDifference() {
        byte[] request = "PRI * HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int split = 1; split <= request.length; split++) {
            Result result = feed(request, split);
            assertThat(result.told()).isZero();
            assertThat(result.passed()).isEqualTo(request);
            assertThat(result.decidedAfterFirstWrite()).as("split at %d", split).isEqualTo(split >= 12);
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
