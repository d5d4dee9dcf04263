package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.snipool.core.failure.Failure;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzz target for the client-side decoder exactly as a listener configures it (the head guard, then Netty's decoder
 * in its strictest setting). A plain {@code mvn test} runs only the committed seed corpus under
 * {@code src/test/resources/io/snipool/core/http/RequestDecoderFuzzTestInputs/anyClientBytes/}; set
 * {@code JAZZER_FUZZ=1} to fuzz.
 */
class RequestDecoderFuzzTest {

    /** The smallest {@code limits.max_request_head_bytes} the configuration allows, so the limit is reachable. */
    private static final int MAX_HEAD = 1024;
    private static final int MAX_HEADERS = 16;

    /**
     * Arbitrary bytes from a client: decoded without an unexpected exception, to the same messages whole and one
     * byte per read; nothing decoded after a refusal; every head the guard accepts is one request to Netty; and every
     * trailer handed on is a plain field line that neither frames nor routes.
     */
    @FuzzTest(maxDuration = "5m")
    void anyClientBytes(byte[] received) {
        List<String> whole = decode(List.of(received));
        List<byte[]> bytes = new ArrayList<>();
        for (int i = 0; i < received.length; i++) {
            bytes.add(Arrays.copyOfRange(received, i, i + 1));
        }
        assertThat(decode(bytes)).as("one byte per read").isEqualTo(whole);

        HeadCheck check = new RequestHeadGuard(MAX_HEAD, MAX_HEADERS).check(Unpooled.wrappedBuffer(received));
        if (check instanceof HeadCheck.Valid valid) {
            List<String> head = decode(List.of(Arrays.copyOf(received, valid.length())));
            assertThat(head).as("the accepted head alone").isNotEmpty();
            assertThat(head.get(0)).startsWith("request ");
            assertThat(head.stream().filter(event -> event.startsWith("request") || event.startsWith("invalid")))
                    .as("Netty's reading of a head the guard accepted").hasSize(1);
            assertThat(whole.get(0)).isEqualTo(head.get(0));
        } else if (check instanceof HeadCheck.Invalid invalid) {
            assertThat(whole).containsExactly("rejected " + invalid.status());
        } else {
            assertThat(whole).isEmpty();
        }
    }

    /**
     * Feeds {@code reads} to a fresh decoder and describes what came out: {@code request METHOD TARGET VERSION
     * fields}, {@code content <bytes>} (consecutive parts joined, as reads cut them differently), {@code last
     * <trailers>}, {@code rejected STATUS}, {@code invalid ...}, {@code hold refused STATUS} (more bytes after an
     * Upgrade request than a head may have). Nothing may follow a refusal or a failed message.
     */
    private static List<String> decode(List<byte[]> reads) {
        List<String> events = new ArrayList<>();
        StringBuilder content = new StringBuilder();
        // The status of a refused hold, 0 while none: told during a read, after that read's messages were made.
        int[] holdRefused = {0};
        EmbeddedChannel channel = new EmbeddedChannel(new StrictRequestDecoder(MAX_HEAD, MAX_HEADERS,
                new StrictRequestDecoder.Listener() {
                    @Override
                    public void headStarted() {
                    }

                    @Override
                    public void holdRefused(Failure failure) {
                        assertThat(holdRefused[0]).as("a second refusal of the hold").isZero();
                        holdRefused[0] = failure.kind().status();
                    }
                }));
        boolean ended = false;
        try {
            for (byte[] read : reads) {
                ended |= holdRefused[0] != 0;
                channel.writeInbound(Unpooled.wrappedBuffer(read));
                channel.checkException();
                for (Object message = channel.readInbound(); message != null; message = channel.readInbound()) {
                    try {
                        assertThat(ended).as("a message after a refusal or a failure: " + message).isFalse();
                        ended = describe(message, events, content);
                    } finally {
                        ReferenceCountUtil.release(message);
                    }
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
        flush(events, content);
        if (holdRefused[0] != 0) {
            events.add("hold refused " + holdRefused[0]);
        }
        return events;
    }

    /** Appends what {@code message} is; true if nothing may follow it. */
    private static boolean describe(Object message, List<String> events, StringBuilder content) {
        if (message instanceof StrictRequestDecoder.RejectedRequest rejected) {
            events.add("rejected " + rejected.failure().kind().status());
            return true;
        }
        HttpObject object = (HttpObject) message;
        if (object.decoderResult().isFailure()) {
            flush(events, content);
            events.add("invalid " + object.getClass().getSimpleName());
            return true;
        }
        if (message instanceof HttpRequest request) {
            flush(events, content);
            events.add("request " + request.method() + " " + request.uri() + " " + request.protocolVersion() + " "
                    + request.headers().entries());
        }
        if (message instanceof HttpContent part) {
            ByteBuf data = part.content();
            content.append(data.toString(StandardCharsets.ISO_8859_1));
        }
        if (message instanceof LastHttpContent last) {
            // What reaches an exchange is forwarded: no trailer may frame or route the message there, and each must
            // be one plain field line.
            for (java.util.Map.Entry<String, String> trailer : last.trailingHeaders()) {
                assertThat(trailer.getKey()).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
                assertThat(ChunkedBodyGuard.FORBIDDEN_TRAILERS).doesNotContain(
                        trailer.getKey().toLowerCase(java.util.Locale.ROOT));
                assertThat(trailer.getValue()).doesNotContainPattern("[\\x00-\\x08\\x0a-\\x1f\\x7f]");
            }
            flush(events, content);
            events.add("last " + last.trailingHeaders().entries());
        }
        return false;
    }

    private static void flush(List<String> events, StringBuilder content) {
        if (!content.isEmpty()) {
            events.add("content " + content);
            content.setLength(0);
        }
    }
}
