package io.snipool.core.testbed;

import io.snipool.config.CertifiedKey;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority made at test time, and leaf certificates it signs for the names a TLS backend
 * serves. EC P-256 keys: made in milliseconds, unlike RSA.
 */
public final class TestPki {

    private static final Duration VALIDITY = Duration.ofDays(1);
    private static final AtomicLong SERIALS = new AtomicLong(1);

    /** A leaf's certificate and key, in the PEM forms Vert.x reads, and as Java objects. */
    public record Leaf(String certificatePem, String privateKeyPem, X509Certificate certificate, PrivateKey key,
                       List<String> dnsNames) {
        public PemKeyCertOptions keyCertOptions() {
            return new PemKeyCertOptions().setCertValue(Buffer.buffer(certificatePem))
                    .setKeyValue(Buffer.buffer(privateKeyPem));
        }

        /** The leaf as snipool's configuration holds it once read. */
        public CertifiedKey certifiedKey() {
            return new CertifiedKey(List.of(certificate), key, dnsNames);
        }
    }

    private final KeyPair caKeys;
    private final X500Name caName = new X500Name("CN=snipool test CA");
    private final X509Certificate caCertificate;

    public TestPki() {
        try {
            caKeys = newKeyPair();
            X509v3CertificateBuilder builder = builder(caName, caKeys)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign));
            caCertificate = sign(builder);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the test CA", e);
        }
    }

    /** A certificate for {@code dnsNames} (its subject alternative names), signed by this CA. */
    public Leaf leaf(String... dnsNames) {
        try {
            KeyPair keys = newKeyPair();
            GeneralName[] names = new GeneralName[dnsNames.length];
            for (int i = 0; i < dnsNames.length; i++) {
                names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
            }
            X509v3CertificateBuilder builder = builder(new X500Name("CN=" + dnsNames[0]), keys)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            X509Certificate certificate = sign(builder);
            return new Leaf(pem(certificate), pem(new JcaPKCS8Generator(keys.getPrivate(), null)), certificate,
                    keys.getPrivate(), List.of(dnsNames));
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a leaf certificate", e);
        }
    }

    /** The CA's own certificate: the trust anchor of everything it signs. */
    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** Vert.x trust options holding this CA alone: for a server that asks for client certificates it signed. */
    public PemTrustOptions trustOptions() {
        try {
            return new PemTrustOptions().addCertValue(Buffer.buffer(pem(caCertificate)));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot write the CA certificate", e);
        }
    }

    /** A client-side context that trusts this CA and nothing else. */
    public SSLContext clientContext() {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("ca", caCertificate);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the client TLS context", e);
        }
    }

    private X509v3CertificateBuilder builder(X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(caName, BigInteger.valueOf(SERIALS.getAndIncrement()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)), subject,
                keys.getPublic());
    }

    private X509Certificate sign(X509v3CertificateBuilder builder) throws OperatorCreationException,
            GeneralSecurityException {
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                        .build(caKeys.getPrivate())));
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static String pem(Object object) throws java.io.IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }
}
