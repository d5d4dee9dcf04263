package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.testbed.PatternData;
import io.snipool.core.testbed.PatternPump;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A plain HTTP client that half-closes after its request (HalfCloseTest: the response still comes, then the
 * connection closes) and gets a response larger than the socket buffers hold. It reads nothing until the backend's
 * writes stop being taken, so the proxy's socket to it is full and must be watched for room: on epoll that failed
 * on Netty 4.2.18 once the FIN had emptied the socket's interest set (EpollRegistrationRepair).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HalfClosedLargeResponseTest {

    /** Several times what the socket buffers on the way hold (Linux autotunes a send buffer up to 4 MiB). */
    private static final long BODY_BYTES = 24L << 20;

    @Test
    void aClientThatHalfClosedAfterItsRequestGetsAResponseLargerThanTheSocketBuffersWhole(Vertx vertx)
            throws Exception {
        PatternData.Received body = PatternData.expected(8, BODY_BYTES);
        CountDownLatch clientEnded = new CountDownLatch(1);
        CompletableFuture<Long> backendFull = new CompletableFuture<>();
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            CompletableFuture<Void> backend = CompletableFuture.runAsync(() -> {
                try (SocketChannel connection = listener.accept()) {
                    InputStream in = connection.socket().getInputStream();
                    assertThat(HttpWire.readRequest(in::read)).isNotNull();
                    // The client's FIN is sent before the answer starts: the proxy has long seen it by the time
                    // the answer fills its socket buffer to the client.
                    assertThat(clientEnded.await(RawClient.READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                    connection.socket().getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: "
                            + BODY_BYTES + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    PatternPump pump = new PatternPump(connection, 8, BODY_BYTES);
                    backendFull.complete(pump.writeUntilFull());
                    pump.writeRest();
                } catch (Exception | AssertionError e) {
                    backendFull.completeExceptionally(e);
                    throw new IllegalStateException(e);
                }
            });
            String route = "{ hosts: [\"a.test\"], backends: [\"127.0.0.1:" + listener.socket().getLocalPort()
                    + "\"] }";
            try (ProxyUnderTest proxy = new ProxyUnderTest(vertx, route, "");
                 RawClient client = proxy.connect()) {
                client.send(RawClient.get("a.test", "/large"));
                client.sendFin();
                clientEnded.countDown();
                // Fails here if the proxy gave up on the exchange while the client was not reading.
                assertThat(backendFull.get(RawClient.READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isPositive();
                HttpWire.Response response = client.read();
                assertThat(response.status()).isEqualTo(200);
                assertThat(new PatternData.Received(response.body().length,
                        HexFormat.of().formatHex(PatternData.sha256().digest(response.body())))).isEqualTo(body);
                assertThat(client.closedByPeer()).as("closed by snipool after the response").isTrue();
                backend.get(RawClient.READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }
}
