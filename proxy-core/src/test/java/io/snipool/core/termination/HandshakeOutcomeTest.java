package io.snipool.core.termination;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The handshake outcome labels, from the JDK's and OpenSSL's ways of saying the same thing. */
class HandshakeOutcomeTest {

    @Test
    void eachEngineMessageHasItsLabel() {
        assertThat(HandshakeOutcome.of(new SslHandshakeTimeoutException("handshake timed out after 10000ms")))
                .isEqualTo("timeout");
        assertThat(HandshakeOutcome.of(new NotSslRecordException("not an SSL/TLS record"))).isEqualTo("bad_record");
        assertThat(HandshakeOutcome.of(new ClosedChannelException())).isEqualTo("client_closed");
        assertThat(HandshakeOutcome.of(new SSLHandshakeException("no cipher suites in common")))
                .isEqualTo("no_shared_cipher");
        assertThat(HandshakeOutcome.of(new SSLHandshakeException(
                "error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER"))).isEqualTo("no_shared_cipher");
        assertThat(HandshakeOutcome.of(new SSLHandshakeException(
                "Client requested protocol TLSv1.1 is not enabled or supported in server context")))
                .isEqualTo("protocol_version");
        assertThat(HandshakeOutcome.of(new SSLHandshakeException(
                "error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL"))).isEqualTo("protocol_version");
        assertThat(HandshakeOutcome.of(new SSLHandshakeException("something else"))).isEqualTo("failed");
    }

    @Test
    void theCauseChainIsRead() {
        assertThat(HandshakeOutcome.of(new RuntimeException("wrapper", new SSLHandshakeException(
                "no cipher suites in common")))).isEqualTo("no_shared_cipher");
    }
}
