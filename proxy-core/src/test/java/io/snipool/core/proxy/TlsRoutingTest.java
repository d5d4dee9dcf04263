package io.snipool.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.metrics.ProxyMetrics.Outcome;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.ClosedPort;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.RawClient;
import io.snipool.core.testbed.TestPki;
import io.snipool.core.testbed.TestProxy;
import io.snipool.core.testbed.TlsBackend;
import io.snipool.core.testbed.TlsClient;
import io.snipool.core.tls.HelloBuilder;
import io.snipool.core.tls.Wire;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Which backend a real TLS client reaches through snipool, by SNI: each backend answers with its own name. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TlsRoutingTest {

    private static final String CONFIG = """
            listeners:
              - name: edge
                bind: "127.0.0.1:0"
                mode: tls
                routes:
                  - hosts: [a.test]
                    backends: ["127.0.0.1:${env:A}"]
                  - hosts: ["*.w.test"]
                    backends: ["127.0.0.1:${env:W}"]
                  - hosts: ["~^(?<tenant>[a-z0-9-]+)\\\\.apps\\\\.test$"]
                    backends: ["${tenant}.internal.test:${env:T}"]
                    allow_private_targets: true
                  - hosts: [rr.test]
                    backends: ["127.0.0.1:${env:R1}", "127.0.0.1:${env:R2}"]
                  - hosts: [skip.test]
                    backends: ["127.0.0.1:${env:DEAD}", "127.0.0.1:${env:A}"]
                  - hosts: [dead.test]
                    backends: ["127.0.0.1:${env:DEAD}", "127.0.0.1:${env:DEAD2}"]
                  - hosts: ["*"]
                    backends: ["127.0.0.1:${env:C}"]
              - name: strict
                bind: "127.0.0.1:0"
                mode: tls
                routes:
                  - hosts: [a.test]
                    backends: ["127.0.0.1:${env:A}"]
              - name: guarded
                bind: "127.0.0.1:0"
                mode: tls
                routes:
                  - hosts: ["*"]
                    backends: ["${host}:${env:A}"]
              - name: trusting
                bind: "127.0.0.1:0"
                mode: tls
                routes:
                  - hosts: ["*"]
                    backends: ["${host}:${env:A}"]
                    allow_private_targets: true
            """;

    /** RFC 8446 §6: alert record, TLS 1.2 record version, length 2, fatal, unrecognized_name. */
    private static final byte[] UNRECOGNIZED_NAME_ALERT = Wire.hex("15 0303 0002 02 70");

    private static TestPki pki;
    private static TestPki.Leaf leaf;

    private final Map<String, TlsBackend> backends = new HashMap<>();
    private TestProxy proxy;
    private TlsClient client;

    @BeforeAll
    static void makeCertificates() {
        pki = new TestPki();
        leaf = pki.leaf("a.test", "*.w.test", "*.y.w.test", "*.apps.test", "rr.test", "skip.test", "other.test", "loop.test");
    }

    @BeforeEach
    void start(Vertx vertx) throws IOException {
        Map<String, String> env = new HashMap<>();
        for (String name : new String[] {"A", "W", "T", "R1", "R2", "C"}) {
            TlsBackend backend = Await.result(TlsBackend.start(vertx, name.toLowerCase(), leaf));
            backends.put(name, backend);
            env.put(name, Integer.toString(backend.port()));
        }
        env.put("DEAD", Integer.toString(ClosedPort.get()));
        env.put("DEAD2", Integer.toString(ClosedPort.get()));
        FakeResolver resolver = new FakeResolver().add("t1.internal.test", "127.0.0.1")
                .add("loop.test", "127.0.0.1");
        proxy = TestProxy.start(vertx, CONFIG, env, resolver);
        client = new TlsClient(pki.clientContext());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (proxy != null) {
            proxy.awaitAllClosed();
            proxy.stop();
        }
    }

    private String via(String listener, String serverName) throws IOException {
        return client.backendName(proxy.port(listener), serverName);
    }

    @Test
    void exactName() throws IOException {
        assertThat(via("edge", "a.test")).isEqualTo("a");
        assertThat(proxy.connections("edge", Outcome.TUNNELLED)).isEqualTo(1);
    }

    @Test
    void wildcardTakesNamesBelowItsSuffix() throws IOException {
        assertThat(via("edge", "x.w.test")).isEqualTo("w");
        assertThat(via("edge", "x.y.w.test")).isEqualTo("w");
    }

    @Test
    void regexGroupBuildsTheBackendHost() throws IOException {
        assertThat(via("edge", "t1.apps.test")).isEqualTo("t");
    }

    @Test
    void unmatchedNameAndNoNameGoToTheCatchAll() throws IOException {
        assertThat(via("edge", "other.test")).isEqualTo("c");
        assertThat(via("edge", null)).isEqualTo("c");
    }

    @Test
    void roundRobinSharesConnectionsBetweenBackends() throws IOException {
        int connections = 6;
        for (int i = 0; i < connections; i++) {
            assertThat(via("edge", "rr.test")).isIn("r1", "r2");
        }
        // Each event loop keeps its own round robin, so over 6 connections spread in any way over the 2 loops each
        // backend gets at least 2 (a loop's own turns differ by at most one per backend).
        assertThat(backends.get("R1").accepted()).isBetween(2, 4);
        assertThat(backends.get("R2").accepted()).isBetween(2, 4);
        assertThat(backends.get("R1").accepted() + backends.get("R2").accepted()).isEqualTo(connections);
    }

    @Test
    void aRefusingBackendIsSkippedForTheNext() throws IOException {
        // The first connection of a fresh round robin tries the route's first backend, the refusing one.
        assertThat(via("edge", "skip.test")).isEqualTo("a");
        assertThat(proxy.backendConnectErrors("edge")).isEqualTo(1);
        assertThat(proxy.connections("edge", Outcome.TUNNELLED)).isEqualTo(1);
    }

    @Test
    void everyBackendRefusingClosesTheClient() throws IOException {
        try (RawClient raw = RawClient.connect(proxy.port("edge"))) {
            raw.write(new HelloBuilder().serverName("dead.test").records());
            assertThat(raw.readUntilClosed()).isEmpty();
        }
        assertThat(proxy.connections("edge", Outcome.BACKEND_UNAVAILABLE)).isEqualTo(1);
        assertThat(proxy.backendConnectErrors("edge")).isEqualTo(2);
    }

    @Test
    void noRouteGetsTheUnrecognizedNameAlertThenClose() throws IOException {
        try (RawClient raw = RawClient.connect(proxy.port("strict"))) {
            raw.write(new HelloBuilder().serverName("nope.test").records());
            assertThat(raw.readUntilClosed()).containsExactly(UNRECOGNIZED_NAME_ALERT);
        }
        assertThat(proxy.connections("strict", Outcome.NO_ROUTE)).isEqualTo(1);
        assertThat(proxy.connections("strict", Outcome.TUNNELLED)).isZero();
    }

    @Test
    void aTemplateTargetOnLoopbackIsRefused() throws IOException {
        try (RawClient raw = RawClient.connect(proxy.port("guarded"))) {
            raw.write(new HelloBuilder().serverName("loop.test").records());
            assertThat(raw.readUntilClosed()).isEmpty();
        }
        assertThat(proxy.connections("guarded", Outcome.BACKEND_UNAVAILABLE)).isEqualTo(1);
        assertThat(proxy.backendConnectErrors("guarded")).isEqualTo(1);
        assertThat(backends.get("A").accepted()).isZero();
    }

    @Test
    void allowPrivateTargetsLetsTheSameTargetConnect() throws IOException {
        assertThat(via("trusting", "loop.test")).isEqualTo("a");
        assertThat(proxy.connections("trusting", Outcome.TUNNELLED)).isEqualTo(1);
    }
}
