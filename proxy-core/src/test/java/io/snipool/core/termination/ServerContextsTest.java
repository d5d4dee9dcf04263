package io.snipool.core.termination;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.snipool.config.TlsSettings;
import io.snipool.core.testbed.TestPki;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SNIHostName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The choice of a certificate by SNI, and that every provider's context really serves it. */
class ServerContextsTest {

    private static final TestPki PKI = new TestPki();
    private static final TestPki.Leaf EXACT = PKI.leaf("a.test", "b.test");
    private static final TestPki.Leaf WILD = PKI.leaf("*.wild.test");
    private static final TestPki.Leaf FALLBACK = PKI.leaf("fallback.test");
    private static final TestPki.Leaf SHADOWED = PKI.leaf("a.test");

    private static TlsSettings settings(TlsSettings.Provider provider, boolean withDefault) {
        return new TlsSettings(List.of(
                new TlsSettings.CertificateConfig("exact.pem", "exact.key", false, EXACT.certifiedKey()),
                new TlsSettings.CertificateConfig("wild.pem", "wild.key", false, WILD.certifiedKey()),
                new TlsSettings.CertificateConfig("shadowed.pem", "shadowed.key", false, SHADOWED.certifiedKey()),
                new TlsSettings.CertificateConfig("fallback.pem", "fallback.key", withDefault,
                        FALLBACK.certifiedKey())),
                TlsSettings.Version.TLSV1_2, List.of("http/1.1"), provider);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "a.test|exact.pem",
        "B.TEST|exact.pem",
        "a.test.|exact.pem",
        "x.wild.test|wild.pem",
        "X.Wild.Test|wild.pem",
        "wild.test|fallback.pem",
        "x.y.wild.test|fallback.pem",
        "other.test|fallback.pem",
    })
    void choosesExactThenWildcardThenTheDefault(String serverName, String expected) throws SSLException {
        ServerContexts contexts = ServerContexts.of(settings(TlsSettings.Provider.JDK, true));
        assertThat(contexts.select(Optional.of(serverName))).map(ServerContexts.Served::label).contains(expected);
    }

    @Test
    void withoutADefaultAnUnknownNameOrNoSniGetsNothing() throws SSLException {
        ServerContexts contexts = ServerContexts.of(settings(TlsSettings.Provider.JDK, false));
        assertThat(contexts.select(Optional.of("other.test"))).isEmpty();
        assertThat(contexts.select(Optional.empty())).isEmpty();
        assertThat(contexts.select(Optional.of("a.test"))).map(ServerContexts.Served::label).contains("exact.pem");
    }

    @Test
    void noSniGetsTheDefault() throws SSLException {
        ServerContexts contexts = ServerContexts.of(settings(TlsSettings.Provider.JDK, true));
        assertThat(contexts.select(Optional.empty())).map(ServerContexts.Served::label).contains("fallback.pem");
    }

    @Test
    void autoPicksOpenSslWhenItLoads() throws SSLException {
        ServerContexts contexts = ServerContexts.of(settings(TlsSettings.Provider.AUTO, true));
        assertThat(contexts.providerName()).isEqualTo(OpenSsl.isAvailable() ? "openssl" : "jdk");
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"JDK", "OPENSSL"})
    void eachProviderCompletesAHandshakeWithTheChosenCertificate(TlsSettings.Provider provider) throws Exception {
        if (provider == TlsSettings.Provider.OPENSSL) {
            assertThat(OpenSsl.isAvailable()).as("netty-tcnative-boringssl-static loads on linux-x86_64: "
                    + OpenSsl.unavailabilityCause()).isTrue();
        }
        ServerContexts contexts = ServerContexts.of(settings(provider, true));
        SSLEngine server = contexts.select(Optional.of("x.wild.test")).orElseThrow().context()
                .newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine client = PKI.clientContext().createSSLEngine("x.wild.test", 443);
        client.setUseClientMode(true);
        SSLParameters parameters = client.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("x.wild.test")));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        client.setSSLParameters(parameters);
        handshake(client, server);
        assertThat(client.getSession().getPeerCertificates()[0]).isEqualTo(WILD.certificate());
        assertThat(server.getSession().getCipherSuite()).matches("TLS_(AES|CHACHA20|ECDHE).*");
        assertThat(client.getApplicationProtocol()).isEqualTo("http/1.1");
    }

    /** Runs both engines against each other in memory until both are done. */
    private static void handshake(SSLEngine client, SSLEngine server) throws SSLException {
        ByteBuffer toServer = ByteBuffer.allocate(1 << 17);
        ByteBuffer toClient = ByteBuffer.allocate(1 << 17);
        ByteBuffer sink = ByteBuffer.allocate(1 << 17);
        client.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < 100; round++) {
            step(client, toClient, toServer, sink);
            step(server, toServer, toClient, sink);
            if (done(client) && done(server)) {
                return;
            }
        }
        throw new AssertionError("the handshake did not finish: client " + client.getHandshakeStatus() + ", server "
                + server.getHandshakeStatus());
    }

    private static void step(SSLEngine engine, ByteBuffer in, ByteBuffer out, ByteBuffer sink) throws SSLException {
        in.flip();
        engine.unwrap(in, sink);
        in.compact();
        sink.clear();
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
        SSLEngineResult result;
        do {
            result = engine.wrap(ByteBuffer.allocate(0), out);
            while ((task = engine.getDelegatedTask()) != null) {
                task.run();
            }
        } while (result.bytesProduced() > 0);
    }

    private static boolean done(SSLEngine engine) {
        SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
        return status == SSLEngineResult.HandshakeStatus.FINISHED
                || status == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING;
    }
}
