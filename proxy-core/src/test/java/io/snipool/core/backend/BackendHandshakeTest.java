package io.snipool.core.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.snipool.config.BackendTlsConfig;
import io.snipool.config.HostPort;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.BackendTlsConfigs;
import io.snipool.core.testbed.RecordingBackend;
import io.snipool.core.testbed.TestPki;
import io.snipool.core.testbed.TlsBackend;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetServerOptions;
import io.vertx.junit5.VertxExtension;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real handshakes of {@link BackendHandshake} with a TLS server, on each provider a profile may be built on: what it
 * accepts, what it refuses and why, and that a second connection for the same SNI is reported as resumed.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackendHandshakeTest {

    private static final Duration BUDGET = Duration.ofSeconds(5);

    private final TestPki pki = new TestPki();

    /** What a handshake came to: {@code full}, {@code resumed}, or the failure's reason. */
    private record Result(String outcome, String detail) {
    }

    private static BackendTlsProfile profile(BackendTlsConfig config, SslProvider provider) throws Exception {
        if (provider == SslProvider.OPENSSL) {
            assertThat(OpenSsl.isAvailable()).as("netty-tcnative-boringssl-static loads on linux-x86_64: "
                    + OpenSsl.unavailabilityCause()).isTrue();
        }
        return BackendTlsProfile.of(config, provider);
    }

    /**
     * Connects to {@code port}, runs the handshake for {@code sni}, and on success reads the server's first bytes
     * (after a TLS 1.3 session ticket, so a resumable session is cached) before closing.
     */
    private static Result handshake(Vertx vertx, int port, BackendTlsProfile profile, String sni, Duration budget) {
        EventLoop loop = ((VertxInternal) vertx).nettyEventLoopGroup().next();
        TargetConnector connector = new TargetConnector(loop, ((VertxInternal) vertx).transport().channelFactory(false),
                (host, on, callback) -> callback.failed(new UnknownHostException(host)), BUDGET);
        CompletableFuture<Result> result = new CompletableFuture<>();
        loop.execute(() -> connector.connect(new HostPort("127.0.0.1", port), false, false, () -> false,
                new TargetConnector.Callback() {
                    @Override
                    public void connected(Channel channel) {
                        BackendHandshake.start(channel, new TlsTarget(sni, profile), port, budget,
                                new BackendHandshake.Outcome() {
                                    @Override
                                    public void established(boolean resumed) {
                                        readFirstBytes(channel, new Result(resumed ? "resumed" : "full", ""), result);
                                    }

                                    @Override
                                    public void failed(HandshakeFailure.Diagnosis diagnosis) {
                                        result.complete(new Result(diagnosis.reason().label(), diagnosis.detail()));
                                    }
                                });
                    }

                    @Override
                    public void failed(String reason) {
                        result.completeExceptionally(new AssertionError("connect failed: " + reason));
                    }
                }));
        return result.orTimeout(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    private static void readFirstBytes(Channel channel, Result established, CompletableFuture<Result> result) {
        assertThat(channel.pipeline().names()).contains(BackendHandshake.SSL).doesNotContain(BackendHandshake.NAME);
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object message) {
                ReferenceCountUtil.release(message);
                ctx.close();
                result.complete(established);
            }
        });
        channel.config().setAutoRead(true);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void aVerifiedBackendResumesOnTheSecondConnectionForTheSameSni(SslProvider provider, Vertx vertx)
            throws Exception {
        TlsBackend backend = Await.result(TlsBackend.start(vertx, "wild", pki.leaf("*.wild.test")));
        BackendTlsProfile profile = profile(BackendTlsConfigs.verifying("${host}", pki.caCertificate()), provider);
        try {
            assertThat(handshake(vertx, backend.port(), profile, "x.wild.test", BUDGET).outcome()).isEqualTo("full");
            assertThat(handshake(vertx, backend.port(), profile, "x.wild.test", BUDGET).outcome())
                    .isEqualTo("resumed");
            assertThat(handshake(vertx, backend.port(), profile, "y.wild.test", BUDGET).outcome())
                    .as("a session is cached per SNI").isEqualTo("full");
        } finally {
            Await.result(backend.close());
        }
    }

    /** One handshake with a TLS server serving {@code served}, started for it and closed after. */
    private static Result once(Vertx vertx, TestPki.Leaf served, BackendTlsProfile profile, String sni) {
        return once(vertx, served, UnaryOperator.identity(), profile, sni);
    }

    /** As {@link #once(Vertx, TestPki.Leaf, BackendTlsProfile, String)}, the server tuned by {@code tuning}. */
    private static Result once(Vertx vertx, TestPki.Leaf served, UnaryOperator<NetServerOptions> tuning,
                               BackendTlsProfile profile, String sni) {
        TlsBackend backend = Await.result(TlsBackend.start(vertx, "backend", served, tuning));
        try {
            return handshake(vertx, backend.port(), profile, sni, BUDGET);
        } finally {
            Await.result(backend.close());
        }
    }

    /** Each provider, with each way a backend fails verification: its certificate's CA, the SNI, the detail. */
    static Stream<Arguments> verificationFailures() {
        return Stream.of(SslProvider.JDK, SslProvider.OPENSSL).flatMap(provider -> Stream.of(
                Arguments.of(provider, "signed by another CA", false, "x.wild.test", "path"),
                Arguments.of(provider, "not covering the SNI", true, "a.other.test", "a.other.test")));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("verificationFailures")
    void aCertificateThatDoesNotVerifyIsAVerifyFailure(SslProvider provider, String why, boolean ourCa, String sni,
                                                       String detail, Vertx vertx) throws Exception {
        TestPki.Leaf served = (ourCa ? pki : new TestPki()).leaf("*.wild.test");
        Result result = once(vertx, served, profile(BackendTlsConfigs.verifying("${host}", pki.caCertificate()),
                provider), sni);
        assertThat(result.outcome()).as(why).isEqualTo("verify");
        assertThat(result.detail()).containsIgnoringCase(detail);
    }

    /** A TLS 1.2 backend that speaks only {@code suite}. */
    private static UnaryOperator<NetServerOptions> onlyTls12With(String suite) {
        return options -> options.setEnabledSecureTransportProtocols(Set.of("TLSv1.2")).addEnabledCipherSuite(suite);
    }

    /** Each provider, with TLS 1.2 suites a backend may insist on, and whether snipool offers it. */
    static Stream<Arguments> backendSuites() {
        return Stream.of(SslProvider.JDK, SslProvider.OPENSSL).flatMap(provider -> Stream.of(
                Arguments.of(provider, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "full"),
                Arguments.of(provider, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "full"),
                Arguments.of(provider, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "handshake"),
                Arguments.of(provider, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "handshake")));
    }

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @MethodSource("backendSuites")
    void toBackendsOnlyForwardSecretAeadSuitesAreOffered(SslProvider provider, String suite, String outcome,
                                                         Vertx vertx) throws Exception {
        Result result = once(vertx, pki.leaf("x.wild.test"), onlyTls12With(suite),
                profile(BackendTlsConfigs.verifying("${host}", pki.caCertificate()), provider), "x.wild.test");
        assertThat(result.outcome()).as(result.detail()).isEqualTo(outcome);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void withoutVerificationAnyCertificateIsAccepted(SslProvider provider, Vertx vertx) throws Exception {
        assertThat(once(vertx, new TestPki().leaf("elsewhere.test"),
                profile(BackendTlsConfigs.unverified("${host}"), provider), "x.wild.test").outcome())
                .isEqualTo("full");
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void aBackendThatNeverAnswersTimesOut(SslProvider provider, Vertx vertx) throws Exception {
        RecordingBackend silent = Await.result(RecordingBackend.start(vertx));
        BackendTlsProfile profile = profile(BackendTlsConfigs.verifying("${host}", pki.caCertificate()), provider);
        try {
            assertThat(handshake(vertx, silent.port(), profile, "x.wild.test", Duration.ofMillis(200)).outcome())
                    .isEqualTo("timeout");
        } finally {
            Await.result(silent.close());
        }
    }
}
