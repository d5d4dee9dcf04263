package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.testbed.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests the proxy refuses: the client gets a small plain-text status with {@code Connection: close} and the
 * connection is closed; the backend receives nothing, not even a connection; and nothing sent after a refused or
 * broken message reaches a backend.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExchangeRefusalTest {

    private static final String LIMITS = "limits: { max_request_head_bytes: 1KiB, max_headers: 8 }\n";

    static Stream<Arguments> refusals() {
        return Stream.of(
                refusal("Content-Length with Transfer-Encoding", 400,
                        "POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "0\r\n\r\n"),
                refusal("a transfer coding other than chunked", 501,
                        "POST / HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: gzip\r\n\r\n"),
                refusal("conflicting Content-Length", 400,
                        "POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
                refusal("malformed Content-Length", 400,
                        "POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 1e3\r\n\r\n"),
                refusal("obs-fold", 400, "GET / HTTP/1.1\r\nHost: a.test\r\nX-A: 1\r\n 2\r\n\r\n"),
                refusal("whitespace before a colon", 400, "GET / HTTP/1.1\r\nHost : a.test\r\n\r\n"),
                refusal("a control character in a name", 400, "GET / HTTP/1.1\r\nHost: a.test\r\nX\u0007: 1\r\n\r\n"),
                refusal("a control character in a value", 400, "GET / HTTP/1.1\r\nHost: a.test\r\nX: 1\u00002\r\n\r\n"),
                refusal("a missing Host", 400, "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"),
                refusal("a duplicated Host", 400, "GET / HTTP/1.1\r\nHost: a.test\r\nHost: a.test\r\n\r\n"),
                refusal("a malformed Host", 400, "GET / HTTP/1.1\r\nHost: a b.test\r\n\r\n"),
                refusal("header fields over the size limit", 431,
                        "GET / HTTP/1.1\r\nHost: a.test\r\nX-Big: " + "x".repeat(1100) + "\r\n\r\n"),
                refusal("a request line over the size limit", 414,
                        "GET /" + "x".repeat(1100) + " HTTP/1.1\r\nHost: a.test\r\n\r\n"),
                refusal("more header fields than max_headers", 431,
                        "GET / HTTP/1.1\r\nHost: a.test\r\n" + "X-F: 1\r\n".repeat(8) + "\r\n"),
                refusal("a bare LF", 400, "GET / HTTP/1.1\nHost: a.test\n\n"),
                refusal("Transfer-Encoding in HTTP/1.0", 400,
                        "POST / HTTP/1.0\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                refusal("HTTP/2.0 in an HTTP/1 request line", 505, "GET / HTTP/2.0\r\nHost: a.test\r\n\r\n"),
                refusal("CONNECT", 501, "CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n"),
                refusal("an authority-form target", 400, "GET a.test:80 HTTP/1.1\r\nHost: a.test\r\n\r\n"),
                refusal("userinfo in an absolute-form target", 400,
                        "GET http://user@a.test/ HTTP/1.1\r\nHost: a.test\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("refusals")
    void refused(String what, int status, String request, Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), LIMITS);
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.exchange(request);
            assertRefusal(response, status);
            assertThat(client.closedByPeer()).isTrue();
            assertThat(backend.accepted()).as(what + " reached the backend").isZero();
        }
    }

    @Test
    void exactlyMaxHeadersIsServed(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), LIMITS);
             RawClient client = new RawClient(proxy.port())) {
            String request = "GET / HTTP/1.1\r\nHost: a.test\r\n" + "X-F: 1\r\n".repeat(7) + "\r\n";
            assertThat(client.exchange(request).status()).isEqualTo(200);
        }
    }

    @Test
    void aHeadFarOverTheDefaultLimitStillGetsItsStatus(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            // 256 KiB of fields against the 64 KiB default: the proxy refuses while the client is still sending.
            StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nHost: a.test\r\n");
            for (int i = 0; i < 256; i++) {
                head.append("X-Field-").append(i).append(": ").append("v".repeat(1000)).append("\r\n");
            }
            byte[] bytes = head.append("\r\n").toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            Thread writer = new Thread(() -> {
                try {
                    client.send(bytes);
                } catch (java.io.IOException expected) {
                    // the proxy stops reading and closes
                }
            });
            writer.start();
            assertRefusal(client.read(), 431);
            writer.join(10_000);
            assertThat(backend.accepted()).isZero();
        }
    }

    @Test
    void nothingAfterARefusedHeadIsForwarded(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), LIMITS);
             RawClient client = new RawClient(proxy.port())) {
            // A classic CL.TE smuggling attempt, pipelined behind an innocent request.
            client.send(RawClient.get("a.test", "/innocent")
                    + "POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a.test\r\n\r\n"
                    + RawClient.get("a.test", "/after"));
            assertThat(client.read().bodyText()).isEqualTo("ok");
            assertRefusal(client.read(), 400);
            assertThat(client.closedByPeer()).isTrue();
            String received = backend.receivedText();
            assertThat(received).contains("GET /innocent ").doesNotContain("POST").doesNotContain("/smuggled")
                    .doesNotContain("/after");
        }
    }

    @Test
    void aBrokenChunkStopsForwardingAndClosesTheBackendConnection(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), LIMITS);
             RawClient client = new RawClient(proxy.port())) {
            client.send("POST /up HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3\r\nabcXYZ\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a.test\r\n\r\n");
            assertRefusal(client.read(), 400);
            assertThat(client.closedByPeer()).isTrue();
            // Head and broken body arrive in one read: the head may or may not be on its way to the backend when the
            // chunk breaks. Either way a backend connection that carried any of it is closed, not reused.
            var readings = proxy.readings();
            record Backend(double leased, long carriedBytesAndOpen) {
            }
            Await.until("every backend connection that carried the head closed",
                    () -> new Backend(readings.poolActive().getAsDouble(), backend.connections().stream()
                            .filter(c -> c.received().length > 0 && !c.socket.isClosed()).count()),
                    seen -> seen.leased() == 0 && seen.carriedBytesAndOpen() == 0);
            String received = backend.receivedText();
            if (!received.isEmpty()) {
                assertThat(received).startsWith("POST /up ");
            }
            assertThat(received).doesNotContain("XYZ").doesNotContain("/smuggled");
            assertThat(backend.accepted()).isLessThanOrEqualTo(1);
        }
    }

    static void assertRefusal(HttpWire.Response response, int status) {
        assertThat(response.status()).isEqualTo(status);
        assertThat(response.header("Connection")).isEqualTo("close");
        assertThat(response.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(response.bodyText()).startsWith(String.valueOf(status)).endsWith("\n");
    }

    private static Arguments refusal(String what, int status, String request) {
        return Arguments.of(what, status, request);
    }
}
