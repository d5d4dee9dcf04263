package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Message framing through the proxy (RFC 9112 §6), against backends writing literal bytes: each response is
 * delivered whole and framed for the client, and the backend connection is reused exactly when its framing left it
 * at a clean message boundary.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExchangeFramingTest {

    private static final String GET_A = RawClient.get("a.test", "/");

    @Test
    void contentLengthResponseKeepsBothConnections(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Case: Kept\r\n\r\nhello"));
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            for (int i = 0; i < 3; i++) {
                HttpWire.Response response = client.exchange(GET_A);
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.bodyText()).isEqualTo("hello");
                assertThat(response.header("Content-Length")).isEqualTo("5");
                assertThat(response.message().names()).contains("X-Case");
            }
            assertThat(backend.accepted()).isEqualTo(1);
        }
    }

    @Test
    void chunkedResponseWithTrailersIsForwardedChunked(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n"));
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            for (int i = 0; i < 2; i++) {
                HttpWire.Response response = client.exchange(GET_A);
                assertThat(response.message().chunked()).isTrue();
                assertThat(response.bodyText()).isEqualTo("hello world");
                assertThat(response.message().trailers()).containsExactly(new HttpWire.Field("X-Sum", "42"));
            }
            assertThat(backend.accepted()).isEqualTo(1);
        }
    }

    @Test
    void aTransferCodingBeforeChunkedStaysOnTheBody(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\n"
                + "Transfer-Encoding: gzip, chunked\r\nTrailer: X-Sum\r\n\r\n3\r\nzzz\r\n0\r\nX-Sum: 1\r\n\r\n"));
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.exchange(GET_A);
            assertThat(response.header("Transfer-Encoding")).isEqualTo("gzip, chunked");
            assertThat(response.header("Trailer")).as("end to end, RFC 9110 §6.6.2").isEqualTo("X-Sum");
            assertThat(response.bodyText()).isEqualTo("zzz");
        }
    }

    @Test
    void aTransferCodingCannotReachAnHttp10Client(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\n"
                + "Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nzzz\r\n0\r\n\r\n"));
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.exchange("GET / HTTP/1.0\r\nHost: a.test\r\n\r\n");
            assertThat(response.status()).isEqualTo(502);
            assertThat(response.bodyText()).contains("transfer coding 'gzip' cannot be passed to an HTTP/1.0 client");
        }
    }

    @Test
    void chunkedRequestWithTrailersReachesTheBackendChunked(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.replying(request ->
                "HTTP/1.1 200 OK\r\nContent-Length: " + request.message().body().length + "\r\n\r\n"
                        + request.message().bodyText()));
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.exchange("POST /up HTTP/1.1\r\nHost: a.test\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nX-Check: 7\r\n\r\n");
            assertThat(response.bodyText()).isEqualTo("abcde");
            HttpWire.Request received = HttpWire.readRequest(bytes(backend.receivedText()));
            assertThat(received.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(received.message().trailers()).containsExactly(new HttpWire.Field("X-Check", "7"));
        }
    }

    @Test
    void headResponseHasNoBodyWhateverItsLength(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.replying(request -> request.method().equals("HEAD")
                ? "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                : "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nget"));
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            client.send("HEAD / HTTP/1.1\r\nHost: a.test\r\n\r\n");
            HttpWire.Response head = client.readHead();
            assertThat(head.header("Content-Length")).isEqualTo("100");
            // Had either side waited for 100 body bytes, this request would hang or read the wrong response.
            assertThat(client.exchange(GET_A).bodyText()).isEqualTo("get");
            assertThat(backend.accepted()).isEqualTo(1);
        }
    }

    @Test
    void headResponseThatSaysChunkedHasNoBodyEither(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.replying(request -> request.method().equals("HEAD")
                ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                : "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nget"));
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            client.send("HEAD / HTTP/1.1\r\nHost: a.test\r\n\r\n");
            assertThat(client.readHead().status()).isEqualTo(200);
            assertThat(client.exchange(GET_A).bodyText()).isEqualTo("get");
            assertThat(backend.accepted()).isEqualTo(1);
        }
    }

    @Test
    void noContentAndNotModifiedHaveNoBody(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.replying(request -> switch (request.target()) {
            case "/204" -> "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n";
            case "/304" -> "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\nContent-Length: 10\r\n\r\n";
            default -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        }));
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response noContent = client.exchange(RawClient.get("a.test", "/204"));
            assertThat(noContent.status()).isEqualTo(204);
            assertThat(noContent.header("Transfer-Encoding")).isNull();
            assertThat(noContent.header("Content-Length")).isNull();
            HttpWire.Response notModified = client.exchange(RawClient.get("a.test", "/304"));
            assertThat(notModified.status()).isEqualTo(304);
            assertThat(notModified.header("ETag")).isEqualTo("\"e\"");
            assertThat(notModified.header("Transfer-Encoding")).isNull();
            assertThat(client.exchange(GET_A).bodyText()).isEqualTo("ok");
            assertThat(backend.accepted()).isEqualTo(1);
        }
    }

    @Test
    void closeDelimitedResponseIsRechunkedForAnHttp11Client(Vertx vertx) throws Exception {
        // The script answers once per connection and then closes it: the end of the stream ends the body.
        try (RawBackend backend = new RawBackend(connection -> {
            if (connection.readRequest() != null) {
                connection.write("HTTP/1.1 200 OK\r\nX-Mode: eof\r\n\r\nuntil the end");
            }
        });
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            for (int i = 1; i <= 2; i++) {
                HttpWire.Response response = client.exchange(GET_A);
                assertThat(response.message().chunked()).isTrue();
                assertThat(response.bodyText()).isEqualTo("until the end");
                assertThat(response.header("Connection")).isNull();
                // Such a connection ended with its body: the next request needs a new one.
                assertThat(backend.accepted()).isEqualTo(i);
            }
        }
    }

    @Test
    void closeDelimitedResponseClosesAnHttp10Client(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(connection -> {
            if (connection.readRequest() != null) {
                connection.write("HTTP/1.1 200 OK\r\n\r\nuntil the end");
            }
        });
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.exchange(
                    "GET / HTTP/1.0\r\nHost: a.test\r\nConnection: keep-alive\r\n\r\n");
            assertThat(response.header("Transfer-Encoding")).isNull();
            assertThat(response.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(response.bodyText()).isEqualTo("until the end");
        }
    }

    @Test
    void http10ClientKeepsAliveWhenItAsksAndTheLengthIsKnown(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            String request = "GET / HTTP/1.0\r\nHost: a.test\r\nConnection: keep-alive\r\n\r\n";
            assertThat(client.exchange(request).header("Connection")).isEqualToIgnoringCase("keep-alive");
            assertThat(client.exchange(request).bodyText()).isEqualTo("ok");
            HttpWire.Request received = HttpWire.readRequest(bytes(backend.receivedText()));
            assertThat(received.version()).isEqualTo("HTTP/1.1");
            assertThat(received.header("Connection")).isNull();
            client.send("GET / HTTP/1.0\r\nHost: a.test\r\n\r\n");
            assertThat(client.read().header("Connection")).isEqualToIgnoringCase("close");
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void http10BackendIsReusedOnlyWithKeepAlive(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.replying(request -> request.target().equals("/ka")
                ? "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nka"
                : "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nno"));
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.exchange(RawClient.get("a.test", "/ka")).bodyText()).isEqualTo("ka");
            assertThat(client.exchange(RawClient.get("a.test", "/ka")).bodyText()).isEqualTo("ka");
            assertThat(backend.accepted()).isEqualTo(1);
            HttpWire.Response plain = client.exchange(RawClient.get("a.test", "/plain"));
            assertThat(plain.header("Connection")).as("the client's connection is not the backend's").isNull();
            assertThat(client.exchange(RawClient.get("a.test", "/ka")).bodyText()).isEqualTo("ka");
            assertThat(backend.accepted()).isEqualTo(2);
        }
    }

    @Test
    void backendConnectionCloseEndsOnlyTheBackendConnection(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(connection -> {
            if (connection.readRequest() != null) {
                connection.write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
            }
        });
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            for (int i = 1; i <= 2; i++) {
                HttpWire.Response response = client.exchange(GET_A);
                assertThat(response.bodyText()).isEqualTo("ok");
                assertThat(response.header("Connection")).isNull();
                assertThat(backend.accepted()).isEqualTo(i);
            }
        }
    }

    @Test
    void interimResponsesReachHttp11ClientsOnly(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 103 Early Hints\r\n"
                + "Link: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
             ProxyUnderTest proxy = proxyTo(vertx, backend);
             RawClient client = new RawClient(proxy.port())) {
            client.send(GET_A);
            HttpWire.Response hints = client.read();
            assertThat(hints.status()).isEqualTo(103);
            assertThat(hints.header("Link")).isEqualTo("</style.css>; rel=preload");
            assertThat(client.read().bodyText()).isEqualTo("ok");
            client.send("GET / HTTP/1.0\r\nHost: a.test\r\nConnection: keep-alive\r\n\r\n");
            HttpWire.Response forHttp10 = client.read();
            assertThat(forHttp10.status()).isEqualTo(200);
            assertThat(forHttp10.bodyText()).isEqualTo("ok");
            assertThat(backend.accepted()).isEqualTo(1);
        }
    }

    @Test
    void anAbsoluteFormTargetRoutesByItsAuthorityWhichReplacesHost(Vertx vertx) throws Exception {
        try (RawBackend a = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"));
             RawBackend b = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", a) + "\n" + route("b.test", b), "");
             RawClient client = new RawClient(proxy.port())) {
            // RFC 9112 §3.2.2: the target's authority wins over a different Host.
            assertThat(client.exchange("GET http://B.test:8080/p?q=1#f HTTP/1.1\r\nHost: a.test\r\n\r\n")
                    .bodyText()).isEqualTo("B");
            HttpWire.Request received = HttpWire.readRequest(bytes(b.receivedText()));
            assertThat(received.target()).isEqualTo("/p?q=1");
            assertThat(received.message().all("Host")).containsExactly("B.test:8080");
            assertThat(a.accepted()).isZero();
        }
    }

    @Test
    void forwardedStyleAddsAnRfc7239Element(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 204 No Content\r\n\r\n"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "forwarded: { trusted_proxies: [127.0.0.1] }\n", "forwarded_headers: forwarded");
             RawClient client = new RawClient(proxy.port())) {
            client.exchange("GET / HTTP/1.1\r\nHost: a.test:81\r\nForwarded: for=198.51.100.7\r\n\r\n");
            HttpWire.Request received = HttpWire.readRequest(bytes(backend.receivedText()));
            assertThat(received.message().all("Forwarded"))
                    .containsExactly("for=198.51.100.7, for=127.0.0.1;proto=http;host=\"a.test:81\"");
            assertThat(received.header("X-Forwarded-For")).isNull();
        }
    }

    static ProxyUnderTest proxyTo(Vertx vertx, RawBackend backend) throws Exception {
        return new ProxyUnderTest(vertx, route("a.test", backend), "");
    }

    static String route(String host, RawBackend backend) {
        return "{ hosts: [\"" + host + "\"], backends: [\"" + backend.address() + "\"] }";
    }

    static HttpWire.ByteSource bytes(String text) {
        byte[] data = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        int[] position = {0};
        return () -> position[0] < data.length ? data[position[0]++] & 0xFF : -1;
    }
}
