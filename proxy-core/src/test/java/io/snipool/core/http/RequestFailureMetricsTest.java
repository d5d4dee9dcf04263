package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static io.snipool.core.http.ExchangeRefusalTest.assertRefusal;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.snipool.core.metrics.RequestMeters;
import io.snipool.core.testbed.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Each request that snipool ends early is counted once in {@code snipool_request_failures_total}, under its side
 * and kind, whether it was answered with a status or cut after the response began.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class RequestFailureMetricsTest {

    private static final String GET_A = RawClient.get("a.test", "/");

    @Test
    void aRefusalBeforeRoutingCountsAsAClientFailure(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            assertRefusal(client.exchange(RawClient.get("elsewhere.test", "/")), 421);
            awaitFailures(proxy, "client", "misdirected", 1);
            assertThat(failures(proxy, "backend", "backend_broke")).isZero();
            assertThat(backend.accepted()).isZero();
        }
    }

    @Test
    void aMalformedResponseCountsAsABackendFailure(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            assertRefusal(client.exchange(GET_A), 502);
            awaitFailures(proxy, "backend", "backend_broke", 1);
            assertThat(failures(proxy, "client", "misdirected")).isZero();
        }
    }

    @Test
    void aCutAfterTheResponseBeganIsCountedToo(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf.");
            connection.read();
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "timeouts: { idle: 300ms }\n");
             RawClient client = new RawClient(proxy.port())) {
            client.send(GET_A);
            assertThat(client.readHead().status()).isEqualTo(200);
            assertThat(client.readBytes(5)).isEqualTo("half.");
            assertThat(client.closedByPeer()).as("cut after the idle timeout").isTrue();
            awaitFailures(proxy, "proxy", "exchange_idle", 1);
            // The request itself is still counted under the status the client saw.
            assertThat(proxy.registry().find(RequestMeters.REQUESTS).tag("code", "200").counter().count())
                    .isEqualTo(1);
        }
    }

    private static double failures(ProxyUnderTest proxy, String side, String kind) {
        Counter counter = proxy.registry().find(RequestMeters.REQUEST_FAILURES).tag("listener",
                ProxyUnderTest.LISTENER).tag("side", side).tag("kind", kind).counter();
        assertThat(counter).as("registered at start: " + side + "/" + kind).isNotNull();
        return counter.count();
    }

    private static void awaitFailures(ProxyUnderTest proxy, String side, String kind, double expected)
            throws InterruptedException {
        Await.until(expected + " " + side + "/" + kind + " failures", () -> failures(proxy, side, kind),
                count -> count == expected);
    }
}
