package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static io.snipool.core.http.ExchangeRefusalTest.assertRefusal;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.testbed.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.EOFException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request smuggling and malformed framing, one table, run through both entrances of the HTTP path (an HTTP listener
 * and a TLS listener terminating TLS): each hostile request goes through snipool as raw bytes, with a
 * request to {@value #MARKER} hidden where a parser that disagrees with snipool would find a second request. For
 * every case the client gets what the table says (a refusal with its status and a close, or, for the few legal
 * spellings, the backend's answer), the backend parses at most one request head and never the hidden one, every
 * head it gets has unambiguous framing, and a plain request on a new connection right after is served.
 *
 * <p>Sources: RFC 9112 §2.2, §3, §5, §6, §7; James Kettle, "HTTP Desync Attacks" (2019) and "HTTP/1.1 must die"
 * (2025); the PortSwigger request smuggling labs; "Funky chunks" (chunk extension and line terminator discrepancies).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SmugglingTest {

    /** The path of the hidden request: the backend must never parse a head with it. */
    static final String MARKER = "/smuggled";
    private static final String HIDDEN = "GET " + MARKER + " HTTP/1.1\r\nHost: a.test\r\n\r\n";
    /** The size of {@link #HIDDEN} as a chunk size. */
    private static final String HEX = Integer.toHexString(HIDDEN.length());
    private static final String SETTINGS = "limits: { max_request_head_bytes: 1KiB, max_headers: 16 }\n"
            + "timeouts: { request_head: 2s, idle: 2s }\n";
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    /** What the client must get back. */
    sealed interface Outcome {
        /** snipool's own refusal with {@code status}, {@code Connection: close}, then the close. */
        record Refused(int status) implements Outcome {
        }

        /**
         * A legal (if odd) spelling: forwarded, once, with canonical framing; the backend's 200 comes back. Unless
         * {@code reusable}, the backend connection is closed after it rather than handed to the next client.
         */
        record Served(boolean reusable) implements Outcome {
        }
    }

    record Case(String name, String request, Outcome outcome) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                // CL.TE and TE.CL (Kettle 2019; RFC 9112 §6.1: both present "ought to be handled as an error")
                refused("CL.TE", 400, post("Content-Length: 6", "Transfer-Encoding: chunked") + "0\r\n\r\n" + HIDDEN),
                refused("TE.CL", 400, post("Transfer-Encoding: chunked", "Content-Length: 4") + chunk(HIDDEN)
                        + "0\r\n\r\n"),
                refused("CL.TE with CL 0", 400, post("Content-Length: 0", "Transfer-Encoding: chunked")
                        + chunk(HIDDEN) + "0\r\n\r\n"),
                // Obfuscated Transfer-Encoding
                refused("TE xchunked", 501, post("Transfer-Encoding: xchunked") + HIDDEN),
                refused("TE xchunked with CL", 400, post("Content-Length: 5", "Transfer-Encoding: xchunked")
                        + "0\r\n\r\n" + HIDDEN),
                served("TE with a leading space", post("Transfer-Encoding:  chunked") + chunk(HIDDEN) + "0\r\n\r\n"),
                served("TE with a trailing tab", post("Transfer-Encoding: chunked\t") + chunk(HIDDEN) + "0\r\n\r\n"),
                served("TE with a tab instead of the space", post("Transfer-Encoding:\tchunked") + chunk(HIDDEN)
                        + "0\r\n\r\n"),
                served("TE CHUNKED in upper case", post("Transfer-Encoding: CHUNKED") + chunk(HIDDEN) + "0\r\n\r\n"),
                refused("TE with a tab and CL", 400, post("Transfer-Encoding:\tchunked", "Content-Length: 3")
                        + "0\r\n\r\n" + HIDDEN),
                refused("TE chunked, identity", 501, post("Transfer-Encoding: chunked, identity") + chunk(HIDDEN)
                        + "0\r\n\r\n"),
                refused("TE identity, chunked", 501, post("Transfer-Encoding: identity, chunked") + "0\r\n\r\n"
                        + HIDDEN),
                refused("two TE fields, chunked twice", 400, post("Transfer-Encoding: chunked",
                        "Transfer-Encoding: chunked") + "0\r\n\r\n" + HIDDEN),
                refused("two TE fields, chunked and cow", 501, post("Transfer-Encoding: chunked",
                        "Transfer-encoding: cow") + "0\r\n\r\n" + HIDDEN),
                refused("TE split by obs-fold", 400, post("Transfer-Encoding:", " chunked") + "0\r\n\r\n" + HIDDEN),
                refused("TE after an obs-fold line", 400, post("X-A: a", " Transfer-Encoding: chunked")
                        + "0\r\n\r\n" + HIDDEN),
                refused("TE with a space before the colon", 400, post("Transfer-Encoding : chunked") + "0\r\n\r\n"
                        + HIDDEN),
                refused("TE name followed by CRLF then colon", 400, post("Transfer-Encoding", ": chunked")
                        + "0\r\n\r\n" + HIDDEN),
                refused("TE behind a bare LF", 400, post("X: X\nTransfer-Encoding: chunked") + "0\r\n\r\n" + HIDDEN),
                refused("TE with a vertical tab", 400, post("Transfer-Encoding:\u000bchunked") + "0\r\n\r\n"
                        + HIDDEN),
                refused("TE in HTTP/1.0", 400, "POST / HTTP/1.0\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "0\r\n\r\n" + HIDDEN),
                refused("TE in HTTP/1.0 with CL", 400, "POST / HTTP/1.0\r\nHost: a.test\r\nContent-Length: 5\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + HIDDEN),
                refused("Transfer_Encoding with an underscore", 400, post("Transfer_Encoding: chunked")
                        + "0\r\n\r\n" + HIDDEN),
                // Content-Length
                refused("CL +5", 400, post("Content-Length: +5") + "hello" + HIDDEN),
                refused("CL -1", 400, post("Content-Length: -1") + HIDDEN),
                refused("CL 5, 5", 400, post("Content-Length: 5, 5") + "hello" + HIDDEN),
                refused("CL 5 5", 400, post("Content-Length: 5 5") + "hello" + HIDDEN),
                refused("two CL fields, equal", 400, post("Content-Length: 5", "Content-Length: 5") + "hello"
                        + HIDDEN),
                refused("two CL fields, different", 400, post("Content-Length: 0", "Content-Length: 38") + HIDDEN),
                refused("CL 0x5", 400, post("Content-Length: 0x5") + "hello" + HIDDEN),
                refused("CL 5e0", 400, post("Content-Length: 5e0") + "hello" + HIDDEN),
                refused("CL over 2^63", 400, post("Content-Length: 9223372036854775808") + HIDDEN),
                refused("CL of 20 digits", 400, post("Content-Length: 18446744073709551621") + "hello" + HIDDEN),
                refused("CL split by obs-fold", 400, post("Content-Length:", " 38") + HIDDEN),
                refused("CL with a space before the colon", 400, post("Content-Length : 38") + HIDDEN),
                refused("Content_Length with an underscore", 400, post("Content_Length: 38") + HIDDEN),
                served("CL with spaces around the value", post("Content-Length:  " + HIDDEN.length() + "  ")
                        + HIDDEN),
                served("Connection: Content-Length keeps the length", post("Connection: Content-Length",
                        "Content-Length: " + HIDDEN.length()) + HIDDEN),
                // Line endings, folding, control characters (RFC 9112 §2.2, §5.2; RFC 9110 §5.5)
                refused("bare LF line ends", 400, "GET / HTTP/1.1\nHost: a.test\n\n" + HIDDEN),
                refused("bare LF after the request line", 400, "GET / HTTP/1.1\nHost: a.test\r\n\r\n" + HIDDEN),
                refused("bare CR line end", 400, "GET / HTTP/1.1\rHost: a.test\r\n\r\n" + HIDDEN),
                refused("obs-fold", 400, get("X-A: a", "\tb") + HIDDEN),
                refused("NUL in a value", 400, get("X-A: a\u0000b") + HIDDEN),
                refused("CR in a value", 400, get("X-A: a\rb") + HIDDEN),
                refused("NUL in a name", 400, get("X\u0000A: b") + HIDDEN),
                refused("DEL in a value", 400, get("X-A: a\u007fb") + HIDDEN),
                // The request line
                refused("whitespace before the request line", 400, " " + get() + HIDDEN),
                refused("tab before the request line", 400, "\t" + get() + HIDDEN),
                refused("bare LF before the request line", 400, "\n" + get() + HIDDEN),
                refused("two spaces after the method", 400, "GET  / HTTP/1.1\r\nHost: a.test\r\n\r\n" + HIDDEN),
                refused("a tab as separator", 400, "GET\t/ HTTP/1.1\r\nHost: a.test\r\n\r\n" + HIDDEN),
                refused("a space after the version", 400, "GET / HTTP/1.1 \r\nHost: a.test\r\n\r\n" + HIDDEN),
                refused("lower-case version", 400, "GET / http/1.1\r\nHost: a.test\r\n\r\n" + HIDDEN),
                refused("HTTP/0.9 version", 505, "GET / HTTP/0.9\r\nHost: a.test\r\n\r\n" + HIDDEN),
                refused("absolute URI with userinfo", 400, "GET http://a.test@b.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n"
                        + HIDDEN),
                refused("absolute URI with an empty host", 400, "GET http:///x HTTP/1.1\r\nHost: a.test\r\n\r\n"
                        + HIDDEN),
                served("absolute URI wins over a different Host", "POST http://b.test/abs HTTP/1.1\r\nHost: a.test\r\n"
                        + "Content-Length: " + HIDDEN.length() + "\r\n\r\n" + HIDDEN),
                refused("request line over the limit", 414, "GET /" + "x".repeat(1100) + " HTTP/1.1\r\nHost: a.test"
                        + "\r\n\r\n" + HIDDEN),
                // Host (RFC 9112 §3.2)
                refused("two Host fields", 400, "GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n" + HIDDEN),
                refused("Host with userinfo", 400, "GET / HTTP/1.1\r\nHost: user@a.test\r\n\r\n" + HIDDEN),
                refused("Host with a path", 400, "GET / HTTP/1.1\r\nHost: a.test/x\r\n\r\n" + HIDDEN),
                refused("Host with two ports", 400, "GET / HTTP/1.1\r\nHost: a.test:80:80\r\n\r\n" + HIDDEN),
                refused("Host as a list", 400, "GET / HTTP/1.1\r\nHost: a.test, b.test\r\n\r\n" + HIDDEN),
                refused("Host with a space", 400, "GET / HTTP/1.1\r\nHost: a.test b.test\r\n\r\n" + HIDDEN),
                refused("Host with a backslash", 400, "GET / HTTP/1.1\r\nHost: a.test\\@b.test\r\n\r\n" + HIDDEN),
                refused("missing Host", 400, "GET / HTTP/1.1\r\nX-Host: a.test\r\n\r\n" + HIDDEN),
                // Sizes
                refused("head over the limit", 431, get("X-Big: " + "x".repeat(1100)) + HIDDEN),
                refused("more fields than max_headers", 431, get("X-F: 1\r\n".repeat(16).strip()) + HIDDEN),
                // Chunked framing (RFC 9112 §7.1)
                refused("chunk size overflow", 400, post("Transfer-Encoding: chunked") + "fffffffffffffffff\r\n"
                        + HIDDEN + "\r\n0\r\n\r\n"),
                refused("chunk size 2^32 (0 in 32 bits)", 400, post("Transfer-Encoding: chunked")
                        + "100000000\r\n\r\n" + HIDDEN),
                refused("chunk size with 0x", 400, post("Transfer-Encoding: chunked") + "0x" + HEX + "\r\n" + HIDDEN
                        + "\r\n0\r\n\r\n"),
                refused("chunk size with a sign", 400, post("Transfer-Encoding: chunked") + "+" + HEX + "\r\n" + HIDDEN
                        + "\r\n0\r\n\r\n"),
                refused("chunk size with leading space", 400, post("Transfer-Encoding: chunked") + " " + HEX + "\r\n"
                        + HIDDEN + "\r\n0\r\n\r\n"),
                refused("chunk size with trailing junk", 400, post("Transfer-Encoding: chunked") + HEX + "x\r\n"
                        + HIDDEN + "\r\n0\r\n\r\n"),
                refused("chunk size with a trailing space", 400, post("Transfer-Encoding: chunked") + HEX + " \r\n"
                        + HIDDEN + "\r\n0\r\n\r\n"),
                refused("empty chunk size", 400, post("Transfer-Encoding: chunked") + "\r\n" + HIDDEN),
                refused("chunk size ended by a bare LF", 400, post("Transfer-Encoding: chunked") + HEX + "\n" + HIDDEN
                        + "\r\n0\r\n\r\n"),
                refused("chunk extension with a bare LF", 400, post("Transfer-Encoding: chunked") + "2;\nxx\r\n"
                        + HEX + "\r\n" + HIDDEN + "\r\n0\r\n\r\n"),
                refused("chunk extension with a bare CR", 400, post("Transfer-Encoding: chunked") + "2;a\rxx\r\n"
                        + "0\r\n\r\n" + HIDDEN),
                refused("chunk extension with NUL", 400, post("Transfer-Encoding: chunked") + "0;a\u0000\r\n\r\n"
                        + HIDDEN),
                refused("chunk extension without a name", 400, post("Transfer-Encoding: chunked") + "0;=x\r\n\r\n"
                        + HIDDEN),
                refused("chunk extension with an unterminated quote", 400, post("Transfer-Encoding: chunked")
                        + "0;a=\"x\r\n\r\n" + HIDDEN),
                refused("chunk extension with a space in a name", 400, post("Transfer-Encoding: chunked")
                        + "0;a b\r\n\r\n" + HIDDEN),
                served("chunk extensions, legal", post("Transfer-Encoding: chunked") + HEX + " ;a=b;c;d=\"x;\\\"y\""
                        + "\r\n" + HIDDEN + "\r\n0;last\r\n\r\n"),
                refused("chunk data longer than its size", 400, post("Transfer-Encoding: chunked") + "3\r\nabc"
                        + HIDDEN + "\r\n0\r\n\r\n"),
                refused("chunk data followed by a bare LF", 400, post("Transfer-Encoding: chunked") + "3\r\nabc\n"
                        + "0\r\n\r\n" + HIDDEN),
                refused("chunk data followed by a bare CR", 400, post("Transfer-Encoding: chunked") + "3\r\nabc\r"
                        + "0\r\n\r\n" + HIDDEN),
                served("last chunk of several zeros", post("Transfer-Encoding: chunked") + chunk(HIDDEN)
                        + "000\r\n\r\n"),
                refused("last chunk followed by a head, not CRLF", 400, post("Transfer-Encoding: chunked")
                        + "0\r\n" + HIDDEN),
                refused("Transfer-Encoding in the trailer section", 400, post("Transfer-Encoding: chunked")
                        + "0\r\nTransfer-Encoding: chunked\r\n\r\n" + HIDDEN),
                refused("Content-Length in the trailer section", 400, post("Transfer-Encoding: chunked")
                        + "0\r\nContent-Length: " + HIDDEN.length() + "\r\n\r\n" + HIDDEN),
                refused("Host in the trailer section", 400, post("Transfer-Encoding: chunked")
                        + "0\r\nHost: b.test\r\n\r\n" + HIDDEN),
                refused("obs-fold in the trailer section", 400, post("Transfer-Encoding: chunked")
                        + "0\r\nX-T: a\r\n b\r\n\r\n" + HIDDEN),
                refused("bare LF in the trailer section", 400, post("Transfer-Encoding: chunked")
                        + "0\r\nX-T: a\n\r\n" + HIDDEN),
                refused("a space before a trailer's colon", 400, post("Transfer-Encoding: chunked")
                        + "0\r\nX-T : a\r\n\r\n" + HIDDEN),
                refused("a control character in a trailer", 400, post("Transfer-Encoding: chunked")
                        + "0\r\nX-T: a\u0001\r\n\r\n" + HIDDEN),
                served("a legal trailer", post("Transfer-Encoding: chunked") + chunk(HIDDEN)
                        + "0\r\nX-Checksum: abc\r\n\r\n"),
                // A second request hidden in a body that is framed correctly (CL.0, 0.CL, Expect; Kettle 2025)
                servedOnce("GET with a body", "GET / HTTP/1.1\r\nHost: a.test\r\nContent-Length: " + HIDDEN.length()
                        + "\r\n\r\n" + HIDDEN),
                servedOnce("HEAD with a body", "HEAD / HTTP/1.1\r\nHost: a.test\r\nContent-Length: " + HIDDEN.length()
                        + "\r\n\r\n" + HIDDEN),
                servedOnce("DELETE with a chunked body", "DELETE / HTTP/1.1\r\nHost: a.test\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n" + chunk(HIDDEN) + "0\r\n\r\n"),
                served("a request hidden in a POST body", post("Content-Length: " + HIDDEN.length()) + HIDDEN),
                served("Expect: 100-continue with the body sent at once", post("Expect: 100-continue",
                        "Content-Length: " + HIDDEN.length()) + HIDDEN),
                served("an obfuscated Expect", post("Expect: y 100-continue", "Content-Length: " + HIDDEN.length())
                        + HIDDEN),
                refused("Expect split by obs-fold", 400, post("Expect:", " 100-continue",
                        "Content-Length: " + HIDDEN.length()) + HIDDEN));
    }

    /** Every case through both entrances: an HTTP listener, and a TLS listener that terminates. */
    static Stream<Arguments> casesThroughBothEntrances() {
        return Stream.of(ProxyUnderTest.Entrance.values())
                .flatMap(entrance -> cases().map(hostile -> Arguments.of(entrance, hostile)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("casesThroughBothEntrances")
    void hostileRequest(ProxyUnderTest.Entrance entrance, Case hostile, Vertx vertx) throws Exception {
        List<HttpWire.Request> parsed = new CopyOnWriteArrayList<>();
        try (RawBackend backend = new RawBackend(recording(parsed));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, entrance,
                     route("a.test", backend) + "\n" + route("b.test", backend), SETTINGS)) {
            try (RawClient client = proxy.connect()) {
                client.send(hostile.request());
                boolean head = hostile.request().startsWith("HEAD ");
                HttpWire.Response response = head ? client.readHead() : client.read();
                if (hostile.outcome() instanceof Outcome.Refused refused) {
                    assertRefusal(response, refused.status());
                    assertThat(client.closedByPeer()).as("closed after the refusal").isTrue();
                } else {
                    assertThat(response.status()).isEqualTo(200);
                    assertThat(parsed).as("the backend got the request").hasSize(1);
                    if (!((Outcome.Served) hostile.outcome()).reusable()) {
                        Await.until("the backend connection closed after the exchange",
                                () -> backend.connections().get(0).socket.isClosed(), closed -> closed);
                    }
                }
            }
            assertThat(parsed).as("request heads the backend parsed").hasSizeLessThanOrEqualTo(1);

            try (RawClient after = proxy.connect()) {
                assertThat(after.exchange(RawClient.get("a.test", "/after")).bodyText()).isEqualTo("ok");
            }
            Await.until("the backend parsed /after", () -> parsed.stream().map(HttpWire.Request::target).toList(),
                    targets -> targets.contains("/after"));
            assertThat(parsed).extracting(HttpWire.Request::target).doesNotContain(MARKER)
                    .hasSizeLessThanOrEqualTo(2);
            parsed.forEach(SmugglingTest::assertUnambiguous);
            assertThat(backend.failures()).as("the backend could parse everything it got").isEmpty();
        }
    }

    /**
     * What the backend got must mean one thing to any parser: one framing (a single decimal Content-Length, or
     * exactly {@code Transfer-Encoding: chunked}, never both), one Host, no control character, and no framing or
     * routing field among the trailers.
     */
    private static void assertUnambiguous(HttpWire.Request request) {
        HttpWire.Message message = request.message();
        assertThat(message.startLine()).matches("[A-Z]+ /\\S* HTTP/1\\.1");
        List<String> lengths = message.all("Content-Length");
        List<String> codings = message.all("Transfer-Encoding");
        assertThat(lengths.size() + codings.size()).as("framing fields of " + message.startLine())
                .isLessThanOrEqualTo(1);
        lengths.forEach(length -> assertThat(length).matches("[0-9]+"));
        codings.forEach(coding -> assertThat(coding).isEqualTo("chunked"));
        assertThat(message.all("Host")).hasSize(1);
        for (HttpWire.Field field : concat(message.fields(), message.trailers())) {
            assertThat(field.name()).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
            assertThat(field.value()).doesNotContainPattern("[\\x00-\\x08\\x0a-\\x1f\\x7f]");
        }
        for (HttpWire.Field trailer : message.trailers()) {
            assertThat(trailer.name().toLowerCase(Locale.ROOT)).isNotIn("content-length", "transfer-encoding", "host");
        }
    }

    /** Parses every request and answers it once its body is in; a request cut in its body ends the connection. */
    private static RawBackend.Script recording(List<HttpWire.Request> parsed) {
        return connection -> {
            while (true) {
                HttpWire.Request head = HttpWire.readRequestHead(connection::read);
                if (head == null) {
                    return;
                }
                HttpWire.Request request;
                try {
                    request = HttpWire.readRequestBody(connection::read, head);
                } catch (EOFException cut) {
                    parsed.add(head); // the proxy gave up on this request in its body
                    return;
                }
                parsed.add(request);
                connection.write(request.method().equals("HEAD") ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
                        : OK);
            }
        };
    }

    private static List<HttpWire.Field> concat(List<HttpWire.Field> a, List<HttpWire.Field> b) {
        return Stream.concat(a.stream(), b.stream()).toList();
    }

    private static String post(String... fields) {
        return head("POST /", fields);
    }

    private static String get(String... fields) {
        return head("GET /", fields);
    }

    private static String head(String start, String... fields) {
        StringBuilder head = new StringBuilder(start + " HTTP/1.1\r\nHost: a.test\r\n");
        for (String field : fields) {
            head.append(field).append("\r\n");
        }
        return head.append("\r\n").toString();
    }

    /** One chunk holding {@code data}. */
    private static String chunk(String data) {
        return Integer.toHexString(data.length()) + "\r\n" + data + "\r\n";
    }

    private static Case refused(String name, int status, String request) {
        return new Case(name, request, new Outcome.Refused(status));
    }

    private static Case served(String name, String request) {
        return new Case(name, request, new Outcome.Served(true));
    }

    /** Served, and its backend connection closed after it: a backend that ignored the body read a second request. */
    private static Case servedOnce(String name, String request) {
        return new Case(name, request, new Outcome.Served(false));
    }
}
