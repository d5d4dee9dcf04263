package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How the proxy reads a client connection: one request at a time whatever TCP does to the bytes (a head or a body
 * dribbled over many reads, several requests in one read), and the two client timers ({@code request_head} for a
 * head being sent, {@code idle} between requests).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientReadingTest {

    /** Echoes the method, target and body of each request (only the length, to a HEAD). */
    private static final RawBackend.Script ECHO = RawBackend.replying(request -> {
        String body = request.method() + " " + request.target() + " " + request.message().bodyText();
        return "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n"
                + (request.method().equals("HEAD") ? "" : body);
    });

    private static final String TIMERS = "timeouts: { request_head: 300ms, idle: 20s }\n";

    @Test
    void aHeadDribbledOneByteAtATimeIsServed(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(ECHO);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.exchange(RawClient.get("a.test", "/first")).bodyText()).isEqualTo("GET /first ");
            // Each byte its own TCP segment and, most of the time, its own read on the proxy's side.
            dribble(client, RawClient.get("a.test", "/second"));
            assertThat(client.read().bodyText()).isEqualTo("GET /second ");
        }
    }

    @Test
    void aChunkedBodyDribbledOneByteAtATimeIsServed(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(ECHO);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            client.send("POST /up HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n");
            dribble(client, "4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n");
            assertThat(client.read().bodyText()).isEqualTo("POST /up abcdefg");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(ECHO);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            client.send(RawClient.get("a.test", "/1")
                    + "POST /2 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\n\r\nabc"
                    + "HEAD /3 HTTP/1.1\r\nHost: a.test\r\n\r\n"
                    + "POST /4 HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
                    + RawClient.get("a.test", "/5"));
            assertThat(client.read().bodyText()).isEqualTo("GET /1 ");
            assertThat(client.read().bodyText()).isEqualTo("POST /2 abc");
            assertThat(client.readHead().header("Content-Length")).isEqualTo("8");
            assertThat(client.read().bodyText()).isEqualTo("POST /4 de");
            assertThat(client.read().bodyText()).isEqualTo("GET /5 ");
            assertThat(backend.accepted()).isEqualTo(1);
        }
    }

    @Test
    void aSlowHeadIsRefusedWith408(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(ECHO);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), TIMERS);
             RawClient client = new RawClient(proxy.port())) {
            client.send("GET /slow HTTP/1.1\r\nHost: a.te");
            HttpWire.Response response = client.read();
            assertThat(response.status()).isEqualTo(408);
            assertThat(response.header("Connection")).isEqualTo("close");
            assertThat(client.closedByPeer()).isTrue();
            assertThat(backend.accepted()).isZero();
        }
    }

    @Test
    void aConnectionThatSendsNothingIsRefusedWith408(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(ECHO);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), TIMERS);
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.read().status()).isEqualTo(408);
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void aSlowHeadPipelinedBehindAnotherRequestIsRefusedWith408(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(ECHO);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), TIMERS);
             RawClient client = new RawClient(proxy.port())) {
            // The second head starts while the first request is being served, then stalls: request_head applies
            // to it (not the 20 s idle timeout, which would close the connection silently after the client gave up).
            client.send(RawClient.get("a.test", "/1") + "GET /2 HTTP/1.1\r\nHo");
            assertThat(client.read().bodyText()).isEqualTo("GET /1 ");
            assertThat(client.read().status()).isEqualTo(408);
            assertThat(client.closedByPeer()).isTrue();
        }
    }

    @Test
    void anIdleClientIsClosedWithoutAResponse(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(ECHO);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "timeouts: { request_head: 5s, idle: 300ms }\n");
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.exchange(RawClient.get("a.test", "/1")).status()).isEqualTo(200);
            assertThat(client.closedByPeer()).as("closed, with no byte of a response").isTrue();
        }
    }

    /** Sends {@code text} one byte per write, a moment apart, so the bytes arrive in separate segments. */
    static void dribble(RawClient client, String text) throws IOException, InterruptedException {
        for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
            client.send(new byte[] {b});
            Thread.sleep(2);
        }
    }
}
