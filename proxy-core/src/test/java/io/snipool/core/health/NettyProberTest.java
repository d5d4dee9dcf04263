package io.snipool.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.HealthCheckConfig;
import io.snipool.config.HostPort;
import io.snipool.core.backend.BackendTlsProfile;
import io.snipool.core.backend.TlsTarget;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.BackendTlsConfigs;
import io.snipool.core.testbed.ClosedPort;
import io.snipool.core.testbed.FakeResolver;
import io.snipool.core.testbed.FlappingBackend;
import io.snipool.core.testbed.SocketBackend;
import io.snipool.core.testbed.TestPki;
import io.snipool.core.testbed.TlsBackend;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Active checks against real backends on loopback: what an {@code http} check sends and how it judges the status,
 * timeouts, refused connects, TLS handshakes with the route's settings, and a fresh connection for every check.
 */
@ExtendWith(VertxExtension.class)
class NettyProberTest {

    /** Long enough for a first TLS handshake on a cold JVM: only the test of timeouts wants one to expire. */
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SHORT_TIMEOUT = Duration.ofMillis(300);

    private static TestPki pki;
    private NettyProber prober;

    @BeforeAll
    static void makeCertificates() {
        pki = new TestPki();
    }

    @BeforeEach
    void prober(Vertx vertx) {
        VertxInternal internal = (VertxInternal) vertx;
        prober = new NettyProber(internal.nettyEventLoopGroup().next(), internal.transport().channelFactory(false),
                new FakeResolver());
    }

    private static HealthCheckConfig check(HealthCheckConfig.Type type, String... expect) {
        return check(type, TIMEOUT, expect);
    }

    private static HealthCheckConfig check(HealthCheckConfig.Type type, Duration timeout, String... expect) {
        List<HealthCheckConfig.StatusRange> ranges = expect.length == 0 ? HealthCheckConfig.DEFAULT_EXPECT_STATUS
                : Arrays.stream(expect).map(HealthCheckConfig.StatusRange::parse).toList();
        return new HealthCheckConfig(type, FlappingBackend.HEALTH_PATH, ranges, timeout, timeout, 2, 3);
    }

