package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.snipool.core.failure.FailureKind;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every refusal and acceptance of the request head guard, each fed whole, split in two at every byte, and one byte
 * per read: the incremental scan must reach the same verdict however TCP cut the bytes.
 */
class RequestHeadGuardTest {

    private static final int MAX_HEAD = 1024;
    private static final int MAX_HEADERS = 8;

    static Stream<Arguments> refused() {
        return Stream.of(
                // Framing (RFC 9112 §6.1, §6.3)
                refuse(400, "both Transfer-Encoding and Content-Length",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
                refuse(400, "both Transfer-Encoding and Content-Length",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n"),
                refuse(501, "'gzip' is not implemented",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"),
                refuse(501, "'gzip' is not implemented",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
                refuse(501, "'identity' is not implemented",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n"),
                refuse(400, "chunked applied more than once",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
                refuse(400, "empty element in Transfer-Encoding",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n"),
                refuse(400, "empty element in Transfer-Encoding",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n"),
                refuse(400, "Transfer-Encoding in an HTTP/1.0 request",
                        "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
                refuse(400, "more than one Content-Length",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
                refuse(400, "more than one Content-Length",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n"),
                refuse(400, "Content-Length is not a single non-negative number: '5, 5'",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n"),
                refuse(400, "not a single non-negative number: '-1'",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
                refuse(400, "not a single non-negative number: '+5'",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n"),
                refuse(400, "not a single non-negative number: '0x10'",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n"),
                refuse(400, "not a single non-negative number: ''",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n"),
                refuse(400, "not a single non-negative number: '1234567890123456789'",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456789\r\n\r\n"),
                // Field syntax (RFC 9112 §5)
                refuse(400, "obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"),
                refuse(400, "obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n"),
                refuse(400, "obs-fold", "GET / HTTP/1.1\r\n Host: a\r\n\r\n"),
                refuse(400, "whitespace between a header field name and the colon",
                        "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
                refuse(400, "whitespace between a header field name and the colon",
                        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length\t: 0\r\n\r\n"),
                refuse(400, "invalid character 0x1 in a header field name", "GET / HTTP/1.1\r\nHost: a\r\nX\u0001A: b\r\n\r\n"),
                refuse(400, "invalid character 0x7f in a header field name", "GET / HTTP/1.1\r\nHost: a\r\nX\u007fA: b\r\n\r\n"),
                refuse(400, "invalid character 0xe9 in a header field name", "GET / HTTP/1.1\r\nHost: a\r\nX\u00e9: b\r\n\r\n"),
                refuse(400, "invalid character 0x22 in a header field name", "GET / HTTP/1.1\r\nHost: a\r\n\"X\": b\r\n\r\n"),
                refuse(400, "control character 0x0 in a header field value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u0000c\r\n\r\n"),
                refuse(400, "control character 0x1b in a header field value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: \u001b[0m\r\n\r\n"),
                refuse(400, "control character 0x7f in a header field value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u007f\r\n\r\n"),
                refuse(400, "empty header field name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n"),
                refuse(400, "'Transfer_Encoding' looks like a framing field spelled with an underscore",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\n\r\n"),
                refuse(400, "'content_LENGTH' looks like a framing field spelled with an underscore",
                        "POST / HTTP/1.1\r\nHost: a\r\ncontent_LENGTH: 5\r\n\r\n"),
                // Host (RFC 9112 §3.2)
                refuse(400, "missing Host", "GET / HTTP/1.1\r\n\r\n"),
                refuse(400, "missing Host", "GET http://a.test/ HTTP/1.1\r\nX-Host: a\r\n\r\n"),
                refuse(400, "more than one Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"),
                refuse(400, "more than one Host", "GET / HTTP/1.0\r\nhost: a\r\nHOST: b\r\n\r\n"),
                // Line endings (RFC 9112 §2.2)
                refuse(400, "bare LF before the request line", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
                refuse(400, "malformed HTTP version", "GET / HTTP/1.1\nHost: a\r\n\r\n"),
                refuse(400, "bare LF in a header field", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"),
                refuse(400, "invalid character 0xa in a header field name", "GET / HTTP/1.1\r\nHost: a\r\n\n"),
                refuse(400, "CR not followed by LF in a header field", "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"),
                refuse(400, "CR not followed by LF in the request line", "GET / HTTP/1.1\rHost: a\r\n\r\n"),
                refuse(400, "CR not followed by LF at the end of the head", "GET / HTTP/1.1\r\nHost: a\r\n\rX"),
                refuse(400, "CR not followed by LF", "\r\rGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
                refuse(400, "too many empty lines", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
                // Request line (RFC 9112 §3)
                refuse(400, "empty method", " / HTTP/1.1\r\nHost: a\r\n\r\n"),
                refuse(400, "empty request target", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n"),
                refuse(400, "invalid character 0x28 in the method", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n"),
                refuse(400, "invalid character 0x9 in the request target", "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n"),
                refuse(400, "invalid character 0xe9 in the request target", "GET /caf\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n"),
                refuse(400, "malformed HTTP version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n"),
                refuse(400, "malformed HTTP version 'http/1.1'", "GET / http/1.1\r\nHost: a\r\n\r\n"),
                refuse(400, "malformed HTTP version", "GET / HTTP/1.10\r\nHost: a\r\n\r\n"),
                refuse(400, "invalid character 0xd in the request target", "GET /\r\nHost: a\r\n\r\n"),
                refuse(505, "HTTP version 2.0 is not supported", "GET / HTTP/2.0\r\nHost: a\r\n\r\n"),
                refuse(505, "HTTP version 0.9 is not supported", "GET / HTTP/0.9\r\n\r\n"));
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                accept("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"),
                accept("GET / HTTP/1.0\r\n\r\n"),
                accept("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
                accept("\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"),
                accept("POST /p?q=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"),
                accept("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n"),
                accept("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  12 \t\r\n\r\n"),
                accept("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
                accept("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"),
                accept("GET http://a.test:8080/x?y HTTP/1.1\r\nHost: other\r\n\r\n"),
                accept("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
                accept("GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Tab: a\tb\r\nX-Obs-Text: caf\u00e9\r\n\r\n"),
                accept("M-SEARCH * HTTP/1.1\r\nHOST: a\r\n\r\n"),
                accept("GET / HTTP/1.1\r\nHost: a\r\nX-" + "n".repeat(60) + ": long name\r\n\r\n"),
                accept("GET / HTTP/1.1\r\nHost: a\r\nContent-Length-Extra: 5, 6\r\nTransfer-Encodings: x\r\n\r\n"),
                accept("GET / HTTP/1.1\r\nHost: a\r\nX_Forwarded_For: 1\r\nContent_Length_X: 5\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("refused")
    void refuses(int status, String reason, String head) {
        assertThat(whole(head)).isInstanceOfSatisfying(HeadCheck.Invalid.class, verdict -> {
            assertThat(verdict.status()).isEqualTo(status);
            assertThat(verdict.reason()).contains(reason);
        });
        assertSameVerdictHoweverSplit(head, whole(head));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void accepts(String head) {
        assertThat(whole(head)).isEqualTo(new HeadCheck.Valid(head.length()));
        assertSameVerdictHoweverSplit(head, whole(head));
    }

    @Test
    void aBodyAfterTheHeadIsNotPartOfIt() {
        String head = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n";
        assertThat(whole(head + "body")).isEqualTo(new HeadCheck.Valid(head.length()));
    }

    @Test
    void anIncompleteHeadNeedsMore() {
        assertThat(whole("GET / HTTP/1.1\r\nHost: a\r\n")).isEqualTo(HeadCheck.NeedMore.INSTANCE);
        assertThat(whole("")).isEqualTo(HeadCheck.NeedMore.INSTANCE);
        assertThat(whole("\r\n")).isEqualTo(HeadCheck.NeedMore.INSTANCE);
    }

    @Test
    void maxHeadersAllowsExactlyTheLimit() {
        assertThat(whole(headWithFields(MAX_HEADERS))).isInstanceOf(HeadCheck.Valid.class);
        String oneTooMany = headWithFields(MAX_HEADERS + 1);
        assertThat(whole(oneTooMany))
                .isEqualTo(new HeadCheck.Invalid(FailureKind.HEAD_TOO_LARGE, "more than 8 header fields"));
        assertSameVerdictHoweverSplit(oneTooMany, whole(oneTooMany));
    }

    @Test
    void maxHeadBytesAllowsExactlyTheLimitAndCountsLeadingEmptyLines() {
        String exact = headOfLength(MAX_HEAD, "");
        assertThat(exact).hasSize(MAX_HEAD);
        assertThat(whole(exact)).isEqualTo(new HeadCheck.Valid(MAX_HEAD));
        String over = headOfLength(MAX_HEAD + 1, "");
        assertThat(whole(over)).isEqualTo(new HeadCheck.Invalid(FailureKind.HEAD_TOO_LARGE,
                "request head larger than the limit of 1024 bytes"));
        assertSameVerdictHoweverSplit(over, whole(over));
        // The two bytes of a leading empty line count towards the limit too.
        String withLeadingLine = headOfLength(MAX_HEAD + 1, "\r\n");
        assertThat(whole(withLeadingLine)).isInstanceOfSatisfying(HeadCheck.Invalid.class,
                verdict -> assertThat(verdict.status()).isEqualTo(431));
    }

    @Test
    void aLongRequestLineIs414AndLongFieldsAre431() {
        String longTarget = "GET /" + "a".repeat(MAX_HEAD) + " HTTP/1.1\r\nHost: a\r\n\r\n";
        assertThat(whole(longTarget)).isEqualTo(new HeadCheck.Invalid(FailureKind.URI_TOO_LONG,
                "request line longer than the limit of 1024 bytes"));
        assertSameVerdictHoweverSplit(longTarget, whole(longTarget));
        // A request line that fills the limit up to its CR is still the line's fault.
        String lineUpToCr = "GET /" + "a".repeat(MAX_HEAD - "GET / HTTP/1.1".length()) + " HTTP/1.1\r\n";
        assertThat(whole(lineUpToCr)).isInstanceOfSatisfying(HeadCheck.Invalid.class,
                verdict -> assertThat(verdict.status()).isEqualTo(414));
        String longField = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(MAX_HEAD) + "\r\n\r\n";
        assertThat(whole(longField)).isEqualTo(new HeadCheck.Invalid(FailureKind.HEAD_TOO_LARGE,
                "request head larger than the limit of 1024 bytes"));
    }

    /**
     * The guard reads a buffer {@link RequestHeadGuard#WINDOW_BYTES} at a time, skipping runs (target, name, value) in
     * a tight loop: a byte that ends a run, refused one window before, on and after a window's edge, whole and cut
     * into reads at every byte (which moves the windows' edges to every other offset too).
     */
    @ParameterizedTest(name = "{0} at {1}")
    @MethodSource("runEnds")
    void aRunEndsAtAWindowEdgeAsAnywhereElse(String run, int offset, String head, String reason) {
        assertThat(head.charAt(offset)).as("the refused byte's place").isIn('\u0001', '"', '\u007f');
        HeadCheck verdict = whole(head);
        assertThat(verdict).isEqualTo(new HeadCheck.Invalid(FailureKind.BAD_REQUEST, reason));
        assertSameVerdictHoweverSplit(head, verdict);
    }

    static Stream<Arguments> runEnds() {
        int edge = RequestHeadGuard.WINDOW_BYTES;
        return Stream.of(edge - 1, edge, edge + 1).flatMap(offset -> Stream.of(
                runEnd("target", offset, "GET /", 'a', "\u0001 HTTP/1.1\r\nHost: a\r\n\r\n",
                        "invalid character 0x1 in the request target"),
                runEnd("name", offset, "GET / HTTP/1.1\r\nHost: a\r\nX-", 'n', "\": v\r\n\r\n",
                        "invalid character 0x22 in a header field name"),
                runEnd("value", offset, "GET / HTTP/1.1\r\nHost: a\r\nX-A: ", 'v', "\u007f\r\n\r\n",
                        "control character 0x7f in a header field value")));
    }

    /** A head whose byte at {@code offset} is the first of {@code rest}, after {@code start} padded with {@code pad}. */
    private static Arguments runEnd(String run, int offset, String start, char pad, String rest, String reason) {
        return Arguments.of(run, offset, start + String.valueOf(pad).repeat(offset - start.length()) + rest, reason);
    }

    @Test
    void whatAFieldKeepsIsTheSameAcrossWindows() {
        int edge = RequestHeadGuard.WINDOW_BYTES;
        String start = "POST / HTTP/1.1\r\nHost: a\r\nX-Pad: ";
        String pad = "p".repeat(edge - start.length() - "\r\nContent-Le".length());
        // The name straddles the first window's edge: it is still recognised, and its value is read whole.
        String contentLength = start + pad + "\r\nContent-Length: 12\r\n\r\n";
        assertThat(contentLength.indexOf("Content-Length")).isLessThan(edge);
        assertThat(whole(contentLength)).isEqualTo(new HeadCheck.Valid(contentLength.length()));
        assertSameVerdictHoweverSplit(contentLength, whole(contentLength));
        String twoNumbers = start + pad + "\r\nContent-Length: 12 34\r\n\r\n";
        assertThat(whole(twoNumbers)).isEqualTo(new HeadCheck.Invalid(FailureKind.BAD_REQUEST,
                "Content-Length is not a single non-negative number: '12 34'"));
        assertSameVerdictHoweverSplit(twoNumbers, whole(twoNumbers));
        String underscore = start + pad + "\r\nContent_Length: 12\r\n\r\n";
        assertThat(whole(underscore)).isEqualTo(new HeadCheck.Invalid(FailureKind.BAD_REQUEST,
                "'Content_Length' looks like a framing field spelled with an underscore"));
        assertSameVerdictHoweverSplit(underscore, whole(underscore));
        // A value longer than a window is judged by its first 256 bytes (the space after the colon is the first),
        // whatever the windows.
        String longNumber = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + "1".repeat(2 * edge) + "\r\n\r\n";
        assertThat(whole(longNumber)).isEqualTo(new HeadCheck.Invalid(FailureKind.BAD_REQUEST,
                "Content-Length is not a single non-negative number: '" + "1".repeat(255) + "'"));
        assertSameVerdictHoweverSplit(longNumber, whole(longNumber));
    }

    @Test
    void aHeadOfSeveralWindowsIsAcceptedHoweverSplit() {
        String head = "GET /" + "t".repeat(250) + "?q=%C3%A9 HTTP/1.1\r\n"
                + "Host: a.test\r\n"
                + "X-" + "N".repeat(250) + ": long name\r\n"
                + "X-Obs-Text: caf\u00e9 \tand a tab " + "v".repeat(250) + "\r\n"
                + "Transfer-Encoding: chunked\r\n"
                + "\r\n";
        assertThat(head.length()).isGreaterThan(3 * RequestHeadGuard.WINDOW_BYTES).isLessThan(MAX_HEAD);
        assertThat(whole(head)).isEqualTo(new HeadCheck.Valid(head.length()));
        assertSameVerdictHoweverSplit(head, whole(head));
    }

    @Test
    void aDirectBufferIsReadFromItsReaderIndex() {
        String head = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + "p".repeat(RequestHeadGuard.WINDOW_BYTES) + "\r\n\r\n";
        io.netty.buffer.ByteBuf direct = Unpooled.directBuffer();
        try {
            direct.writeBytes("junk".getBytes(StandardCharsets.ISO_8859_1)).writeBytes(buffer(head)).skipBytes(4);
            assertThat(direct.hasArray()).isFalse();
            assertThat(new RequestHeadGuard(MAX_HEAD, MAX_HEADERS).check(direct))
                    .isEqualTo(new HeadCheck.Valid(head.length()));
        } finally {
            direct.release();
        }
    }

    @Test
    void resetStartsANewHead() {
        RequestHeadGuard guard = new RequestHeadGuard(MAX_HEAD, MAX_HEADERS);
        String first = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n";
        assertThat(guard.check(buffer(first))).isEqualTo(new HeadCheck.Valid(first.length()));
        assertThat(guard.check(buffer(first))).as("asked again before reset").isEqualTo(
                new HeadCheck.Valid(first.length()));
        guard.reset();
        // Nothing of the first head (its Host, its Content-Length) carries over.
        String second = "GET / HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: chunked\r\n\r\n";
        assertThat(guard.check(buffer(second))).isEqualTo(new HeadCheck.Valid(second.length()));
    }

    /** A head of exactly {@code length} bytes, padded in one field, after {@code leading}. */
    private static String headOfLength(int length, String leading) {
        String start = leading + "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ";
        String end = "\r\n\r\n";
        return start + "p".repeat(length - start.length() - end.length()) + end;
    }

    private static String headWithFields(int fields) {
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 1; i < fields; i++) {
            head.append("X-").append(i).append(": v\r\n");
        }
        return head.append("\r\n").toString();
    }

    private static HeadCheck whole(String head) {
        return new RequestHeadGuard(MAX_HEAD, MAX_HEADERS).check(buffer(head));
    }

    /**
     * The first verdict other than NeedMore, with the head arriving in two parts cut at every byte, and one byte
     * per read, is the verdict on the whole.
     */
    private static void assertSameVerdictHoweverSplit(String head, HeadCheck expected) {
        byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
        for (int cut = 1; cut < bytes.length; cut++) {
            RequestHeadGuard guard = new RequestHeadGuard(MAX_HEAD, MAX_HEADERS);
            HeadCheck first = guard.check(Unpooled.wrappedBuffer(bytes, 0, cut));
            HeadCheck verdict = first instanceof HeadCheck.NeedMore ? guard.check(Unpooled.wrappedBuffer(bytes))
                    : first;
            assertThat(verdict).as("cut at %d", cut).isEqualTo(expected);
        }
        RequestHeadGuard guard = new RequestHeadGuard(MAX_HEAD, MAX_HEADERS);
        HeadCheck verdict = HeadCheck.NeedMore.INSTANCE;
        for (int length = 1; length <= bytes.length && verdict instanceof HeadCheck.NeedMore; length++) {
            verdict = guard.check(Unpooled.wrappedBuffer(bytes, 0, length));
        }
        assertThat(verdict).as("one byte per read").isEqualTo(expected);
    }

    private static io.netty.buffer.ByteBuf buffer(String text) {
        return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Arguments refuse(int status, String reason, String head) {
        return Arguments.of(status, reason, head);
    }

    private static Arguments accept(String head) {
        return Arguments.of(head);
    }
}
