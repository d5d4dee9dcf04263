package io.snipool.core.backend;

import io.netty.handler.ssl.ResumableX509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How a backend's certificate is judged: by the configured anchors or the JDK's trust store (name checked by the
 * engine's endpoint identification), or not at all with {@code verify: false}. It also learns which handshakes
 * resumed a session: Netty calls {@link #resumeServerTrusted} after a handshake in which no certificate was
 * checked, on either provider (the JDK's or OpenSSL's), which is exactly a resumption; a session's creation time
 * cannot say so on OpenSSL, whose clock has whole seconds.
 */
final class BackendTrust extends X509ExtendedTrustManager implements ResumableX509ExtendedTrustManager {

    private final Optional<X509ExtendedTrustManager> verifier;
    /** Engines whose handshake resumed, until {@link #resumed} reads them; weak, so an engine never read is no leak. */
    private final Set<SSLEngine> resumedEngines = Collections.synchronizedSet(
            Collections.newSetFromMap(new WeakHashMap<>()));

    /** @param verifier the anchors' trust manager; empty to accept any certificate ({@code verify: false}) */
    BackendTrust(Optional<X509ExtendedTrustManager> verifier) {
        this.verifier = verifier;
    }

    /** True, once, if the handshake of {@code engine} resumed a session. Call when the handshake succeeded. */
    boolean resumed(SSLEngine engine) {
        return resumedEngines.remove(engine);
    }

    @Override
    public void resumeServerTrusted(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
        // The name was checked when the session was made, for the same SNI and port (each profile has its own context
        // and session cache, keyed by SNI and port); the chain is checked again, so that a session outliving its
        // certificate is not resumed. The key exchange decides no authentication type on resumption: "UNKNOWN".
        if (verifier.isPresent()) {
            verifier.get().checkServerTrusted(chain, "UNKNOWN");
        }
        resumedEngines.add(engine);
    }

    @Override
    public void resumeClientTrusted(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
        throw new CertificateException("snipool is the client of its backends");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        if (verifier.isPresent()) {
            verifier.get().checkServerTrusted(chain, authType, engine);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        if (verifier.isPresent()) {
            verifier.get().checkServerTrusted(chain, authType, socket);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (verifier.isPresent()) {
            verifier.get().checkServerTrusted(chain, authType);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("snipool is the client of its backends");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("snipool is the client of its backends");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("snipool is the client of its backends");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return verifier.map(X509ExtendedTrustManager::getAcceptedIssuers).orElseGet(() -> new X509Certificate[0]);
    }
}
