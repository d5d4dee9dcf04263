package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The end of a client's stream as the request decoder reports it: one {@link StrictRequestDecoder.InputEnded} after
 * every message decoded before it, with nothing made up of what the end cut short, however TCP split the bytes.
 */
class RequestInputEndTest {

    @Test
    void theEndFollowsTheCompleteRequestsAndDropsAHeadCutShort() {
        String sent = RawClient.get("a.test", "/1") + RawClient.get("a.test", "/2") + "GET /3 HTTP/1.1\r\nHo";
        for (int split = 1; split < sent.length(); split++) {
            assertThat(decodeThenEnd(sent, split)).as("split at %d", split)
                    .containsExactly("request /1", "last 0", "request /2", "last 0", "end");
        }
    }

    @Test
    void aBodyCutShortIsNeverMadeComplete() {
        String byLength = "POST /up HTTP/1.1\r\nHost: a.test\r\nContent-Length: 10\r\n\r\nfour";
        String chunked = "POST /up HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nfour\r\n";
        for (String sent : List.of(byLength, chunked)) {
            for (int split = 1; split < sent.length(); split++) {
                List<String> seen = decodeThenEnd(sent, split);
                assertThat(seen).as("split at %d", split).startsWith("request /up").endsWith("end")
                        .noneMatch(event -> event.startsWith("last"));
                assertThat(String.join("", seen.stream().filter(event -> event.startsWith("content "))
                        .map(event -> event.substring("content ".length())).toList())).isEqualTo("four");
            }
        }
    }

    @Test
    void aConnectionClosedWithoutAHalfCloseGetsNoEnd() {
        EmbeddedChannel channel = decoder();
        channel.writeInbound(Unpooled.copiedBuffer(RawClient.get("a.test", "/"), StandardCharsets.ISO_8859_1));
        channel.finish();
        assertThat(drain(channel)).containsExactly("request /", "last 0");
    }

    /** Decodes {@code sent} in two reads split at {@code split}, then ends the input; what came out, in order. */
    private static List<String> decodeThenEnd(String sent, int split) {
        EmbeddedChannel channel = decoder();
        byte[] bytes = sent.getBytes(StandardCharsets.ISO_8859_1);
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, 0, split)));
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, split, bytes.length)));
        channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        List<String> seen = drain(channel);
        channel.finishAndReleaseAll();
        return seen;
    }

    /** A listener for decoders tested alone: nothing to do when a head starts; a refused hold fails the test. */
    static final StrictRequestDecoder.Listener NO_SESSION = new StrictRequestDecoder.Listener() {
        @Override
        public void headStarted() {
        }

        @Override
        public void holdRefused(io.snipool.core.failure.Failure failure) {
            throw new AssertionError("unexpected: " + failure);
        }
    };

    private static EmbeddedChannel decoder() {
        return new EmbeddedChannel(new StrictRequestDecoder(1024, 16, NO_SESSION));
    }

    /** The messages the decoder handed on, each as one line, released. */
    static List<String> drain(EmbeddedChannel channel) {
        List<String> seen = new ArrayList<>();
        for (Object message = channel.readInbound(); message != null; message = channel.readInbound()) {
            if (message instanceof HttpRequest request) {
                seen.add("request " + request.uri());
            } else if (message instanceof LastHttpContent last) {
                seen.add("last " + last.content().readableBytes());
            } else if (message instanceof HttpContent content) {
                seen.add("content " + content.content().toString(StandardCharsets.ISO_8859_1));
            } else if (message == StrictRequestDecoder.InputEnded.INSTANCE) {
                seen.add("end");
            } else {
                seen.add("other " + message);
            }
            ReferenceCountUtil.release(message);
        }
        return seen;
    }
}
