package io.snipool.config;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Certificates and keys made at test time, in every PEM form the loader must accept or refuse. RSA keys take
 * a while to make, so each test class should make few.
 */
final class TestPki {

    /** The key types a snipool certificate may have. */
    enum KeyType { RSA, EC, ED25519 }

    /** A certificate and the keys of its subject. */
    record Issued(X509Certificate certificate, KeyPair keys) {
        PrivateKey key() {
            return keys.getPrivate();
        }
    }

    private static final AtomicLong SERIALS = new AtomicLong(1);
    private static final char[] PASSPHRASE = "secret".toCharArray();

    private TestPki() {
    }

    static KeyPair keys(KeyType type) {
        try {
            return switch (type) {
                case RSA -> {
                    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                    generator.initialize(2048);
                    yield generator.generateKeyPair();
                }
                case EC -> {
                    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
                    generator.initialize(new ECGenParameterSpec("secp256r1"));
                    yield generator.generateKeyPair();
                }
                case ED25519 -> KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            };
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed CA with an EC P-256 key, valid from an hour ago for a year. */
    static Issued ca(String commonName) {
        KeyPair keys = keys(KeyType.EC);
        X500Name name = new X500Name("CN=" + commonName);
        return sign(builder(name, name, keys, Instant.now().minus(Duration.ofHours(1)), Duration.ofDays(365), true),
                keys, keys);
    }

    /** An intermediate CA signed by {@code issuer}. */
    static Issued intermediate(Issued issuer, String commonName) {
        KeyPair keys = keys(KeyType.EC);
        return sign(builder(issuerName(issuer), new X500Name("CN=" + commonName), keys,
                Instant.now().minus(Duration.ofHours(1)), Duration.ofDays(365), true), keys, issuer.keys());
    }

    /** A leaf for {@code dnsNames}, valid from an hour ago for 90 days. */
    static Issued leaf(Issued issuer, KeyPair keys, String... dnsNames) {
        return leaf(issuer, keys, Instant.now().minus(Duration.ofHours(1)), Duration.ofDays(90), dnsNames);
    }

    /** A leaf valid from {@code notBefore} for {@code validity}; no names: the subject CN only, {@code cn.test}. */
    static Issued leaf(Issued issuer, KeyPair keys, Instant notBefore, Duration validity, String... dnsNames) {
        String commonName = dnsNames.length == 0 ? "cn.test" : dnsNames[0];
        X509v3CertificateBuilder builder = builder(issuerName(issuer), new X500Name("CN=" + commonName), keys,
                notBefore, validity, false);
        try {
            if (dnsNames.length > 0) {
                List<GeneralName> names = new ArrayList<>();
                for (String name : dnsNames) {
                    names.add(new GeneralName(GeneralName.dNSName, name));
                }
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sign(builder, keys, issuer.keys());
    }

    /** PEM of certificates, in the order given. */
    static String pem(X509Certificate... certificates) {
        StringBuilder text = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            text.append(write(certificate));
        }
        return text.toString();
    }

    /** {@code BEGIN PRIVATE KEY}. */
    static String pkcs8(PrivateKey key) {
        try {
            return write(new JcaPKCS8Generator(key, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code BEGIN RSA PRIVATE KEY}: PKCS#1, OpenSSL's legacy form of an RSA key. */
    static String pkcs1(PrivateKey rsaKey) {
        return write(rsaKey);
    }

    /**
     * {@code BEGIN EC PRIVATE KEY}: SEC1, as {@code openssl ec} writes it ({@code curveInKey}), optionally after the
     * {@code BEGIN EC PARAMETERS} block {@code openssl ecparam -genkey} writes; without either nothing names the
     * curve.
     */
    static String sec1(ECPrivateKey key, boolean curveInKey, boolean parametersBlock) {
        try {
            X962Parameters curve = new X962Parameters(SECObjectIdentifiers.secp256r1);
            org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, key.getS(),
                    curveInKey ? curve : null);
            return (parametersBlock ? write(new PemObject("EC PARAMETERS", curve.getEncoded())) : "")
                    + write(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code BEGIN ENCRYPTED PRIVATE KEY}: PKCS#8 with a passphrase. */
    static String encryptedPkcs8(PrivateKey key) {
        try {
            return write(new JcaPKCS8Generator(key, new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                    .setProvider(new BouncyCastleProvider()).setPassword(PASSPHRASE).build()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code BEGIN RSA PRIVATE KEY} with {@code Proc-Type: 4,ENCRYPTED}: the legacy encrypted form. */
    static String procTypeEncrypted(PrivateKey key) {
        try {
            return write(new JcaMiscPEMGenerator(key, new JcePEMEncryptorBuilder("AES-128-CBC")
                    .setProvider(new BouncyCastleProvider()).build(PASSPHRASE)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path directory, String name, String text) {
        try {
            Path file = directory.resolve(name);
            Files.createDirectories(file.getParent());
            return Files.writeString(file, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static X500Name issuerName(Issued issuer) {
        return X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded());
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys,
                                                    Instant notBefore, Duration validity, boolean isCa) {
        try {
            return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.getAndIncrement()),
                    Date.from(notBefore), Date.from(notBefore.plus(validity)), subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Issued sign(X509v3CertificateBuilder builder, KeyPair subject, KeyPair issuer) {
        try {
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
            return new Issued(certificate, subject);
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign a test certificate", e);
        }
    }

    private static String write(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }
}
