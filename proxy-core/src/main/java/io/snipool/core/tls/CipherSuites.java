package io.snipool.core.tls;

import java.util.List;

/** The cipher suites snipool speaks TLS with, on both sides: to clients it terminates, and to backends. */
public final class CipherSuites {

    /**
     * TLS 1.2 suites: ECDHE only (forward secrecy), AEAD only (AES-GCM, ChaCha20-Poly1305), ECDSA before RSA keys as
     * each certificate allows. TLS 1.3's own suites are all AEAD and are kept as the provider orders them.
     */
    public static final List<String> MODERN = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private CipherSuites() {
    }
}
