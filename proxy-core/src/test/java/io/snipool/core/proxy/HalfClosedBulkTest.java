package io.snipool.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.PatternData;
import io.snipool.core.testbed.PatternPump;
import io.snipool.core.testbed.RawClient;
import io.snipool.core.testbed.SocketBackend;
import io.snipool.core.testbed.TestProxy;
import io.snipool.core.tls.HelloBuilder;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A tunnel whose one side has half-closed (sent its FIN, still reading) while the other sends more than the socket
 * buffers on the way hold: the proxy's writes to the half-closed side must wait for room, and every byte arrive.
 * The receiver reads nothing until the sender's writes stop being taken, so the proxy's socket to it is full and
 * the proxy has to watch it for room. On epoll that is what failed on Netty 4.2.18: a socket with nothing left to
 * read is taken out of the epoll set, and putting it back to watch for room failed (epoll_ctl ENOENT), which cut the
 * stream short (bench/results/issue-13-halfclose).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HalfClosedBulkTest {

    private static final String CONFIG = """
            listeners:
              - name: edge
                bind: "127.0.0.1:0"
                mode: tls
                routes: [ { hosts: [t.test], backends: ["127.0.0.1:${env:B}"] } ]
            """;
    private static final Duration WAIT = Await.TIMEOUT;
    /** Several times what the socket buffers on the way hold (Linux autotunes a send buffer up to 4 MiB). */
    private static final long BULK_BYTES = 24L << 20;
    private static final int SMALL_RECEIVE_BUFFER = 64 * 1024;

    private final byte[] hello = new HelloBuilder().serverName("t.test").records();
    private TestProxy proxy;

    private void startProxy(Vertx vertx, int backendPort) {
        proxy = TestProxy.start(vertx, CONFIG, Map.of("B", Integer.toString(backendPort)), new FakeResolver());
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.awaitAllClosed();
            proxy.stop();
        }
    }

    @Test
    void aClientThatHalfClosesGetsADownloadLargerThanTheSocketBuffersWhole(Vertx vertx) throws Exception {
        PatternData.Received download = PatternData.expected(6, BULK_BYTES);
        CountDownLatch tunnelled = new CountDownLatch(1);
        CompletableFuture<Long> backendFull = new CompletableFuture<>();
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            CompletableFuture<Void> backend = CompletableFuture.runAsync(() -> {
                try (SocketChannel connection = listener.accept()) {
                    InputStream in = connection.socket().getInputStream();
                    assertThat(in.readNBytes(hello.length)).isEqualTo(hello);
                    tunnelled.countDown();
                    // To end of stream: the client's FIN came through.
                    assertThat(in.readAllBytes()).asString(StandardCharsets.US_ASCII).isEqualTo("request");
                    PatternPump pump = new PatternPump(connection, 6, BULK_BYTES);
                    backendFull.complete(pump.writeUntilFull());
                    pump.writeRest();
                    connection.shutdownOutput();
                } catch (Exception | AssertionError e) {
                    backendFull.completeExceptionally(e);
                    throw new IllegalStateException(e);
                }
            });
            startProxy(vertx, listener.socket().getLocalPort());

            try (RawClient client = RawClient.connect(proxy.port("edge"), SMALL_RECEIVE_BUFFER)) {
                client.write(hello);
                // The FIN comes once the tunnel relays: a FIN that comes with the hello is another path.
                assertThat(tunnelled.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                client.write("request".getBytes(StandardCharsets.US_ASCII));
                client.shutdownOutput();
                // Fails here if the proxy cut the tunnel while the client was not reading (a broken pipe).
                assertThat(backendFull.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isPositive();
                assertThat(PatternData.readToEnd(client.socket().getInputStream())).isEqualTo(download);
            }
            backend.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        assertThat(proxy.bytes("edge", "backend_to_client")).isEqualTo(BULK_BYTES);
    }

    @Test
    void aBackendThatHalfClosesGetsAnUploadLargerThanTheSocketBuffersWhole(Vertx vertx) throws Exception {
        PatternData.Received upload = PatternData.expected(7, BULK_BYTES);
        CountDownLatch clientFull = new CountDownLatch(1);
        try (SocketBackend backend = SocketBackend.start(socket -> {
            socket.setReceiveBufferSize(SMALL_RECEIVE_BUFFER);
            assertThat(socket.getInputStream().readNBytes(hello.length)).isEqualTo(hello);
            socket.getOutputStream().write("early answer".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            assertThat(clientFull.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the client's signal").isTrue();
            assertThat(PatternData.readToEnd(socket.getInputStream())).isEqualTo(upload);
        })) {
            startProxy(vertx, backend.port());

            try (SocketChannel client = SocketChannel.open(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port("edge")))) {
                client.socket().setSoTimeout((int) WAIT.toMillis());
                client.socket().getOutputStream().write(hello);
                // To end of stream: the backend's FIN came through.
                assertThat(client.socket().getInputStream().readAllBytes()).asString(StandardCharsets.US_ASCII)
                        .isEqualTo("early answer");
                PatternPump pump = new PatternPump(client, 7, BULK_BYTES);
                // Throws (a broken pipe or a reset) if the proxy cut the tunnel while the backend was not reading.
                assertThat(pump.writeUntilFull()).isPositive();
                clientFull.countDown();
                pump.writeRest();
                client.shutdownOutput();
                backend.awaitScript(WAIT);
            }
        }
        assertThat(proxy.bytes("edge", "client_to_backend")).isEqualTo(hello.length + BULK_BYTES);
    }
}
