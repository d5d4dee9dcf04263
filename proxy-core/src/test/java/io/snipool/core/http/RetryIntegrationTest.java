package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static io.snipool.core.http.ExchangeRefusalTest.assertRefusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.micrometer.core.instrument.Counter;
import io.snipool.core.accesslog.AccessRecord;
import io.snipool.core.accesslog.JsonLines;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.ClosedPort;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Retries through a real listener: RFC 9110 §9.2.2 (a request that reached a backend is replayed only if its method
 * may be), the route's {@code retry} keys, and {@code snipool_retries_total}. Raw backends count what they received,
 * so "not replayed" means the backend saw the request once.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RetryIntegrationTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private static final String POST = "POST /p HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\nhello";
    private static final String GET = RawClient.get("a.test", "/g");

    /** Reads one request and closes: the request reached the backend and no response byte came back. */
    private static final RawBackend.Script READ_AND_CLOSE = connection -> connection.readRequest();

    /** The first connection answers a warm-up, then reads the next request and closes; later ones answer. */
    private static final RawBackend.Script CLOSES_SECOND_REQUEST = connection -> {
        connection.readRequest();
        connection.write(OK);
        if (connection.index == 0) {
            connection.readRequest();
            return;
        }
        RawBackend.answering(OK).serve(connection);
    };

    @Test
    void aPostThatReachedTheBackendIsNeverReplayed(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(READ_AND_CLOSE);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            assertRefusal(client.exchange(POST), 502);

            assertThat(backend.accepted()).isEqualTo(1);
            assertThat(countOf(backend.receivedText(), "POST /p ")).isEqualTo(1);
            assertThat(backend.receivedText()).endsWith("\r\n\r\nhello");
            assertThat(retries(proxy, "reset_before_response")).isZero();
        }
    }

    @Test
    void aGetThatReachedTheBackendIsRetriedOnceThen502(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(READ_AND_CLOSE);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            assertRefusal(client.exchange(GET), 502);

            assertThat(backend.accepted()).as("retry.attempts: 1, on a new connection").isEqualTo(2);
            assertThat(countOf(backend.receivedText(), "GET /g ")).isEqualTo(2);
            assertThat(retries(proxy, "reset_before_response")).isEqualTo(1);
            assertThat(proxy.staleRetries()).isZero();
        }
    }

    @Test
    void onAReusedConnectionAGetIsReplayedAndAPostIsNot(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(CLOSES_SECOND_REQUEST);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "", "", 1);
             RawClient client = new RawClient(proxy.port())) {
            Queue<AccessRecord> log = proxy.recordAccessLog();
            assertThat(client.exchange(GET).bodyText()).isEqualTo("ok");
            assertThat(client.exchange(GET).bodyText()).as("replayed on a fresh connection").isEqualTo("ok");
            assertThat(proxy.staleRetries()).isEqualTo(1);
            assertThat(retries(proxy, "stale_connection")).isEqualTo(1);
            Await.until("both requests logged", log::size, lines -> lines == 2);
            assertThat(log).extracting(AccessRecord::staleRetry, AccessRecord::attempts)
                    .containsExactly(tuple(false, 1), tuple(true, 2));
        }
        try (RawBackend backend = new RawBackend(CLOSES_SECOND_REQUEST);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "", "", 1);
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.exchange(GET).bodyText()).isEqualTo("ok");
            client.send(POST);
            assertRefusal(client.read(), 502);

            assertThat(countOf(backend.receivedText(), "POST /p ")).as("the POST reached the backend once")
                    .isEqualTo(1);
            assertThat(backend.accepted()).isEqualTo(1);
            assertThat(proxy.staleRetries()).isZero();
        }
    }

    @Test
    void aPostWhoseConnectWasRefusedGoesToTheNextBackend(Vertx vertx) throws Exception {
        int refusing = ClosedPort.get();
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, "{ hosts: [a.test], backends: [\"127.0.0.1:"
                     + refusing + "\", \"" + backend.address() + "\"] }", "", "", 1);
             RawClient client = new RawClient(proxy.port())) {
            Queue<AccessRecord> log = proxy.recordAccessLog();
            assertThat(client.exchange(POST).bodyText()).isEqualTo("ok");

            assertThat(countOf(backend.receivedText(), "POST /p ")).isEqualTo(1);
            assertThat(retries(proxy, "connect_failure")).isEqualTo(1);
            AccessRecord line = logged(log);
            assertThat(line.attempts()).as("refused, then the next backend").isEqualTo(2);
            assertThat(JsonLines.ALL.json(line).getInteger("retries")).isEqualTo(1);
        }
    }

    @Test
    void aGetWhoseBackendBrokeIsRetriedOnTheOtherBackend(Vertx vertx) throws Exception {
        try (RawBackend broken = new RawBackend(READ_AND_CLOSE);
             RawBackend working = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, "{ hosts: [a.test], backends: [\"" + broken.address()
                     + "\", \"" + working.address() + "\"] }", "", "", 1);
             RawClient client = new RawClient(proxy.port())) {
            Queue<AccessRecord> log = proxy.recordAccessLog();
            assertThat(client.exchange(GET).bodyText()).isEqualTo("ok");
            assertThat(client.exchange(GET).bodyText()).isEqualTo("ok");

            assertThat(broken.accepted()).isEqualTo(1);
            assertThat(retries(proxy, "reset_before_response")).isEqualTo(1);
            Await.until("both requests logged", log::size, lines -> lines == 2);
            assertThat(log).extracting(AccessRecord::attempts).as("retried once, then served at once")
                    .containsExactly(2, 1);
            assertThat(log).extracting(AccessRecord::staleRetry).containsOnly(false);
        }
    }

    @Test
    void retriesOffLeaveTheFirstFailureStanding(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(READ_AND_CLOSE);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, routeWithRetry(backend, "attempts: 0"), "");
             RawClient client = new RawClient(proxy.port())) {
            assertRefusal(client.exchange(GET), 502);

            assertThat(backend.accepted()).isEqualTo(1);
            assertThat(proxy.count(ProxyMetrics.RETRIES)).isZero();
        }
    }

    @Test
    void aMethodTheRouteListsIsReplayedEvenIfNotIdempotent(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(READ_AND_CLOSE);
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, routeWithRetry(backend, "methods: [POST]"), "");
             RawClient client = new RawClient(proxy.port())) {
            assertRefusal(client.exchange(POST), 502);

            assertThat(countOf(backend.receivedText(), "POST /p ")).isEqualTo(2);
        }
    }

    /** The one access log line, once the request has ended. */
    private static AccessRecord logged(Queue<AccessRecord> log) throws InterruptedException {
        Await.until("the request logged", log::size, lines -> lines == 1);
        return log.peek();
    }

    /** The route of a.test to {@code backend} with {@code retryKeys} in its {@code retry} block. */
    private static String routeWithRetry(RawBackend backend, String retryKeys) {
        return "{ hosts: [a.test], backends: [\"" + backend.address() + "\"], retry: { " + retryKeys + " } }";
    }

    private static double retries(ProxyUnderTest proxy, String reason) {
        return proxy.registry().find(ProxyMetrics.RETRIES).tag("reason", reason).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private static int countOf(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }
}
