package io.snipool.core.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The reason label of a failed backend handshake, from what each provider throws. */
class HandshakeFailureTest {

    private static SSLHandshakeException wrapping(String message, Throwable cause) {
        SSLHandshakeException exception = new SSLHandshakeException(message);
        exception.initCause(cause);
        return exception;
    }

    @Test
    void aCertificateCheckBehindOpenSslsWrapperIsVerifyAndSaysWhy() {
        HandshakeFailure.Diagnosis diagnosis = HandshakeFailure.diagnose(wrapping("General OpenSslEngine problem",
                new CertificateException("No subject alternative DNS name matching a.test found.")));
        assertThat(diagnosis).isEqualTo(new HandshakeFailure.Diagnosis(HandshakeFailure.VERIFY,
                "No subject alternative DNS name matching a.test found."));
    }

    @Test
    void aPathValidationFailureIsVerify() {
        assertThat(HandshakeFailure.diagnose(wrapping("PKIX", new CertPathValidatorException("signature check failed")))
                .reason()).isEqualTo(HandshakeFailure.VERIFY);
        assertThat(HandshakeFailure.diagnose(new SSLHandshakeException("error:1000007d:SSL routines:"
                + "OPENSSL_internal:CERTIFICATE_VERIFY_FAILED")).reason()).isEqualTo(HandshakeFailure.VERIFY);
    }

    @Test
    void aTimeoutIsTimeout() {
        assertThat(HandshakeFailure.diagnose(new SslHandshakeTimeoutException("handshake timed out after 200ms"))
                .reason()).isEqualTo(HandshakeFailure.TIMEOUT);
    }

    @Test
    void anythingElseIsHandshakeWithTheInnermostMessage() {
        HandshakeFailure.Diagnosis diagnosis = HandshakeFailure.diagnose(wrapping("Received fatal alert: "
                + "protocol_version", new ClosedChannelException()));
        assertThat(diagnosis).isEqualTo(new HandshakeFailure.Diagnosis(HandshakeFailure.HANDSHAKE,
                "Received fatal alert: protocol_version"));
        assertThat(HandshakeFailure.HANDSHAKE.label()).isEqualTo("handshake");
    }
}
