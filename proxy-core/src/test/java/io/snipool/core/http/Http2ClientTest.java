package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.snipool.core.accesslog.AccessRecord;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.TestPki;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 from clients to an HTTP/1.1 backend, each stream one exchange: h2c with prior knowledge on an http
 * listener and h2 chosen by ALPN on a terminating route.
 */
class Http2ClientTest extends Http2ProxyBase {

    @Test
    void getOverH2cAndOverTlsReachesTheHttp11Backend() throws Exception {
        try (H2Client client = h2c("a.test")) {
            H2Client.Response response = result(client.get("/x"));
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).startsWith("method=GET host=a.test proto=http length=0");
        }
        try (H2Client client = h2("a.test", "b.test")) {
            H2Client.Response response = result(client.get("/x"));
            assertThat(response.text()).as("b.test is on a.test's certificate: coalescing is allowed")
                    .startsWith("method=GET host=b.test proto=https length=0");
        }
        HttpWire.Request forwarded = received.peek();
        assertThat(forwarded.version()).isEqualTo("HTTP/1.1");
        assertThat(forwarded.message().names()).noneMatch(name -> name.toLowerCase().startsWith("x-http2"));
        assertThat(counter(ProxyMetrics.HTTP2_CONNECTIONS, "web")).isEqualTo(1);
        assertThat(counter(ProxyMetrics.HTTP2_STREAMS, "edge")).isEqualTo(1);
    }

    @Test
    void aLargePostBodyIsStreamedThroughFlowControl() throws Exception {
        byte[] body = new byte[3 * 1024 * 1024 + 17]; // far beyond the 64 KiB stream window
        new Random(18).nextBytes(body);
        try (H2Client client = h2c("a.test")) {
            H2Client.Response response = result(client.send(client.head("POST", "/upload"), body, null));
            assertThat(response.text()).isEqualTo("method=POST host=a.test proto=http length=" + body.length
                    + " sha=" + sha(body));
        }
        assertThat(received.peek().header("Transfer-Encoding")).as("no length given: chunked to the backend")
                .isEqualTo("chunked");
    }

    @Test
    void headGetsTheHeadAndEndsTheStreamWithoutABody() throws Exception {
        try (H2Client client = h2("a.test", "a.test")) {
            H2Client.Response response = result(client.send(client.head("HEAD", "/"), null, null));
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEmpty();
            assertThat(response.headers().getInt("content-length")).isGreaterThan(0);
        }
    }

    @Test
    void manyConcurrentStreamsOnOneConnectionAreAllServedOnFewBackendConnections() throws Exception {
        try (H2Client client = h2c("a.test")) {
            for (int i = 0; i < 20; i++) {
                assertThat(result(client.get("/seq" + i)).status()).isEqualTo(200);
            }
            assertThat(backend.accepted()).as("sequential streams share one pooled backend connection")
                    .isEqualTo(1);
            for (int round = 0; round < 5; round++) {
                List<CompletableFuture<H2Client.Response>> responses = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    responses.add(client.get("/concurrent" + round + "-" + i));
                }
                for (CompletableFuture<H2Client.Response> response : responses) {
                    assertThat(result(response).status()).isEqualTo(200);
                }
            }
        }
        assertThat(received).hasSize(70);
        assertThat(backend.accepted()).as("70 requests, at most 10 at once: connections are reused")
                .isLessThanOrEqualTo(10);
        awaitNoLease();
    }

    @Test
    void anAuthorityOutsideTheCertificateIsMisdirected() throws Exception {
        try (H2Client client = h2("a.test", "c.test")) {
            H2Client.Response response = result(client.get("/"));
            assertThat(response.status()).as("routed on this listener, but not by a.test's certificate")
                    .isEqualTo(421);
            assertThat(response.text()).contains("does not cover 'c.test'");
            assertThat(result(client.send(client.head("GET", "/").authority("a.test"), null, null)).status())
                    .as("the connection goes on serving its other streams").isEqualTo(200);
        }
        assertThat(received).hasSize(1);
    }

    @Test
    void noRouteIsMisdirected() throws Exception {
        try (H2Client client = h2c("nowhere.test")) {
            H2Client.Response response = result(client.get("/"));
            assertThat(response.status()).isEqualTo(421);
            assertThat(response.text()).isEqualTo("421 Misdirected Request: no route for host 'nowhere.test'\n");
        }
        assertThat(received).isEmpty();
    }

    @Test
    void anAuthorityAndAHostThatDifferAreABadRequest() throws Exception {
        try (H2Client client = h2c("a.test")) {
            Http2Headers conflicting = client.head("GET", "/").add("host", "b.test");
            H2Client.Response response = result(client.send(conflicting, null, null));
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.text()).contains("400 Bad Request: malformed request: ")
                    .containsIgnoringCase("authority");
            Http2Headers same = client.head("GET", "/").add("host", "A.test");
            assertThat(result(client.send(same, null, null)).text()).startsWith("method=GET host=a.test ");
        }
        assertThat(received).hasSize(1);
        assertThat(received.peek().message().all("Host")).containsExactly("a.test");
    }

    @Test
    void aChunkedResponsesTrailersReachTheClientAsTrailers() throws Exception {
        try (H2Client client = h2("a.test", "a.test")) {
            H2Client.Response response = result(client.get("/trailers"));
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("hello");
            assertThat(response.trailers().get("grpc-status")).hasToString("0");
            assertThat(response.headers().contains("transfer-encoding")).isFalse();
        }
    }

    @Test
    void requestTrailersReachTheBackendInTheChunkedBody() throws Exception {
        try (H2Client client = h2c("a.test")) {
            Http2Headers trailers = new DefaultHttp2Headers().add("checksum", "abc");
            H2Client.Response response = result(client.send(client.head("POST", "/"), "body".getBytes(), trailers));
            assertThat(response.text()).startsWith("method=POST host=a.test proto=http length=4");
        }
        assertThat(received.peek().message().trailers()).containsExactly(new HttpWire.Field("checksum", "abc"));
    }

    @Test
    void aClientResetMidResponseClosesTheBackendConnection() throws Exception {
        try (H2Client client = h2c("a.test")) {
            H2Client.StreamRecorder recorder = new H2Client.StreamRecorder();
            Http2StreamChannel stream = client.open(recorder);
            stream.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2HeadersFrame(
                    client.head("GET", "/cut"), true));
            recorder.headReceived.get(10, TimeUnit.SECONDS);
            H2Client.cancel(stream);
            assertThat(cutConnectionClosed.get(10, TimeUnit.SECONDS))
                    .as("a backend connection in the middle of a response is never recycled").isTrue();
            assertThat(result(client.get("/after")).status()).as("the connection goes on").isEqualTo(200);
        }
        assertThat(backend.accepted()).as("the next request needed a new backend connection").isEqualTo(2);
        awaitNoLease();
    }

    @Test
    void drainSendsGoAwayAndFinishesTheStreamInFlight() throws Exception {
        try (H2Client client = h2c("a.test")) {
            CompletableFuture<H2Client.Response> slow = client.get("/slow");
            assertThat(slowArrived.await(10, TimeUnit.SECONDS)).isTrue();
            io.vertx.core.Future<Void> drained = proxy.server().drain(java.time.Duration.ofSeconds(20));
            var goAway = client.goAway().get(10, TimeUnit.SECONDS);
            assertThat(goAway.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
            assertThat(goAway.lastStreamId()).as("the stream in flight is one the server keeps").isPositive();
            goAway.release();
            assertThat(slow).isNotDone();
            slowAnswer.countDown();
            H2Client.Response response = result(slow);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.text()).isEqualTo("slow");
            Await.result(drained);
            Await.until("the drained connection closed", client::isOpen, open -> !open);
        }
    }

    @Test
    void aConnectionWithoutStreamsForTheIdleTimeoutIsClosedWithGoAway() throws Exception {
        try (H2Client client = h2c("a.test")) {
            assertThat(result(client.get("/")).status()).isEqualTo(200);
            var goAway = client.goAway().get(10, TimeUnit.SECONDS);
            assertThat(goAway.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
            goAway.release();
            Await.until("the idle connection closed", client::isOpen, open -> !open);
        }
    }

    @Test
    void malformedRequestsAreStreamErrorsThatReachNoBackend() throws Exception {
        try (H2Client client = h2c("a.test")) {
            Http2Headers te = client.head("GET", "/").add("te", "gzip");
            assertThat(result(client.send(te, null, null)).resetCode()).as("te other than trailers")
                    .isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            Http2Headers connection = client.head("GET", "/").add("connection", "keep-alive");
            assertThat(result(client.send(connection, null, null)).resetCode()).as("a connection-specific field")
                    .isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            Http2Headers upper = new DefaultHttp2Headers(false).method("GET").path("/").scheme("http")
                    .authority("a.test").add("X-Upper", "1");
            assertThat(result(client.send(upper, null, null)).resetCode()).as("an uppercase field name")
                    .isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            assertThat(result(client.get("/fine")).status()).as("the connection goes on").isEqualTo(200);
        }
        assertThat(received).hasSize(1);
    }

    @Test
    void aBodyShorterThanItsContentLengthIsAStreamError() throws Exception {
        try (H2Client client = h2c("a.test")) {
            Http2Headers head = client.head("POST", "/").add("content-length", "10");
            assertThat(result(client.send(head, "12345".getBytes(), null)).resetCode())
                    .isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            assertThat(result(client.get("/fine")).status()).isEqualTo(200);
        }
        assertThat(received).extracting(HttpWire.Request::target).as("the short body never completed a request")
                .containsExactly("/fine");
        awaitNoLease();
    }

    @Test
    void aResponseCompleteBeforeTheRequestBodyEndsTheStreamAndNothingElse() throws Exception {
        byte[] body = new byte[1024 * 1024];
        try (H2Client client = h2c("a.test")) {
            H2Client.Response response = result(client.send(client.head("POST", "/early"), body, null));
            assertThat(response.status()).isEqualTo(413);
            assertThat(response.text()).isEqualTo("nope");
            assertThat(result(client.get("/after")).status()).as("the connection goes on").isEqualTo(200);
        }
        assertThat(proxy.registry().find(io.snipool.core.metrics.Http2Meters.GOAWAYS).tag("direction", "sent")
                .counters()).as("no connection error").allMatch(counter -> counter.count() == 0);
    }

    @Test
    void interimResponsesPassAsHeadersBeforeTheFinalOne() throws Exception {
        byte[] body = new byte[100_000];
        try (H2Client client = h2c("a.test")) {
            Http2Headers head = client.head("POST", "/continue").add("expect", "100-continue");
            H2Client.Response response = result(client.send(head, body, null));
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.interim()).containsExactly(100, 103);
            assertThat(response.text()).startsWith("method=POST host=a.test proto=http length=100000");
        }
        assertThat(proxy.registry().find(io.snipool.core.metrics.Http2Meters.GOAWAYS).tag("direction", "sent")
                .counters()).as("no connection error").allMatch(counter -> counter.count() == 0);
    }

    @Test
    void anErrorOfSnipoolsOwnIsAnH2ResponseWithTheHttp11StatusAndBody() throws Exception {
        try (H2Client client = h2c("down.test")) {
            H2Client.Response response = result(client.get("/"));
            assertThat(response.status()).isEqualTo(502);
            assertThat(response.text()).startsWith("502 Bad Gateway: ");
            assertThat(response.headers().get("connection")).as("no connection-specific field in h2").isNull();
            assertThat(result(client.send(client.head("GET", "/").authority("a.test"), null, null)).status())
                    .as("the connection and its other streams go on").isEqualTo(200);
        }
    }

    @Test
    void eachStreamIsOneAccessLogLineWithProtocolHttp2() throws Exception {
        Queue<AccessRecord> log = new ConcurrentLinkedQueue<>();
        proxy.server().accessLog(log::add);
        Await.result(proxy.server().reload(proxy.server().config()));
        try (H2Client client = h2("a.test", "a.test")) {
            assertThat(result(client.get("/logged?x=1")).status()).isEqualTo(200);
            assertThat(result(client.send(client.head("GET", "/").authority("c.test"), null, null)).status())
                    .isEqualTo(421);
        }
        Await.until("two lines", log::size, lines -> lines == 2);
        List<AccessRecord> lines = new ArrayList<>(log);
        assertThat(lines).extracting(AccessRecord::protocol).containsOnly("HTTP/2.0");
        assertThat(lines).extracting(AccessRecord::status).containsExactlyInAnyOrder(200, 421);
        AccessRecord ok = lines.stream().filter(line -> line.status() == 200).findFirst().orElseThrow();
        assertThat(ok.path()).isEqualTo("/logged?x=1");
        assertThat(ok.host()).isEqualTo("a.test");
        assertThat(ok.tls().sni()).isEqualTo("a.test");
        assertThat(proxy.registry().find(io.snipool.core.metrics.RequestMeters.REQUESTS).tag("listener", "edge")
                .counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum())
                .as("each stream one request in the metrics").isEqualTo(2);
    }

    @Test
    void aPostWithoutABodyReachesTheBackendWithContentLengthZero() throws Exception {
        try (H2Client client = h2c("a.test")) {
            assertThat(result(client.send(client.head("POST", "/empty"), null, null)).text())
                    .startsWith("method=POST host=a.test proto=http length=0");
        }
        assertThat(received.peek().header("Content-Length")).isEqualTo("0");
    }
}
