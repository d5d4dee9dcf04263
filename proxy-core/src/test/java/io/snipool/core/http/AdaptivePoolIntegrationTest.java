package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.pool.PoolSnapshot;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.HttpBackend;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code pool.adaptive} through a real listener: a burst of concurrent requests to a slow backend teaches each event
 * loop's pool how many connections to keep, and they outlive {@code idle_timeout}, so the next burst after a quiet
 * spell is served from the pool (hits, no connect). Without it the quiet spell empties the pool.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdaptivePoolIntegrationTest {

    private static final int BURST = 16;
    /** Long enough that every request of a burst is in flight at once. */
    private static final Duration BACKEND_DELAY = Duration.ofMillis(200);
    private static final Duration IDLE_TIMEOUT = Duration.ofMillis(300);

    private Vertx vertx;
    private HttpBackend backend;
    private TestProxy proxy;
    private HttpClient client;

    @BeforeEach
    void start(Vertx vertx) {
        this.vertx = vertx;
        backend = Await.result(HttpBackend.start(vertx, "slow", BACKEND_DELAY));
        // One client connection per request of a burst, kept open between bursts: the same connections, on the same
        // event loops, carry both bursts.
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAliveTimeout(60),
                new PoolOptions().setHttp1MaxSize(BURST));
    }

    @AfterEach
    void stop() {
        Await.result(client.close());
        if (proxy != null) {
            proxy.stop();
        }
        Await.result(backend.close());
    }

    private void startProxy(boolean adaptive) {
        proxy = TestProxy.start(vertx, """
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    mode: http
                    routes:
                      - { hosts: [app.test], backends: ["127.0.0.1:${env:B}"] }
                pool:
                  idle_timeout: %dms
                  prewarm_rate: 1000
                  adaptive: { enabled: %s, headroom: 1.5 }
                access_log: { enabled: false }
                """.formatted(IDLE_TIMEOUT.toMillis(), adaptive), Map.of("B", Integer.toString(backend.port())),
                new FakeResolver());
    }

    /** {@value #BURST} requests at once; each answered 200 by the backend. */
    private void burst() {
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
            answers.add(client.request(HttpMethod.GET, proxy.port("web"), "127.0.0.1", "/burst")
                    // body() inside send()'s callback: chained after it from this thread, the body could be lost.
                    .compose(request -> request.putHeader("Host", "app.test").send()
                            .compose(response -> response.body().map(body -> response.statusCode() + " " + body))));
        }
        for (Future<String> answer : answers) {
            assertThat(Await.result(answer)).isEqualTo("200 slow");
        }
    }

    private double counter(String name) {
        return proxy.registry().find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** The pools' view of the backend over every event loop: idle, target, and the coldest idle connection's wait. */
    private record Warmth(long idle, long target, Duration oldestIdle) {
    }

    private Warmth warmth() {
        long idle = 0;
        long target = 0;
        Duration oldest = Duration.ZERO;
        for (PoolSnapshot<BackendKey> loop : proxy.pools().snapshots().join()) {
            for (PoolSnapshot.KeyStats<BackendKey> key : loop.keys()) {
                idle += key.idle();
                target += key.targetIdle();
                oldest = key.oldestIdleAge().compareTo(oldest) > 0 ? key.oldestIdleAge() : oldest;
            }
        }
        return new Warmth(idle, target, oldest);
    }

    @Test
    void aBurstLeavesThePoolWarmAndTheNextBurstAfterAQuietSpellIsServedFromIt() throws InterruptedException {
        startProxy(true);
        burst();

        Warmth warm = Await.until("the pool warm at its target, with connections idle past idle_timeout",
                this::warmth, seen -> seen.target() >= BURST && seen.idle() >= seen.target()
                        && seen.oldestIdle().compareTo(IDLE_TIMEOUT.multipliedBy(3)) > 0);
        assertThat(proxy.gauge(PoolMeters.TARGET_IDLE)).isEqualTo(warm.target());
        double misses = counter(PoolMeters.MISSES);
        double hits = counter(PoolMeters.HITS);
        int accepted = backend.accepted();

        burst();

        assertThat(counter(PoolMeters.MISSES)).as("no request of the second burst connected").isEqualTo(misses);
        assertThat(counter(PoolMeters.HITS) - hits).isEqualTo(BURST);
        assertThat(backend.accepted()).isEqualTo(accepted);
    }

    @Test
    void withoutAdaptiveTheQuietSpellEmptiesThePoolAndTheNextBurstConnects() throws InterruptedException {
        startProxy(false);
        burst();

        Await.until("every idle connection closed by idle_timeout", this::warmth, seen -> seen.idle() == 0);
        assertThat(proxy.gauge(PoolMeters.TARGET_IDLE)).isZero();
        double misses = counter(PoolMeters.MISSES);

        burst();

        assertThat(counter(PoolMeters.MISSES) - misses).isEqualTo(BURST);
    }
}
