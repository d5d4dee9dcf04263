package io.snipool.core.backend;

/**
 * The TLS part of a backend pool key: the SNI sent (and verified) and the profile that makes the connection. Equal
 * when the SNI and the profile's {@link TlsIdentity} are (profiles compare identities): a connection made for
 * {@code x.wild.test} is never lent for {@code y.wild.test}, nor one made without verification for a route that
 * verifies, nor one made under another CA or client certificate.
 *
 * @param sni     the name sent, normalized (an IP literal is verified but not sent)
 * @param profile the context to connect with
 */
public record TlsTarget(String sni, BackendTlsProfile profile) {

    @Override
    public String toString() {
        return "tls " + sni + " (" + profile + ")";
    }
}
