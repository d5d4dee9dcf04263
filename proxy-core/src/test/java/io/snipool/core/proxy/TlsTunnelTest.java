package io.snipool.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.metrics.ProxyMetrics.Outcome;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.PatternData;
import io.snipool.core.testbed.RawClient;
import io.snipool.core.testbed.RecordingBackend;
import io.snipool.core.testbed.SocketBackend;
import io.snipool.core.testbed.TestProxy;
import io.snipool.core.tls.HelloBuilder;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bytes through an established tunnel: bulk both ways, back-pressure against a stalled reader, half-close. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TlsTunnelTest {

    private static final String CONFIG = """
            listeners:
              - name: edge
                bind: "127.0.0.1:0"
                mode: tls
                routes: [ { hosts: [t.test], backends: ["127.0.0.1:${env:B}"] } ]
            """;
    private static final Duration WAIT = Await.TIMEOUT;
    private static final long BULK_BYTES = 32L << 20;
    private static final int ENDING_CLIENTS = 4;
    private static final int ENDINGS_PER_CLIENT = 100;
    /** Enough for the io_uring fault above to show in nearly every run without its fix (about 4 s). */
    private static final int CLOSING_CONNECTIONS_PER_CLIENT = 1_000;

    private final byte[] hello = new HelloBuilder().serverName("t.test").records();
    private TestProxy proxy;
    private SocketBackend socketBackend;

    private TestProxy startProxy(Vertx vertx, int backendPort) {
        proxy = TestProxy.start(vertx, CONFIG, Map.of("B", Integer.toString(backendPort)), new FakeResolver());
        return proxy;
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.awaitAllClosed();
            proxy.stop();
        }
        if (socketBackend != null) {
            socketBackend.close();
        }
    }

    /** Reads the hello the proxy forwarded and checks it is the client's, byte for byte. */
    private void expectHello(Socket backend) throws Exception {
        assertThat(backend.getInputStream().readNBytes(hello.length)).isEqualTo(hello);
    }

    @Test
    void bulkBothWaysAtOnceArrivesIntact(Vertx vertx) throws Exception {
        PatternData.Received upload = PatternData.expected(1, BULK_BYTES);
        PatternData.Received download = PatternData.expected(2, BULK_BYTES);
        socketBackend = SocketBackend.start(backend -> {
            expectHello(backend);
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    PatternData.write(backend.getOutputStream(), 2, BULK_BYTES);
                    backend.shutdownOutput();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(PatternData.readToEnd(backend.getInputStream())).isEqualTo(upload);
            sending.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        });
        startProxy(vertx, socketBackend.port());

        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
            client.write(hello);
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    PatternData.write(client.socket().getOutputStream(), 1, BULK_BYTES);
                    client.shutdownOutput();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(PatternData.readToEnd(client.socket().getInputStream())).isEqualTo(download);
            sending.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        socketBackend.awaitScript(WAIT);
        assertThat(proxy.bytes("edge", "client_to_backend")).isEqualTo(hello.length + BULK_BYTES);
        assertThat(proxy.bytes("edge", "backend_to_client")).isEqualTo(BULK_BYTES);
    }

    @Test
    void clientFinReachesTheBackendWhichStillAnswers(Vertx vertx) throws Exception {
        byte[] answer = new byte[256 * 1024];
        new Random(3).nextBytes(answer);
        socketBackend = SocketBackend.start(backend -> {
            expectHello(backend);
            // Reading to end of stream proves the client's FIN came through while the backend's side stays open.
            assertThat(backend.getInputStream().readAllBytes()).asString(StandardCharsets.US_ASCII)
                    .isEqualTo("request");
            backend.getOutputStream().write(answer);
            backend.shutdownOutput();
        });
        startProxy(vertx, socketBackend.port());

        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
            client.write(hello).write("request".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            assertThat(client.socket().getInputStream().readAllBytes()).isEqualTo(answer);
        }
        socketBackend.awaitScript(WAIT);
        assertThat(proxy.connections("edge", Outcome.TUNNELLED)).isEqualTo(1);
    }

    /**
     * A backend that answers and resets at once (closing with the client's last bytes unread, as a TLS server does
     * when the client's close_notify comes after its own): its bytes and its reset arrive together. Every such
     * tunnel must end. On io_uring with Netty's multishot polls, one tunnel in a few hundred never learned of the
     * reset and stayed open until its idle timeout, holding its {@code max_connections} slot; JvmDefaults (and the
     * pom, for the tests) turn them off.
     */
    @Test
    void everyBackendThatAnswersAndResetsEndsItsTunnel(Vertx vertx) throws Exception {
        everyTunnelEnds(vertx, true);
    }

    /**
     * The same with a backend that answers and closes in order: its bytes and its FIN arrive together. The kernel
     * tells Netty a FIN is still to be read, so this one passed with multishot polls too; it keeps the ordinary end.
     */
    @Test
    void everyBackendThatAnswersAndClosesEndsItsTunnel(Vertx vertx) throws Exception {
        everyTunnelEnds(vertx, false);
    }

    /**
     * A client that sends its last bytes and its FIN once it has the answer, as a TLS client sends its
     * {@code close_notify}, to a backend that resets after reading them, as nginx does: the tunnel passes the FIN to
     * the backend, and the backend's reset comes just after the backend acknowledged it. Every such tunnel must end
     * and close the client. On io_uring one in a few hundred never learned of the reset (LostResetWatch) and stayed
     * open until its idle timeout; on epoll about one connection in 60,000 was closed as its tunnel started, by a
     * closed connection's event (EpollRegistrationRepair). {@value #ENDING_CLIENTS} clients x
     * {@value #CLOSING_CONNECTIONS_PER_CLIENT} connections.
     */
    @Test
    void everyClientThatEndsAfterTheAnswerToABackendThatResetsIsClosed(Vertx vertx) throws Exception {
        byte[] answer = new byte[40];
        new Random(6).nextBytes(answer);
        byte[] lastWords = new byte[31];
        new Random(7).nextBytes(lastWords);
        socketBackend = SocketBackend.start(backend -> {
            expectHello(backend);
            backend.getOutputStream().write(answer);
            assertThat(backend.getInputStream().readNBytes(lastWords.length)).isEqualTo(lastWords);
            backend.setSoLinger(true, 0);
        });
        startProxy(vertx, socketBackend.port());

        everyClientEndsItsTunnel(CLOSING_CONNECTIONS_PER_CLIENT, client -> {
            client.write(hello);
            assertThat(client.readExactly(answer.length)).isEqualTo(answer);
            client.write(lastWords);
            client.shutdownOutput();
            assertThat(client.readUntilClosed()).isEmpty();
        });
    }

    /**
     * {@value #ENDING_CLIENTS} clients x {@value #ENDINGS_PER_CLIENT} connections to a backend that answers the
     * hello with 40 bytes and closes, with a reset if {@code reset}; each client reads until snipool closes.
     */
    private void everyTunnelEnds(Vertx vertx, boolean reset) throws Exception {
        byte[] answer = new byte[40];
        new Random(5).nextBytes(answer);
        socketBackend = SocketBackend.start(backend -> {
            expectHello(backend);
            backend.getOutputStream().write(answer);
            if (reset) {
                backend.setSoLinger(true, 0);
            }
        });
        startProxy(vertx, socketBackend.port());

        everyClientEndsItsTunnel(ENDINGS_PER_CLIENT, client -> {
            client.write(hello);
            assertThat(client.readUntilClosed()).isEqualTo(answer);
        });
    }

    /** What one client does on each of its connections; it throws to fail the test. */
    private interface ClientScript {
        void run(RawClient client) throws IOException;
    }

    /**
     * {@value #ENDING_CLIENTS} clients at once, each running {@code script} on {@code perClient} connections one
     * after another; then no tunnel may be left open, every connection must have been tunnelled, and the backend's
     * script must have passed on each.
     */
    private void everyClientEndsItsTunnel(int perClient, ClientScript script) throws Exception {
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(ENDING_CLIENTS);
        try {
            for (int c = 0; c < ENDING_CLIENTS; c++) {
                clients.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < perClient; i++) {
                        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
                            script.run(client);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        } catch (AssertionError e) {
                            throw new AssertionError("connection " + i + " of its client: " + e.getMessage(), e);
                        }
                    }
                }, threads));
            }
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();
        } finally {
            threads.shutdownNow();
        }
        Await.until("no tunnel left open", proxy::active, active -> active == 0);
        assertThat(proxy.connections("edge", Outcome.TUNNELLED)).isEqualTo(ENDING_CLIENTS * perClient);
        for (int i = 0; i < ENDING_CLIENTS * perClient; i++) {
            socketBackend.awaitScript(WAIT);
        }
    }

    @Test
    void backendFinReachesTheClientWhichStillSends(Vertx vertx) throws Exception {
        byte[] request = new byte[256 * 1024];
        new Random(4).nextBytes(request);
        socketBackend = SocketBackend.start(backend -> {
            expectHello(backend);
            backend.getOutputStream().write("early answer".getBytes(StandardCharsets.US_ASCII));
            backend.shutdownOutput();
            assertThat(backend.getInputStream().readAllBytes()).isEqualTo(request);
        });
        startProxy(vertx, socketBackend.port());

        try (RawClient client = RawClient.connect(proxy.port("edge"))) {
            client.write(hello);
            assertThat(client.socket().getInputStream().readAllBytes()).asString(StandardCharsets.US_ASCII)
                    .isEqualTo("early answer");
            client.write(request);
            client.shutdownOutput();
            socketBackend.awaitScript(WAIT);
            assertThat(client.readUntilClosed()).isEmpty();
        }
    }

    /**
     * The client reads nothing while the backend writes as fast as it can. The proxy must stop reading the backend
     * (the backend's Vert.x write queue fills) instead of buffering without bound; then the client reads it all.
     */
    @Test
    void aStalledReaderStopsTheProxyReadingAndThenGetsEverything(Vertx vertx) throws Exception {
        RecordingBackend backend = Await.result(RecordingBackend.start(vertx));
        startProxy(vertx, backend.port());

        // A small, fixed receive buffer keeps what the client side can absorb small and known.
        try (RawClient client = RawClient.connect(proxy.port("edge"), 64 * 1024)) {
            client.write(hello);
            RecordingBackend.Connection connection = backend.nextConnection(WAIT);
            connection.awaitBytes(hello.length, WAIT);

            Pump pump = new Pump(connection.socket());
            connection.context().runOnContext(ignored -> pump.run());
            long writtenWhenFull = Await.result(pump.firstFull.future());

            // Without back-pressure the backend's queue never fills: the pump would hit its cap and fail above.
            double readByProxy = proxy.bytes("edge", "backend_to_client");
            assertThat(readByProxy).as("read by the proxy while the client read nothing")
                    .isLessThanOrEqualTo(Pump.IN_FLIGHT_BOUND).isLessThan(writtenWhenFull);

            MessageDigest digest = PatternData.sha256();
            InputStream in = client.socket().getInputStream();
            byte[] chunk = new byte[64 * 1024];
            long received = 0;
            for (int n; received < pump.total(); received += n) {
                n = in.read(chunk);
                assertThat(n).as("stream ended after " + received + " bytes").isPositive();
                digest.update(chunk, 0, n);
                // The proxy keeps no more than a bounded amount ahead of what the client has taken.
                assertThat(proxy.bytes("edge", "backend_to_client") - received - n)
                        .isLessThanOrEqualTo(Pump.IN_FLIGHT_BOUND);
            }
            assertThat(received).isEqualTo(Await.result(pump.done.future()).bytes());
            assertThat(HexFormat.of().formatHex(digest.digest()))
                    .isEqualTo(Await.result(pump.done.future()).sha256());
        }
    }

    /**
     * Writes pseudo-random chunks on the backend's event loop as fast as Vert.x accepts them. Reports the first
     * time the write queue is full, then writes {@link #TAIL} more bytes (resuming on drain) and reports the digest
     * of all it wrote.
     */
    private static final class Pump {
        static final int CHUNK = 64 * 1024;
        /** More than every socket buffer on the way can hold: reaching it means nobody pushed back. */
        static final long CAP = 128L << 20;
        /** Proxy send buffer (Linux caps its autotuning at 4 MiB), client receive buffer, and Netty's queue. */
        static final long IN_FLIGHT_BOUND = 8L << 20;
        static final long TAIL = 4L << 20;

        final Promise<Long> firstFull = Promise.promise();
        final Promise<PatternData.Received> done = Promise.promise();
        private final NetSocket socket;
        private final Random random = new Random(5);
        private final MessageDigest digest = PatternData.sha256();
        private long written;
        /** Set once, on the event loop, before {@link #firstFull} completes; read by the test thread after. */
        private volatile long stopAt = -1;

        Pump(NetSocket socket) {
            this.socket = socket;
        }

        /** All the pump will write; known once {@link #firstFull} has completed. */
        long total() {
            return stopAt;
        }

        void run() {
            while (stopAt < 0 || written < stopAt) {
                if (socket.writeQueueFull()) {
                    if (stopAt < 0) {
                        stopAt = written + TAIL;
                        firstFull.complete(written);
                    }
                    socket.drainHandler(ignored -> run());
                    return;
                }
                if (written >= CAP) {
                    firstFull.tryFail("the backend wrote " + written + " bytes without its write queue filling");
                    return;
                }
                byte[] chunk = new byte[CHUNK];
                random.nextBytes(chunk);
                digest.update(chunk);
                socket.write(Buffer.buffer(chunk));
                written += CHUNK;
            }
            // Done: the drain handler set on the way must not run this again (it would complete twice).
            socket.drainHandler(null);
            done.complete(new PatternData.Received(written, HexFormat.of().formatHex(digest.digest())));
        }
    }
}
