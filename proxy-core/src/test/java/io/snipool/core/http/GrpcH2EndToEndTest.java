package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.GrpcStyleBackend;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * gRPC the way it is spoken: an h2 client (h2c with prior knowledge) through snipool to an {@code h2c} backend route.
 * HTTP/2 on both sides, so the call's trailers are an h2 trailer section on each hop, and its {@code te: trailers}
 * and {@code grpc-timeout} reach the backend; many calls on one client connection share one backend connection.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GrpcH2EndToEndTest {

    /** One event loop, so that one pool serves every stream and the backend's connection count is exact. */
    private static ProxyUnderTest proxy(Vertx vertx, GrpcStyleBackend backend) {
        return new ProxyUnderTest(vertx, H2BackendIntegrationTest.route(backend), "", "http2: prior_knowledge", 1);
    }

    private static Http2Headers call(H2Client client, String path, String... fields) {
        Http2Headers head = client.head("POST", path).set("content-type", "application/grpc").set("te", "trailers");
        for (int i = 0; i < fields.length; i += 2) {
            head.set(fields[i], fields[i + 1]);
        }
        return head;
    }

    private static H2Client.Response result(CompletableFuture<H2Client.Response> answer) throws Exception {
        return answer.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aUnaryCallGetsItsMessageThenTheTrailersAsAnH2TrailerSection(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = proxy(vertx, backend);
             H2Client client = H2Client.h2c(proxy.port(), "a.test")) {
            H2Client.Response response = result(client.send(call(client, "/grpc.Echo/Unary", "grpc-timeout", "1500m"),
                    GrpcStyleBackend.frame("hello"), null));

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.headers().get("content-type")).hasToString("application/grpc");
            assertThat(GrpcStyleBackend.messages(response.body())).containsExactly("hello");
            assertThat(response.trailers().get("grpc-status")).as("trailers: %s", response.trailers()).hasToString("0");
            assertThat(response.trailers().get("grpc-message")).hasToString("OK");
            assertThat(response.resetCode()).as("the stream ended with END_STREAM, not a reset").isEqualTo(-1);

            GrpcStyleBackend.Seen seen = backend.seen().get(0);
            assertThat(seen.headers()).containsEntry("te", "trailers").containsEntry("grpc-timeout", "1500m")
                    .containsEntry("content-type", "application/grpc").containsEntry(":method", "POST")
                    .containsEntry(":path", "/grpc.Echo/Unary").containsEntry(":authority", "a.test");
            assertThat(seen.headers().keySet()).as("nothing of Netty's HTTP/1.1 conversion reaches the backend")
                    .noneMatch(name -> name.startsWith("x-http2-")).doesNotContain("transfer-encoding", "host");
            assertThat(GrpcStyleBackend.messages(seen.body())).containsExactly("hello");
        }
    }

    @Test
    void aServerStreamingCallDeliversEveryMessageInOrderThenTheTrailers(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = proxy(vertx, backend);
             H2Client client = H2Client.h2c(proxy.port(), "a.test")) {
            H2Client.Response response = result(client.send(call(client, "/grpc.Echo/Stream", "x-count", "5",
                    "x-interval-ms", "30"), GrpcStyleBackend.frame("tick"), null));

            assertThat(response.status()).isEqualTo(200);
            assertThat(GrpcStyleBackend.messages(response.body()))
                    .containsExactly("tick 1", "tick 2", "tick 3", "tick 4", "tick 5");
            assertThat(response.trailers().get("grpc-status")).hasToString("0");
        }
    }

    @Test
    void manyConcurrentCallsOnOneClientConnectionShareOneBackendConnection(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = proxy(vertx, backend);
             H2Client client = H2Client.h2c(proxy.port(), "a.test")) {
            List<CompletableFuture<H2Client.Response>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                answers.add(client.send(call(client, "/grpc.Echo/Unary"), GrpcStyleBackend.frame("call " + i), null));
            }
            for (int i = 0; i < 50; i++) {
                H2Client.Response response = result(answers.get(i));
                assertThat(GrpcStyleBackend.messages(response.body())).containsExactly("call " + i);
                assertThat(response.trailers().get("grpc-status")).hasToString("0");
            }
            assertThat(backend.seen()).hasSize(50);
            assertThat(backend.connections()).as("50 streams fit the backend's 100 on one connection").isEqualTo(1);
        }
    }

    @Test
    void aClientCancellingAStreamingCallResetsOnlyThatStreamAtTheBackend(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = proxy(vertx, backend);
             H2Client client = H2Client.h2c(proxy.port(), "a.test")) {
            H2Client.StreamRecorder recorder = new H2Client.StreamRecorder();
            Http2StreamChannel stream = client.open(recorder);
            Http2Headers head = call(client, "/grpc.Echo/Stream", "x-count", "1000", "x-interval-ms", "20");
            byte[] body = GrpcStyleBackend.frame("long");
            stream.eventLoop().execute(() -> {
                stream.write(new DefaultHttp2HeadersFrame(head, false));
                stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true));
            });
            recorder.headReceived.get(30, TimeUnit.SECONDS);
            H2Client.cancel(stream);
            Await.until("the backend saw its stream reset", backend::resets, resets -> resets == 1);

            H2Client.Response next = result(client.send(call(client, "/grpc.Echo/Unary"),
                    GrpcStyleBackend.frame("next"), null));
            assertThat(GrpcStyleBackend.messages(next.body())).containsExactly("next");
            assertThat(backend.connections()).as("the reset spared the backend connection").isEqualTo(1);
        }
    }
}
