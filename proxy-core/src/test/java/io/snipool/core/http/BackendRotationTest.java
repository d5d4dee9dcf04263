package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.FlappingBackend;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator's way to take a backend out of rotation and back: remove it from {@code backends}, reload, add it
 * back, reload. Under steady keep-alive and {@code Connection: close} load, with a request held in flight at the
 * backend across the first reload: no request fails, the backend gets no request that started after it was removed,
 * the request in flight completes, its pooled connections are all closed, and it gets its share again once back.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackendRotationTest {

    private static final String WITH_B = SteadyLoad.threeBackends("");

    private static final String WITHOUT_B = WITH_B.replace(", \"127.0.0.1:${env:B}\"", "");
    private static final String HELD_PATH = "/held";
    /** Enough tries that a request lands on b whatever the round robin's phase on each event loop. */
    private static final int MAX_HELD_REQUESTS = 20;

    @Test
    void aBackendRemovedByAReloadAndAddedBackUnderLoadFailsNoRequest(Vertx vertx) throws Exception {
        FlappingBackend a = Await.result(FlappingBackend.start(vertx, "a")).hold(HELD_PATH);
        FlappingBackend b = Await.result(FlappingBackend.start(vertx, "b")).hold(HELD_PATH);
        FlappingBackend c = Await.result(FlappingBackend.start(vertx, "c")).hold(HELD_PATH);
        Map<String, String> ports = Map.of("A", Integer.toString(a.port()), "B", Integer.toString(b.port()),
                "C", Integer.toString(c.port()));
        TestProxy proxy = TestProxy.start(vertx, WITH_B, ports, new FakeResolver());
        ExecutorService heldClients = Executors.newCachedThreadPool();
        int port = proxy.port("web");
        try (SteadyLoad load = SteadyLoad.start(port, "/work", 2, 2)) {
            load.awaitRequests("steady load with b", 150);
            List<Future<String>> held = holdOneAt(b, List.of(a, b, c), heldClients, port);

            Await.result(proxy.server().reload(TestProxy.load(WITHOUT_B, ports)));
            long removed = System.nanoTime();
            load.awaitRequests("load without b", () -> removed, 200);
            assertThat(b.held()).as("the request held at b is still in flight").isOne();
            List.of(a, b, c).forEach(FlappingBackend::release);
            List<String> heldAnswers = new ArrayList<>();
            for (Future<String> answer : held) {
                heldAnswers.add(answer.get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            }
            Await.until("every connection to b closed by the proxy", b::open, open -> open == 0);
            String label = "127.0.0.1:" + b.port();

            long addingBack = System.nanoTime();
            Await.result(proxy.server().reload(TestProxy.load(WITH_B, ports)));
            long added = System.nanoTime();
            load.awaitRequests("load with b back", () -> added, 300);
            load.stop();

            assertThat(load.outcomes()).as("requests in all").hasSizeGreaterThan(650)
                    .filteredOn(SteadyLoad.Outcome::failed).as("failed requests").isEmpty();
            assertThat(heldAnswers).as("requests in flight across the reload").contains("200 b")
                    .allMatch(answer -> answer.startsWith("200 "));
            assertThat(load.outcomes().stream().filter(outcome -> outcome.startedFrom(removed)
                    && outcome.endNanos() - addingBack < 0).map(SteadyLoad.Outcome::answer))
                    .as("requests that started after b was removed and ended before it was added back")
                    .hasSizeGreaterThanOrEqualTo(200).doesNotContain("200 b");
            Counter closedIdle = proxy.registry().find(PoolMeters.EVICTIONS)
                    .tags("backend", label, "reason", "removed").counter();
            assertThat(closedIdle).as("b's pooled connections closed by the reload").isNotNull();
            assertThat(closedIdle.count()).isGreaterThanOrEqualTo(1);
            SteadyLoad.Share back = load.share("b", added, Long.MAX_VALUE);
            assertThat(back.fraction()).as("b's share once back (%s)", back).isBetween(0.27, 0.40);
        } finally {
            List.of(a, b, c).forEach(FlappingBackend::release);
            heldClients.shutdownNow();
            proxy.stop();
        }
    }

    /**
     * Sends requests for {@link #HELD_PATH}, each on a connection of its own, until one is held at {@code target}
     * (every backend of {@code all} holds them): the round robin decides where each goes.
     *
     * @return the answers to come, as {@code status backend}
     */
    private static List<Future<String>> holdOneAt(FlappingBackend target, List<FlappingBackend> all,
                                                  ExecutorService clients, int port) throws InterruptedException {
        List<Future<String>> answers = new ArrayList<>();
        while (target.held() == 0) {
            assertThat(answers).as("requests sent without one reaching b").hasSizeLessThan(MAX_HELD_REQUESTS);
            answers.add(clients.submit(() -> {
                try (RawClient client = new RawClient(port)) {
                    HttpWire.Response response = client.exchange(RawClient.get(SteadyLoad.HOST, HELD_PATH));
                    return response.status() + " " + response.bodyText();
                }
            }));
            int sent = answers.size();
            Await.until("request " + sent + " held at a backend",
                    () -> all.stream().mapToInt(FlappingBackend::held).sum(), heldNow -> heldNow == sent);
        }
        return answers;
    }
}
