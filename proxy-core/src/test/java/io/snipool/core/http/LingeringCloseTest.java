package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.Dribbler;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client still sending its request body when snipool answers with an error and closes. Closing a socket with
 * unread bytes makes the kernel send a reset in place of the FIN, which can destroy the answer before the client
 * reads it; snipool closes in stages instead (RFC 9112 §9.6): its FIN after the answer, then it reads and drops what
 * the client still sends until the client's FIN, {@code timeouts.lingering_timeout} of silence or
 * {@code timeouts.lingering_time} in all.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LingeringCloseTest {

    /** Larger than the socket buffers of both ends together: most of it is still to send when the answer comes. */
    private static final int BODY = 8 * 1024 * 1024;
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    private static final byte[] CHUNK = Payloads.bytes(64 * 1024, 7);
    /** Refused at its head (the target is neither origin- nor absolute-form), before any of its body is read. */
    private static final String REFUSED_UPLOAD = "POST nowhere HTTP/1.1\r\nHost: a.test\r\nContent-Length: " + BODY
            + "\r\n\r\n";

    @ParameterizedTest
    @EnumSource(ProxyUnderTest.Entrance.class)
    void anUploadRefusedAtItsHeadGetsTheAnswerAndThenAFinNotAReset(ProxyUnderTest.Entrance entrance, Vertx vertx)
            throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, entrance, route("a.test", backend), "");
             RawClient client = proxy.connect()) {
            CompletableFuture<Void> body = upload(client, REFUSED_UPLOAD, BODY);
            HttpWire.Response response = client.read();
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.bodyText()).contains("invalid request target");
            assertThat(client.streamEnd()).as("after the answer").isEqualTo("FIN");
            // snipool read and dropped the whole body; the client's FIN ends the connection.
            body.get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            client.sendFin();
            Await.until("the lingering close ended by the client's FIN", () -> lingered(proxy, "fin"),
                    closes -> closes == 1);
            proxy.awaitQuiet();
            assertThat(backend.accepted()).as("connections to the backend").isZero();
        }
    }

    /**
     * A backend that answers before reading the body, and closes: the response ends the client connection with the
     * body still coming, and the client gets it the same way as one of snipool's own.
     */
    @Test
    void anUploadTheBackendAnswersEarlyGetsTheAnswerAndThenAFin(Vertx vertx) throws Exception {
        RawBackend.Script answerEarly = connection -> {
            HttpWire.readRequestHead(connection::read);
            connection.write("HTTP/1.1 413 Content Too Large\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope");
            byte[] drop = new byte[64 * 1024];
            while (connection.readUnrecorded(drop, drop.length) >= 0) {
                // What snipool sent of the body before the answer ended the exchange: read so as not to reset.
            }
        };
        try (RawBackend backend = new RawBackend(answerEarly);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = proxy.connect()) {
            CompletableFuture<Void> body = upload(client, "POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: "
                    + BODY + "\r\n\r\n", BODY);
            HttpWire.Response response = client.read();
            assertThat(response.status()).isEqualTo(413);
            assertThat(response.bodyText()).isEqualTo("nope");
            assertThat(client.streamEnd()).as("after the answer").isEqualTo("FIN");
            body.get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            client.sendFin();
            Await.until("the lingering close ended by the client's FIN", () -> lingered(proxy, "fin"),
                    closes -> closes == 1);
            proxy.awaitQuiet();
        }
    }

    @Test
    void aSilentClientIsClosedAfterLingeringTimeout(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "timeouts: { lingering_timeout: 300ms, lingering_time: 5m }\n");
             RawClient client = proxy.connect()) {
            long start = System.nanoTime();
            client.send(withBody(REFUSED_UPLOAD, 100_000));
            assertThat(client.read().status()).isEqualTo(400);
            assertThat(client.streamEnd()).as("after the answer").isEqualTo("FIN");
            Await.until("the lingering close ended by lingering_timeout", () -> lingered(proxy, "lingering_timeout"),
                    closes -> closes == 1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            proxy.awaitQuiet();
            assertThat(backend.accepted()).as("connections to the backend").isZero();
        }
    }

    @Test
    void aClientThatKeepsTricklingIsClosedAfterLingeringTime(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "timeouts: { lingering_timeout: 1s, lingering_time: 1500ms }\n");
             RawClient client = proxy.connect()) {
            long start = System.nanoTime();
            client.send(withBody(REFUSED_UPLOAD, 10_000));
            assertThat(client.read().status()).isEqualTo(400);
            // A byte every 50 ms: never a second of silence, so only lingering_time can end it.
            try (Dribbler trickle = Dribbler.start(new byte[100_000], Duration.ofMillis(50), client::send)) {
                Await.until("the lingering close ended by lingering_time", () -> lingered(proxy, "lingering_time"),
                        closes -> closes == 1);
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .isGreaterThanOrEqualTo(Duration.ofMillis(1500));
                assertThat(lingered(proxy, "lingering_timeout")).isZero();
            }
            proxy.awaitQuiet();
        }
    }

    @Test
    void aClientThatHasEndedItsSideIsClosedAtOnce(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "timeouts: { lingering_timeout: 5m, lingering_time: 5m }\n");
             RawClient client = proxy.connect()) {
            client.send(withBody(REFUSED_UPLOAD, 100_000));
            client.sendFin();
            assertThat(client.read().status()).isEqualTo(400);
            assertThat(client.streamEnd()).as("after the answer").isEqualTo("FIN");
            // Within Await's bound, far below the lingering timeouts: the FIN ended it, whenever it was read.
            proxy.awaitQuiet();
            assertThat(lingered(proxy, "lingering_timeout") + lingered(proxy, "lingering_time")).isZero();
        }
    }

    @Test
    void aHeadTooSlowIsAnsweredAndClosedAtOnceThoughTheClientGoesOnDribbling(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "timeouts: { request_head: 200ms, lingering_timeout: 5m, lingering_time: 5m }\n");
             RawClient client = proxy.connect()) {
            byte[] head = RawClient.get("a.test", "/" + "x".repeat(10_000)).getBytes(StandardCharsets.ISO_8859_1);
            try (Dribbler dribbler = Dribbler.start(head, Duration.ofMillis(20), client::send)) {
                assertThat(client.read().status()).isEqualTo(408);
                // Within Await's bound, far below the lingering timeouts, and while the client still sends.
                proxy.awaitQuiet();
                assertThat(dribbler.sent()).isLessThan(head.length);
            }
            assertThat(proxy.count(ProxyMetrics.LINGERING_CLOSES)).isZero();
        }
    }

    @Test
    void lingeringTimeZeroClosesAtOnceAsBefore(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "timeouts: { lingering_time: 0s, lingering_timeout: 5m }\n");
             RawClient client = proxy.connect()) {
            client.send(withBody(REFUSED_UPLOAD, 100_000));
            assertThat(client.read().status()).isEqualTo(400);
            // Within Await's bound, far below lingering_timeout, with the client's side still open: not lingering.
            proxy.awaitQuiet();
            assertThat(proxy.count(ProxyMetrics.LINGERING_CLOSES)).isZero();
        }
    }

    @Test
    void aLingeringConnectionHoldsItsPerClientSlot(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "timeouts: { lingering_timeout: 5m, lingering_time: 5m }\n", "max_connections_per_ip: 1");
             RawClient client = proxy.connect()) {
            client.send(withBody(REFUSED_UPLOAD, 100_000));
            assertThat(client.read().status()).isEqualTo(400);
            assertThat(client.streamEnd()).as("after the answer").isEqualTo("FIN");
            try (RawClient second = proxy.connect()) {
                second.send("G"); // a first byte: timeouts.defer_accept holds a silent connection in the kernel
                assertThat(second.streamEnd()).as("a second connection, over the limit").isNotEqualTo("nothing");
                Await.until("the second connection refused over the per-client limit",
                        () -> proxy.count(ProxyMetrics.CONNECTIONS, "outcome", "over_ip_limit"), count -> count == 1);
            }
            client.sendFin();
            Await.until("the lingering close ended by the client's FIN", () -> lingered(proxy, "fin"),
                    closes -> closes == 1);
            proxy.awaitQuiet(); // its slot given back
            try (RawClient third = proxy.connect()) {
                assertThat(third.exchange(RawClient.get("a.test", "/")).status()).as("once it closed").isEqualTo(200);
            }
        }
    }

    @Test
    void theEndOfADrainClosesALingeringConnection(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "timeouts: { lingering_timeout: 5m, lingering_time: 5m }\n");
             RawClient client = proxy.connect()) {
            client.send(withBody(REFUSED_UPLOAD, 100_000));
            assertThat(client.read().status()).isEqualTo(400);
            assertThat(client.streamEnd()).as("after the answer").isEqualTo("FIN");
            // Await's bound is far below the lingering timeouts: only the drain's end can close it in time.
            Await.result(proxy.server().drain(Duration.ofMillis(200)));
            // Counted as the channel goes inactive, which Netty reports just after the close the drain waits for.
            Await.until("the lingering close counted", () -> lingered(proxy, "other"), closes -> closes == 1);
            proxy.awaitQuiet();
        }
    }

    /** Lingering closes of the listener that {@code ended} so. */
    private static double lingered(ProxyUnderTest proxy, String ended) {
        return proxy.count(ProxyMetrics.LINGERING_CLOSES, "ended", ended);
    }

    /** {@code head} and {@code length} bytes of its body, as one array. */
    private static byte[] withBody(String head, int length) {
        byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] bytes = Arrays.copyOf(headBytes, headBytes.length + length);
        Arrays.fill(bytes, headBytes.length, bytes.length, (byte) 'x');
        return bytes;
    }

    /**
     * {@code head} and {@code length} bytes of body on a thread of its own, while the test thread reads the answer.
     * The head goes out in one write with the first part of the body, as a client streaming an upload sends them:
     * body bytes are unread in snipool's socket when the head is refused.
     */
    private static CompletableFuture<Void> upload(RawClient client, String head, int length) {
        return CompletableFuture.runAsync(() -> {
            try {
                byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
                byte[] first = Arrays.copyOf(headBytes, headBytes.length + CHUNK.length);
                System.arraycopy(CHUNK, 0, first, headBytes.length, CHUNK.length);
                client.send(first);
                for (int sent = CHUNK.length; sent < length; sent += CHUNK.length) {
                    client.send(CHUNK);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
