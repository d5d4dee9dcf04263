package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every refusal and acceptance of the chunked body guard, each fed whole, in two parts cut at every byte, and one
 * byte per call: the incremental scan must reach the same verdict, at the same byte, however TCP cut the body.
 */
class ChunkedBodyGuardTest {

    private static final int MAX_LINE = 64;
    private static final int MAX_TRAILERS = 4;

    static Stream<Arguments> refused() {
        return Stream.of(
                // chunk-size = 1*HEXDIG (RFC 9112 §7.1)
                refuse("chunk size over the limit of 2147483647 bytes", "80000000\r\n"),
                refuse("chunk size over the limit", "fffffffffffffffff\r\n"),
                refuse("chunk size over the limit", "100000000\r\n\r\n"),
                refuse("empty chunk size", "\r\n"),
                refuse("invalid character 0x78 in a chunk size", "0x5\r\nhello\r\n0\r\n\r\n"),
                refuse("invalid character 0x2b in a chunk size", "+5\r\nhello\r\n0\r\n\r\n"),
                refuse("invalid character 0x20 in a chunk size", " 5\r\nhello\r\n0\r\n\r\n"),
                refuse("invalid character 0x78 in a chunk size", "5x\r\nhello\r\n0\r\n\r\n"),
                refuse("invalid character 0xb2 in a chunk size", "\u00b2\r\n"),
                refuse("invalid character 0xa in a chunk size", "5\nhello\r\n0\r\n\r\n"),
                refuse("CR not followed by LF in a chunk-size line", "5\rhello\r\n0\r\n\r\n"),
                refuse("invalid chunk extension (character 0xd)", "5 \r\nhello\r\n0\r\n\r\n"),
                refuse("invalid chunk extension (character 0xd)", "5;a \r\nhello\r\n0\r\n\r\n"),
                // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) (RFC 9112 §7.1.1)
                refuse("invalid chunk extension (character 0xa)", "2;\nxx\r\n0\r\n\r\n"),
                refuse("CR not followed by LF in a chunk-size line", "2;a\rxx\r\n0\r\n\r\n"),
                refuse("invalid chunk extension (character 0x0)", "0;a\u0000\r\n\r\n"),
                refuse("invalid chunk extension (character 0x3d)", "0;=x\r\n\r\n"),
                refuse("invalid chunk extension (character 0x62)", "0;a b\r\n\r\n"),
                refuse("invalid chunk extension (character 0xd)", "0;a=\r\n\r\n"),
                refuse("invalid chunk extension (character 0x3b)", "0;;\r\n\r\n"),
                refuse("invalid chunk extension (character 0xd)", "0;a=\"x\r\n\r\n"),
                refuse("invalid chunk extension (character 0x1)", "0;a=\"x\u0001\"\r\n\r\n"),
                refuse("invalid chunk extension (character 0xa)", "0;a=\"x\\\n\"\r\n\r\n"),
                refuse("invalid chunk extension (character 0x78)", "0;a=\"x\"x\r\n\r\n"),
                refuse("invalid chunk extension (character 0x2c)", "0;a=b,c\r\n\r\n"),
                refuse("chunk-size line longer than the limit of 64 bytes", "5;" + "a".repeat(MAX_LINE) + "\r\n"),
                // chunk-data CRLF
                refuse("chunk data not followed by CRLF", "3\r\nabcX\r\n0\r\n\r\n"),
                refuse("chunk data not followed by CRLF", "3\r\nabc\n0\r\n\r\n"),
                refuse("chunk data not followed by CRLF", "3\r\nabc\r0\r\n\r\n"),
                // trailer-section: field lines as in a head (RFC 9112 §5, §7.1.2), no framing or routing (RFC 9110
                // §6.5.1)
                refuse("'Transfer-Encoding' is not allowed in the trailer section",
                        "0\r\nTransfer-Encoding: chunked\r\n\r\n"),
                refuse("'content-length' is not allowed", "0\r\ncontent-length: 5\r\n\r\n"),
                refuse("'Content_Length' is not allowed", "0\r\nContent_Length: 5\r\n\r\n"),
                refuse("'HOST' is not allowed", "0\r\nHOST: b.test\r\n\r\n"),
                refuse("'Connection' is not allowed", "0\r\nX: 1\r\nConnection: close\r\n\r\n"),
                refuse("'Trailer' is not allowed", "0\r\nTrailer: X\r\n\r\n"),
                refuse("obs-fold", "0\r\nX-T: a\r\n b\r\n\r\n"),
                refuse("obs-fold", "0\r\n\tX-T: a\r\n\r\n"),
                refuse("whitespace between a trailer field name and the colon", "0\r\nX-T : a\r\n\r\n"),
                refuse("whitespace between a trailer field name and the colon", "0\r\nGET /x HTTP/1.1\r\n\r\n"),
                refuse("invalid character 0x22 in a trailer field name", "0\r\n\"X\": a\r\n\r\n"),
                refuse("empty trailer field name", "0\r\n: a\r\n\r\n"),
                refuse("control character 0x1 in a trailer field value", "0\r\nX-T: a\u0001\r\n\r\n"),
                refuse("control character 0xa in a trailer field value", "0\r\nX-T: a\n\r\n"),
                refuse("control character 0x7f in a trailer field value", "0\r\nX-T: a\u007f\r\n\r\n"),
                refuse("CR not followed by LF in the trailer section", "0\r\nX-T: a\rb\r\n\r\n"),
                refuse("CR not followed by LF at the end of the trailer section", "0\r\n\rX"),
                refuse("invalid character 0xa in a trailer field name", "0\r\n\n"),
                refuse("more than 4 trailer fields", "0\r\n" + "X: 1\r\n".repeat(MAX_TRAILERS + 1) + "\r\n"),
                refuse("trailer section larger than the limit of 64 bytes", "0\r\nX: " + "v".repeat(MAX_LINE)
                        + "\r\n\r\n"));
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                accept("0\r\n\r\n"),
                accept("000\r\n\r\n"),
                accept("5\r\nhello\r\n0\r\n\r\n"),
                accept("aB\r\n" + "x".repeat(0xab) + "\r\n0\r\n\r\n"),
                accept("5\r\nhe\r\nl\r\n0\r\n\r\n"),
                accept("5;a=b\r\nhello\r\n0;last\r\n\r\n"),
                accept("5 ; a = b ;c;d=\"x;\\\"y\"\t;e\r\nhello\r\n0;z=\"\"\r\n\r\n"),
                accept("5;q=\"caf\u00e9 \\\u00e9\"\r\nhello\r\n0\r\n\r\n"),
                accept("7fffffff;" + "a".repeat(MAX_LINE - 11) + "\r\n"),
                accept("0\r\nX-Checksum: abc\r\nX-Empty:\r\nX-Tab: a\tb\r\nX-Obs: caf\u00e9\r\n\r\n"),
                accept("0\r\nTransfer-Encodings: x\r\nX-Content-Length: 5\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refuses(String reason, String body) {
        ChunkedBodyGuard.Verdict verdict = whole(body);
        assertThat(verdict).isInstanceOfSatisfying(ChunkedBodyGuard.Verdict.Invalid.class,
                invalid -> assertThat(invalid.reason()).contains(reason));
        assertSameVerdictHoweverSplit(body, verdict);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void accepts(String body) {
        ChunkedBodyGuard.Verdict verdict = whole(body);
        if (body.endsWith("\r\n\r\n")) {
            assertThat(verdict).isEqualTo(new ChunkedBodyGuard.Verdict.Done(body.length()));
        } else {
            assertThat(verdict).as("a chunk whose data has not arrived").isEqualTo(
                    ChunkedBodyGuard.Verdict.NeedMore.INSTANCE);
        }
        assertSameVerdictHoweverSplit(body, verdict);
    }

    @Test
    void theVerdictPointsAtTheOffendingByte() {
        assertThat(whole("5\r\nhelloX")).isEqualTo(new ChunkedBodyGuard.Verdict.Invalid(8,
                "chunk data not followed by CRLF"));
        assertThat(whole("0\r\nHost: b\r\n\r\n")).isInstanceOfSatisfying(ChunkedBodyGuard.Verdict.Invalid.class,
                invalid -> assertThat(invalid.at()).isEqualTo("0\r\nHost".length()));
    }

    @Test
    void theBodyEndsAtItsLastCrlfAndWhatFollowsIsNotScanned() {
        String body = "3\r\nabc\r\n0\r\n\r\n";
        assertThat(whole(body + "GET /next HTTP/1.1\r\n\u0000")).isEqualTo(
                new ChunkedBodyGuard.Verdict.Done(body.length()));
    }

    @Test
    void scanningStartsWhereTheCallerSays() {
        ByteBuf buffer = buffer("HEAD5\r\nhello\r\n0\r\n\r\n");
        assertThat(new ChunkedBodyGuard(MAX_LINE, MAX_TRAILERS).scan(buffer, 4, buffer.writerIndex()))
                .isEqualTo(new ChunkedBodyGuard.Verdict.Done(buffer.writerIndex()));
    }

    @Test
    void resetStartsANewBody() {
        ChunkedBodyGuard guard = new ChunkedBodyGuard(MAX_LINE, MAX_TRAILERS);
        ByteBuf first = buffer("0\r\nX: 1\r\nX: 2\r\nX: 3\r\nX: 4\r\n\r\n");
        assertThat(guard.scan(first, 0, first.writerIndex())).isInstanceOf(ChunkedBodyGuard.Verdict.Done.class);
        guard.reset();
        // The trailer count of the first body does not carry over.
        assertThat(guard.scan(first, 0, first.writerIndex())).isInstanceOf(ChunkedBodyGuard.Verdict.Done.class);
    }

    private static ChunkedBodyGuard.Verdict whole(String body) {
        ByteBuf buffer = buffer(body);
        return new ChunkedBodyGuard(MAX_LINE, MAX_TRAILERS).scan(buffer, 0, buffer.writerIndex());
    }

    /**
     * The first verdict other than NeedMore, with the body arriving in two parts cut at every byte, and one byte per
     * call, is the verdict on the whole.
     */
    private static void assertSameVerdictHoweverSplit(String body, ChunkedBodyGuard.Verdict expected) {
        ByteBuf buffer = buffer(body);
        int length = buffer.writerIndex();
        for (int cut = 1; cut < length; cut++) {
            ChunkedBodyGuard guard = new ChunkedBodyGuard(MAX_LINE, MAX_TRAILERS);
            ChunkedBodyGuard.Verdict first = guard.scan(buffer, 0, cut);
            ChunkedBodyGuard.Verdict verdict = first instanceof ChunkedBodyGuard.Verdict.NeedMore
                    ? guard.scan(buffer, cut, length) : first;
            assertThat(verdict).as("cut at %d", cut).isEqualTo(expected);
        }
        ChunkedBodyGuard guard = new ChunkedBodyGuard(MAX_LINE, MAX_TRAILERS);
        ChunkedBodyGuard.Verdict verdict = ChunkedBodyGuard.Verdict.NeedMore.INSTANCE;
        for (int index = 0; index < length && verdict instanceof ChunkedBodyGuard.Verdict.NeedMore; index++) {
            verdict = guard.scan(buffer, index, index + 1);
        }
        assertThat(verdict).as("one byte per call").isEqualTo(expected);
    }

    private static ByteBuf buffer(String text) {
        return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Arguments refuse(String reason, String body) {
        return Arguments.of(reason, body);
    }

    private static Arguments accept(String body) {
        return Arguments.of(body);
    }
}
