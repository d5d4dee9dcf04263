package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.GrpcStyleBackend;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A gRPC-style call from an HTTP/1.1 client through an {@code h2c} route: the request's {@code te: trailers} and
 * {@code grpc-timeout} reach the backend, and the backend's trailers ({@code grpc-status}, {@code grpc-message})
 * come back as the chunked trailer section, for a unary call and a server-streaming one.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GrpcThroughH2cTest {

    /** A POST of one length-prefixed message, as a gRPC client sends it over HTTP/1.1 with trailers accepted. */
    private static byte[] call(String path, String message, String... extraFields) {
        byte[] body = GrpcStyleBackend.frame(message);
        StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: a.test\r\n"
                + "Content-Type: application/grpc\r\nContent-Length: " + body.length + "\r\n");
        for (String field : extraFields) {
            head.append(field).append("\r\n");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        bytes.writeBytes(body);
        return bytes.toByteArray();
    }

    private static String trailer(HttpWire.Response response, String name) {
        return response.message().trailers().stream().filter(field -> field.name().equalsIgnoreCase(name))
                .map(HttpWire.Field::value).findFirst().orElse(null);
    }

    @Test
    void aUnaryCallGetsItsMessageThenTrailersAndItsDeadlineReachesTheBackend(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = H2BackendIntegrationTest.proxy(vertx, backend, "");
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.send(call("/grpc.Echo/Unary", "hello", "TE: trailers",
                    "grpc-timeout: 1500m")).read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("content-type")).isEqualTo("application/grpc");
            assertThat(response.message().chunked()).isTrue();
            assertThat(GrpcStyleBackend.messages(response.body())).containsExactly("hello");
            assertThat(trailer(response, "grpc-status")).isEqualTo("0");
            assertThat(trailer(response, "grpc-message")).isEqualTo("OK");
            GrpcStyleBackend.Seen seen = backend.seen().get(0);
            assertThat(seen.headers()).containsEntry("te", "trailers").containsEntry("grpc-timeout", "1500m")
                    .containsEntry("content-type", "application/grpc").containsEntry(":method", "POST");
            assertThat(GrpcStyleBackend.messages(seen.body())).containsExactly("hello");

            HttpWire.Response again = client.send(call("/grpc.Echo/Unary", "again")).read();
            assertThat(GrpcStyleBackend.messages(again.body())).containsExactly("again");
            assertThat(backend.seen().get(1).headers()).as("no TE from the client, none to the backend")
                    .doesNotContainKey("te");
            assertThat(backend.connections()).isEqualTo(1);
        }
    }

    @Test
    void aServerStreamingCallDeliversEveryMessageInOrderThenTheTrailers(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = H2BackendIntegrationTest.proxy(vertx, backend, "");
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.send(call("/grpc.Echo/Stream", "tick", "TE: trailers",
                    "x-count: 5", "x-interval-ms: 30")).read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(GrpcStyleBackend.messages(response.body()))
                    .isEqualTo(List.of("tick 1", "tick 2", "tick 3", "tick 4", "tick 5"));
            assertThat(trailer(response, "grpc-status")).isEqualTo("0");
            assertThat(trailer(response, "grpc-message")).isEqualTo("OK");
        }
    }

    @Test
    void aClientLeavingInTheMiddleOfAStreamResetsThatStreamAndTheConnectionServesTheNext(Vertx vertx)
            throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = H2BackendIntegrationTest.proxy(vertx, backend, "")) {
            try (RawClient leaving = new RawClient(proxy.port())) {
                leaving.send(call("/grpc.Echo/Stream", "long", "TE: trailers", "x-count: 1000", "x-interval-ms: 20"));
                assertThat(leaving.readBytes(12)).isEqualTo("HTTP/1.1 200");
            }
            Await.until("the backend saw its stream reset", backend::resets, resets -> resets == 1);

            try (RawClient next = new RawClient(proxy.port())) {
                HttpWire.Response response = next.exchange(RawClient.get("a.test", "/next", "x-n: 1"));
                assertThat(response.bodyText()).startsWith("n=1 connection=1 ");
            }
            assertThat(backend.connections()).isEqualTo(1);
        }
    }

    @Test
    void aStreamRefusedUnprocessedIsSentAgainEvenForAPost(Vertx vertx) throws Exception {
        try (GrpcStyleBackend backend = GrpcStyleBackend.start(new GrpcStyleBackend.Options().refuseFirstStream());
             ProxyUnderTest proxy = H2BackendIntegrationTest.proxy(vertx, backend, "");
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.send(call("/grpc.Echo/Unary", "once", "TE: trailers")).read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(GrpcStyleBackend.messages(response.body())).containsExactly("once");
            assertThat(backend.seen()).hasSize(1);
            assertThat(proxy.count(ProxyMetrics.RETRIES)).isEqualTo(1);
        }
    }

    @Test
    void aMessageFarLargerThanTheFlowControlWindowsGoesBothWaysWhole(Vertx vertx) throws Exception {
        // 1 MiB each way: sixteen times HTTP/2's initial 64 KiB window, so both directions need WINDOW_UPDATEs.
        String large = "x".repeat(1 << 20);
        try (GrpcStyleBackend backend = GrpcStyleBackend.start();
             ProxyUnderTest proxy = H2BackendIntegrationTest.proxy(vertx, backend, "");
             RawClient client = new RawClient(proxy.port())) {
            HttpWire.Response response = client.send(call("/grpc.Echo/Unary", large, "TE: trailers")).read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(GrpcStyleBackend.messages(response.body())).containsExactly(large);
            assertThat(trailer(response, "grpc-status")).isEqualTo("0");
        }
    }
}
