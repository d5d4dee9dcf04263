package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.snipool.core.accesslog.AccessRecord;
import io.snipool.core.accesslog.AsyncAccessLog;
import io.snipool.core.accesslog.CombinedLines;
import io.snipool.core.testbed.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The access log's fields through a real listener: what a request sent, how long the backend took, the request id
 * (kept, replaced, made and passed on), the backend's status where snipool answered otherwise, the combined format,
 * and fields not selected not gathered.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessLogFieldsTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    @Test
    void aRequestIsLoggedWithWhatItSentAndWhatTheBackendTook(Vertx vertx) throws Exception {
        Queue<HttpWire.Request> received = new ConcurrentLinkedQueue<>();
        try (RawBackend backend = new RawBackend(RawBackend.recording(received, OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            Queue<AccessRecord> log = proxy.recordAccessLog();
            assertThat(client.exchange(RawClient.get("a.test", "/one", "User-Agent: probe/1.0",
                    "Referer: http://r.test/")).status()).isEqualTo(200);
            assertThat(client.exchange(RawClient.get("a.test", "/two")).status()).isEqualTo(200);

            List<AccessRecord> lines = lines(log, 2);
            AccessRecord miss = lines.get(0);
            assertThat(miss.userAgent()).isEqualTo("probe/1.0");
            assertThat(miss.referer()).isEqualTo("http://r.test/");
            assertThat(miss.protocol()).isEqualTo("HTTP/1.1");
            assertThat(miss.pool()).isEqualTo("miss");
            assertThat(miss.upstreamConnectMicros()).as("a new connection takes time").isPositive();
            assertThat(miss.upstreamFirstByteMicros()).isPositive()
                    .isLessThanOrEqualTo(miss.durationMicros());
            assertThat(miss.attempts()).isOne();
            assertThat(miss.retries()).isZero();
            assertThat(miss.backendStatus()).isEqualTo(200);

            AccessRecord hit = lines.get(1);
            assertThat(hit.pool()).isEqualTo("hit");
            assertThat(hit.upstreamConnectMicros()).as("a pool hit counts 0").isZero();
            assertThat(hit.upstreamFirstByteMicros()).isPositive();
            assertThat(hit.userAgent()).as("not sent").isNull();
            assertThat(hit.tls()).as("plain HTTP").isNull();
        }
    }

    @Test
    void aRequestIdIsMadeAndPassedOnOrKeptWhenWellFormed(Vertx vertx) throws Exception {
        Queue<HttpWire.Request> received = new ConcurrentLinkedQueue<>();
        String longest = "i".repeat(RequestIds.MAX_LENGTH);
        try (RawBackend backend = new RawBackend(RawBackend.recording(received, OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            Queue<AccessRecord> log = proxy.recordAccessLog();
            client.exchange(RawClient.get("a.test", "/none"));
            client.exchange(RawClient.get("a.test", "/kept", "X-Request-Id: trace-42.a/b"));
            client.exchange(RawClient.get("a.test", "/longest", "X-Request-Id: " + longest));
            client.exchange(RawClient.get("a.test", "/too-long", "X-Request-Id: " + longest + "i"));
            client.exchange(RawClient.get("a.test", "/space", "X-Request-Id: two words"));
            client.exchange(RawClient.get("a.test", "/quote", "X-Request-Id: \"q\""));
            client.exchange(RawClient.get("a.test", "/twice", "X-Request-Id: one", "X-Request-Id: two"));
            client.exchange(RawClient.get("a.test", "/next"));

            List<AccessRecord> lines = lines(log, 8);
            List<HttpWire.Request> requests = new ArrayList<>(received);
            for (int i = 0; i < lines.size(); i++) {
                assertThat(requests.get(i).message().all("X-Request-Id")).as(lines.get(i).path())
                        .containsExactly(lines.get(i).requestId());
            }
            assertThat(lines.get(1).requestId()).isEqualTo("trace-42.a/b");
            assertThat(lines.get(2).requestId()).isEqualTo(longest);
            for (int made : new int[] {0, 3, 4, 5, 6, 7}) {
                assertThat(lines.get(made).requestId()).as(lines.get(made).path()).matches("[0-9a-f]{32}");
            }
            assertThat(lines.get(7).requestId()).as("each request its own").isNotEqualTo(lines.get(0).requestId());
        }
    }

    @Test
    void aRefusedRequestHasARequestIdToo(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            Queue<AccessRecord> log = proxy.recordAccessLog();
            assertThat(client.exchange(RawClient.get("nowhere.test", "/", "X-Request-Id: r-1")).status())
                    .isEqualTo(421);

            AccessRecord refused = lines(log, 1).get(0);
            assertThat(refused.requestId()).isEqualTo("r-1");
            assertThat(refused.backendStatus()).as("no backend answered").isZero();
            assertThat(refused.upstreamConnectMicros()).isEqualTo(-1);
            assertThat(refused.upstreamFirstByteMicros()).isEqualTo(-1);
        }
    }

    @Test
    void theBackendsStatusIsKeptWhenSnipoolAnsweredAnother(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            Queue<AccessRecord> log = proxy.recordAccessLog();
            assertThat(client.exchange(RawClient.get("a.test", "/")).status()).as("a 101 nobody asked for")
                    .isEqualTo(502);

            AccessRecord line = lines(log, 1).get(0);
            assertThat(line.status()).isEqualTo(502);
            assertThat(line.backendStatus()).isEqualTo(101);
        }
    }

    @Test
    void fieldsNotSelectedAreNotGathered(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "access_log: { fields: [status, request_id] }\n");
             RawClient client = new RawClient(proxy.port())) {
            Queue<AccessRecord> log = proxy.recordAccessLog();
            client.exchange(RawClient.get("a.test", "/", "User-Agent: probe/1.0", "Referer: http://r.test/"));

            AccessRecord line = lines(log, 1).get(0);
            assertThat(line.status()).isEqualTo(200);
            assertThat(line.userAgent()).isNull();
            assertThat(line.referer()).isNull();
            assertThat(line.upstreamConnectMicros()).isEqualTo(-1);
            assertThat(line.upstreamFirstByteMicros()).isEqualTo(-1);
            assertThat(line.requestId()).as("always made: the backend gets it").isNotNull();
        }
    }

    @Test
    void aTerminatedRequestIsLoggedWithItsTls(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, ProxyUnderTest.Entrance.TERMINATED,
                     route("a.test", backend), "");
             RawClient client = proxy.connect()) {
            Queue<AccessRecord> log = proxy.recordAccessLog();
            assertThat(client.exchange(RawClient.get("a.test", "/")).status()).isEqualTo(200);

            AccessRecord.Tls tls = lines(log, 1).get(0).tls();
            assertThat(tls.version()).startsWith("TLSv1.");
            assertThat(tls.cipher()).startsWith("TLS_");
            assertThat(tls.sni()).isEqualTo("a.test");
        }
    }

    @Test
    void theCombinedFormatWritesWhatTheRequestSent(Vertx vertx) throws Exception {
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "access_log: { format: combined }\n");
             RawClient client = new RawClient(proxy.port())) {
            AsyncAccessLog combined = new AsyncAccessLog(null, new PrintStream(written, true, StandardCharsets.UTF_8),
                    new CombinedLines(), 16, registry);
            proxy.server().accessLog(combined);
            Await.result(proxy.server().reload(proxy.server().config()));
            client.exchange(RawClient.get("a.test", "/p?q=1", "User-Agent: probe \"1\"", "X-Request-Id: rid-9"));
            Await.until("one line written", () -> registry.get(AsyncAccessLog.WRITTEN).counter().count(),
                    lines -> lines == 1);
            combined.close();
        }
        assertThat(written.toString(StandardCharsets.UTF_8)).matches("127\\.0\\.0\\.1 - - \\[\\d\\d/\\w{3}/\\d{4}"
                + ":\\d\\d:\\d\\d:\\d\\d \\+0000] \"GET /p\\?q=1 HTTP/1\\.1\" 200 2 \"-\" \"probe \\\\x221\\\\x22\""
                + " rid-9 \\d+\\.\\d{3}\n");
    }

    /** The first {@code count} lines, once that many requests have ended, in the order they ended. */
    static List<AccessRecord> lines(Queue<AccessRecord> log, int count) throws InterruptedException {
        Await.until(count + " requests logged", log::size, lines -> lines >= count);
        return new ArrayList<>(log).subList(0, count);
    }
}