    private CheckResult probe(ProbeTarget target) throws Exception {
        CompletableFuture<CheckResult> result = new CompletableFuture<>();
        prober.probe(target, result::complete);
        return result.get(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static ProbeTarget plain(int port, HealthCheckConfig check) {
        return new ProbeTarget(new HostPort("127.0.0.1", port), check, Optional.empty(), "api.test");
    }

    @Test
    void anHttpCheckAsksForItsPathAndPassesOnAnExpectedStatus(Vertx vertx) throws Exception {
        FlappingBackend backend = Await.result(FlappingBackend.start(vertx, "a"));

        CheckResult passed = probe(plain(backend.port(), check(HealthCheckConfig.Type.HTTP)));

        assertThat(passed.kind()).isEqualTo(CheckResult.Kind.OK);
        assertThat(passed.detail()).isEqualTo("status 200");
        assertThat(passed.latencyNanos()).isPositive();
        FlappingBackend.Seen request = backend.seen().get(0);
        assertThat(request.path()).isEqualTo("/healthz");
        assertThat(request.host()).isEqualTo("api.test");
        assertThat(request.connectionHeader()).isEqualTo("close");
        assertThat(request.userAgent()).isEqualTo("snipool-health-check");
    }

    @Test
    void statusesAreJudgedByTheRangesExpected(Vertx vertx) throws Exception {
        FlappingBackend backend = Await.result(FlappingBackend.start(vertx, "a"));
        int port = backend.port();

        backend.health(399);
        assertThat(probe(plain(port, check(HealthCheckConfig.Type.HTTP))).kind()).isEqualTo(CheckResult.Kind.OK);
        backend.health(400);
        CheckResult refused = probe(plain(port, check(HealthCheckConfig.Type.HTTP)));
        assertThat(refused.kind()).isEqualTo(CheckResult.Kind.BAD_STATUS);
        assertThat(refused.detail()).isEqualTo("status 400, expected [200-399]");
        backend.health(204);
        assertThat(probe(plain(port, check(HealthCheckConfig.Type.HTTP, "200", "204-205"))).kind())
                .isEqualTo(CheckResult.Kind.OK);
        backend.health(503);
        assertThat(probe(plain(port, check(HealthCheckConfig.Type.HTTP, "200", "204-205"))).kind())
                .isEqualTo(CheckResult.Kind.BAD_STATUS);
        assertThat(probe(plain(port, check(HealthCheckConfig.Type.TCP))).kind())
                .as("a tcp check asks nothing").isEqualTo(CheckResult.Kind.OK);
    }

    @Test
    void aBackendThatNeverAnswersTimesOutAndItsConnectionIsClosed() throws Exception {
        try (SocketBackend silent = SocketBackend.start(socket -> {
            while (socket.getInputStream().read() >= 0) {
                // reads the request and never answers, until the check gives up and closes
            }
        })) {
            CheckResult result = probe(plain(silent.port(), check(HealthCheckConfig.Type.HTTP, SHORT_TIMEOUT)));

            assertThat(result.kind()).isEqualTo(CheckResult.Kind.TIMEOUT);
            assertThat(result.detail()).isEqualTo("no result within 300ms (awaiting_status)");
            assertThat(result.latencyNanos()).isGreaterThanOrEqualTo(SHORT_TIMEOUT.toNanos());
            silent.awaitScript(Await.TIMEOUT);
        }
    }

    @Test
    void aRefusedConnectFailsTheCheck() throws Exception {
        CheckResult result = probe(plain(ClosedPort.get(), check(HealthCheckConfig.Type.TCP)));

        assertThat(result.kind()).isEqualTo(CheckResult.Kind.CONNECT_FAILED);
        assertThat(result.kind().label()).isEqualTo("connect_failed");
    }

    @Test
    void everyCheckHasAConnectionOfItsOwnAndClosesIt(Vertx vertx) throws Exception {
        FlappingBackend backend = Await.result(FlappingBackend.start(vertx, "a"));

        for (int i = 0; i < 5; i++) {
            assertThat(probe(plain(backend.port(), check(HealthCheckConfig.Type.HTTP))).passed()).isTrue();
        }

        assertThat(backend.accepted()).isEqualTo(5);
        assertThat(backend.seen()).extracting(FlappingBackend.Seen::connection).doesNotHaveDuplicates();
        Await.until("the checks' connections closed", backend::open, open -> open == 0);
    }

    @Test
    void aTlsCheckShakesHandsWithTheRoutesSettings(Vertx vertx) throws Exception {
        TlsBackend backend = Await.result(TlsBackend.start(vertx, "tls", pki.leaf("api.test")));
        HostPort address = new HostPort("127.0.0.1", backend.port());
        BackendTlsProfile trusting = BackendTlsProfile.of(BackendTlsConfigs.verifying("api.test",
                pki.caCertificate()));
        BackendTlsProfile strangers = BackendTlsProfile.of(BackendTlsConfigs.verifying("api.test",
                new TestPki().caCertificate()));

        CheckResult verified = probe(new ProbeTarget(address, check(HealthCheckConfig.Type.TLS),
                Optional.of(new TlsTarget("api.test", trusting)), "api.test"));
        CheckResult wrongName = probe(new ProbeTarget(address, check(HealthCheckConfig.Type.TLS),
                Optional.of(new TlsTarget("other.test", trusting)), "other.test"));
        CheckResult untrusted = probe(new ProbeTarget(address, check(HealthCheckConfig.Type.TLS),
                Optional.of(new TlsTarget("api.test", strangers)), "api.test"));

        assertThat(verified.kind()).isEqualTo(CheckResult.Kind.OK);
        assertThat(verified.detail()).isEqualTo("handshake done");
        assertThat(wrongName.kind()).isEqualTo(CheckResult.Kind.TLS_FAILED);
        assertThat(wrongName.detail()).startsWith("TLS handshake for other.test failed (verify)");
        assertThat(untrusted.kind()).isEqualTo(CheckResult.Kind.TLS_FAILED);
        assertThat(backend.accepted()).as("handshakes completed").isEqualTo(1);
    }

    @Test
    void anHttpCheckOverTlsSendsItsRequestInsideTheHandshake(Vertx vertx) throws Exception {
        FlappingBackend backend = Await.result(FlappingBackend.start(vertx, "a", options -> options.setSsl(true)
                .setKeyCertOptions(pki.leaf("api.test").keyCertOptions())));
        BackendTlsProfile trusting = BackendTlsProfile.of(BackendTlsConfigs.verifying("api.test",
                pki.caCertificate()));
        backend.health(503);

        CheckResult result = probe(new ProbeTarget(new HostPort("127.0.0.1", backend.port()),
                check(HealthCheckConfig.Type.HTTP), Optional.of(new TlsTarget("api.test", trusting)), "api.test"));

        assertThat(result.kind()).isEqualTo(CheckResult.Kind.BAD_STATUS);
        assertThat(backend.seen()).extracting(FlappingBackend.Seen::path).containsExactly("/healthz");
    }
}
