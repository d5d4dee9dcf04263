package io.snipool.core.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snipool.core.testbed.TestPki;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

/** What the trust manager of a backend profile accepts, and how it learns of resumed sessions. */
class BackendTrustTest {

    private final TestPki pki = new TestPki();
    private final X509Certificate[] ours = {pki.leaf("x.wild.test").certificate(), pki.caCertificate()};
    private final X509Certificate[] foreign = {new TestPki().leaf("x.wild.test").certificate()};

    private static SSLEngine engine() throws Exception {
        return SSLContext.getDefault().createSSLEngine("x.wild.test", 443);
    }

    private BackendTrust verifying() throws Exception {
        return new BackendTrust(Optional.of(BackendTlsProfile.verifier(List.of(pki.caCertificate()))));
    }

    @Test
    void aResumedSessionIsReportedOnceForItsEngine() throws Exception {
        BackendTrust trust = verifying();
        SSLEngine resumed = engine();
        SSLEngine full = engine();
        trust.resumeServerTrusted(ours, resumed);
        assertThat(trust.resumed(full)).isFalse();
        assertThat(trust.resumed(resumed)).isTrue();
        assertThat(trust.resumed(resumed)).as("read once").isFalse();
    }

    @Test
    void aResumedSessionWhoseChainNoLongerVerifiesIsRefused() throws Exception {
        BackendTrust trust = verifying();
        SSLEngine engine = engine();
        assertThatThrownBy(() -> trust.resumeServerTrusted(foreign, engine))
                .isInstanceOf(CertificateException.class);
        assertThat(trust.resumed(engine)).isFalse();
    }

    @Test
    void withoutVerificationEveryChainIsAccepted() throws Exception {
        BackendTrust trust = new BackendTrust(Optional.empty());
        trust.checkServerTrusted(foreign, "ECDHE_ECDSA", engine());
        SSLEngine engine = engine();
        trust.resumeServerTrusted(foreign, engine);
        assertThat(trust.resumed(engine)).isTrue();
        assertThat(trust.getAcceptedIssuers()).isEmpty();
    }

    @Test
    void snipoolNeverTrustsClients() throws Exception {
        BackendTrust trust = new BackendTrust(Optional.empty());
        assertThatThrownBy(() -> trust.checkClientTrusted(ours, "ECDHE_ECDSA", engine()))
                .isInstanceOf(CertificateException.class);
    }
}
