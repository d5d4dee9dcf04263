package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static io.snipool.core.http.ExchangeRefusalTest.assertRefusal;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.testbed.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The replay of a request whose reused backend connection turned out to be closed, while the rest of its body is
 * still arriving from the client. The fresh connection is made to wait (one connection per host, another request
 * queued first), so that body parts reach the proxy while the replay has no connection to write them to.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExchangeReplayTest {

    private static final String ONE_CONNECTION = "pool: { max_connections_per_host: 1 }\n";

    /** Steps of the scripted backend, released by the test. */
    private final CountDownLatch staleHeadReceived = new CountDownLatch(1);
    private final CountDownLatch closeStale = new CountDownLatch(1);
    private final CountDownLatch secondArrived = new CountDownLatch(1);
    private final CountDownLatch answerSecond = new CountDownLatch(1);

    /**
     * Connection 0 serves a warm-up request, then takes the head and first body bytes of the next request and
     * closes when told, as if its idle timeout had fired. Connection 1 holds its first request until told, then
     * echoes every request.
     */
    private RawBackend.Script script(int firstPartLength) {
        return connection -> {
            if (connection.index == 0) {
                connection.readRequest();
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nwarm");
                readHead(connection);
                for (int i = 0; i < firstPartLength; i++) {
                    connection.read();
                }
                staleHeadReceived.countDown();
                await(closeStale);
                return;
            }
            boolean first = true;
            for (HttpWire.Request request = connection.readRequest(); request != null;
                 request = connection.readRequest()) {
                if (first) {
                    first = false;
                    secondArrived.countDown();
                    await(answerSecond);
                }
                String body = request.method() + " " + request.target() + " " + request.message().bodyText();
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            }
        };
    }

    @Test
    void bodyArrivingWhileTheReplayWaitsForItsConnectionIsReplayedWhole(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(script(5));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), ONE_CONNECTION, "", 1);
             RawClient a = new RawClient(proxy.port());
             RawClient b = new RawClient(proxy.port())) {
            assertThat(a.exchange(RawClient.get("a.test", "/warm")).bodyText()).isEqualTo("warm");
            a.send("PUT /a HTTP/1.1\r\nHost: a.test\r\nContent-Length: 10\r\n\r\n01234");
            queueBehindTheStaleConnection(proxy, b);

            a.send("56789"); // reaches the proxy while request /a has no connection
            answerSecond.countDown();
            assertThat(b.read().bodyText()).isEqualTo("GET /b ");
            assertThat(a.read().bodyText()).isEqualTo("PUT /a 0123456789");
            assertThat(proxy.staleRetries()).isEqualTo(1);
            assertThat(backend.accepted()).isEqualTo(2);
        }
    }

    @Test
    void bodyOutgrowingTheReplayBufferWhileWaitingIs502(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(script("5\r\n01234\r\n".length()));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     ONE_CONNECTION + "limits: { max_retry_body_bytes: 8 }\n", "", 1);
             RawClient a = new RawClient(proxy.port());
             RawClient b = new RawClient(proxy.port())) {
            assertThat(a.exchange(RawClient.get("a.test", "/warm")).bodyText()).isEqualTo("warm");
            a.send("PUT /a HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n");
            queueBehindTheStaleConnection(proxy, b);

            a.send("5\r\n56789\r\n0\r\n\r\n"); // ten bytes now: more than the replay may keep
            HttpWire.Response refused = a.read();
            assertRefusal(refused, 502);
            assertThat(refused.bodyText()).contains("max_retry_body_bytes");
            assertThat(a.closedByPeer()).isTrue();
            answerSecond.countDown();
            assertThat(b.read().bodyText()).isEqualTo("GET /b ");
        }
    }

    /**
     * Request /a is on connection 0; request /b queues behind it; then connection 0 closes, /b gets the freed slot
     * and the replay of /a queues behind /b.
     */
    private void queueBehindTheStaleConnection(ProxyUnderTest proxy, RawClient b) throws Exception {
        assertThat(staleHeadReceived.await(10, TimeUnit.SECONDS)).isTrue();
        b.send(RawClient.get("a.test", "/b"));
        Await.until("/b queued", () -> proxy.gauge(PoolMeters.PENDING), pending -> pending == 1);
        closeStale.countDown();
        assertThat(secondArrived.await(10, TimeUnit.SECONDS)).isTrue();
        record Queue(double staleRetries, double pending) {
        }
        Await.until("the replay of /a queued", () -> new Queue(proxy.staleRetries(), proxy.gauge(PoolMeters.PENDING)),
                seen -> seen.staleRetries() == 1 && seen.pending() == 1);
    }

    private static void readHead(RawBackend.Connection connection) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = connection.read();
            if (b < 0) {
                throw new IOException("closed inside a head");
            }
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
