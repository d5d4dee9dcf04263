package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.metrics.RequestMeters;
import io.snipool.core.testbed.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code snipool_request_duration_seconds} through a real listener: one histogram per route, and one for none. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RequestDurationMetricsTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    @Test
    void requestDurationsAreCountedPerRoute(Vertx vertx) throws Exception {
        try (RawBackend backend = new RawBackend(RawBackend.answering(OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend) + "\n"
                     + route("*.b.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            client.exchange(RawClient.get("a.test", "/"));
            client.exchange(RawClient.get("x.b.test", "/"));
            client.exchange(RawClient.get("y.b.test", "/"));
            client.exchange(RawClient.get("nowhere.test", "/"));

            Await.until("four requests timed", () -> proxy.registry().find(RequestMeters.REQUEST_DURATION).timers()
                    .stream().mapToLong(timer -> timer.count()).sum(), count -> count == 4);
            assertThat(durations(proxy, "a.test")).isOne();
            assertThat(durations(proxy, "*.b.test")).isEqualTo(2);
            assertThat(durations(proxy, RequestMeters.NO_ROUTE)).isOne();
        }
    }

    private static long durations(ProxyUnderTest proxy, String route) {
        return proxy.registry().get(RequestMeters.REQUEST_DURATION).tag("listener", ProxyUnderTest.LISTENER)
                .tag("route", route).timer().count();
    }
}
