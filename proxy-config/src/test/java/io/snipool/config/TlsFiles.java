package io.snipool.config;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;

/**
 * The certificate and key files the TLS configuration tests name, written into one directory: good ones in every
 * key form, and one of each kind the loader must refuse.
 */
final class TlsFiles {

    /** EC P-256 leaf for {@code a.example.test}, signed by an intermediate; chain: leaf, intermediate. */
    static final String A_CERT = "certs/a.pem";
    /** Its key, PKCS#8. */
    static final String A_KEY = "certs/a.key";
    /** RSA 2048 leaf for {@code *.wild.test} and {@code wild.test}. */
    static final String WILD_CERT = "certs/wild.pem";
    /** Its key, PKCS#1 ({@code BEGIN RSA PRIVATE KEY}). */
    static final String WILD_KEY = "certs/wild.key";
    /** EC leaf for {@code sec1.test}; its key in SEC1 after an {@code EC PARAMETERS} block. */
    static final String SEC1_CERT = "certs/sec1.pem";
    static final String SEC1_KEY = "certs/sec1.key";
    /** Ed25519 leaf for {@code ed.test}, PKCS#8 key. */
    static final String ED_CERT = "certs/ed.pem";
    static final String ED_KEY = "certs/ed.key";
    /** The root CA that signed everything, alone: trust anchors for backend_tls.ca. */
    static final String CA = "certs/ca.pem";

    /** The a.example.test chain written intermediate first. */
    static final String WRONG_ORDER_CERT = "bad/wrong-order.pem";
    /** An EC key that belongs to no certificate here. */
    static final String OTHER_KEY = "bad/other.key";
    /** a.example.test's key, encrypted as PKCS#8 and as a legacy Proc-Type block. */
    static final String ENCRYPTED_KEY = "bad/encrypted.key";
    static final String PROC_TYPE_KEY = "bad/proc-type.key";
    /** A leaf for {@code old.test} that expired yesterday, and its key. */
    static final String EXPIRED_CERT = "bad/expired.pem";
    static final String EXPIRED_KEY = "bad/expired.key";
    /** A leaf for {@code soon.test} that expires in 5 days and an hour, and its key. */
    static final String SOON_CERT = "certs/soon.pem";
    static final String SOON_KEY = "certs/soon.key";
    /** Text with no PEM block. */
    static final String NOT_PEM = "bad/not-pem.txt";

    private TlsFiles() {
    }

    /** A tls listener named edge (lines 1-4), {@code tls} from line 5, then {@code routes:} and {@code routes}. */
    static String edge(String tls, String routes) {
        return """
                listeners:
                  - name: edge
                    bind: 127.0.0.1:8443
                    mode: tls
                """ + tls + "    routes:\n" + routes;
    }

    /** A {@code tls} block (line 5) whose certificates are {@code entries}, one flow mapping a line from line 7. */
    static String certificates(String... entries) {
        StringBuilder tls = new StringBuilder("    tls:\n      certificates:\n");
        for (String entry : entries) {
            tls.append("        - ").append(entry).append('\n');
        }
        return tls.toString();
    }

    /** Writes every file below {@code directory}; returns the leaf of {@link #A_CERT}, to compare what was read. */
    static TestPki.Issued writeAll(Path directory) {
        TestPki.Issued ca = TestPki.ca("Test Root");
        TestPki.Issued intermediate = TestPki.intermediate(ca, "Test Intermediate");
        TestPki.Issued aLeaf = TestPki.leaf(intermediate, TestPki.keys(TestPki.KeyType.EC), "a.example.test",
                "www.example.test");
        TestPki.Issued wild = TestPki.leaf(ca, TestPki.keys(TestPki.KeyType.RSA), "*.wild.test", "wild.test");
        TestPki.Issued sec1 = TestPki.leaf(ca, TestPki.keys(TestPki.KeyType.EC), "sec1.test");
        TestPki.Issued ed = TestPki.leaf(ca, TestPki.keys(TestPki.KeyType.ED25519), "ed.test");
        Instant now = Instant.now();
        TestPki.Issued expired = TestPki.leaf(ca, TestPki.keys(TestPki.KeyType.EC), now.minus(Duration.ofDays(31)),
                Duration.ofDays(30), "old.test");
        TestPki.Issued soon = TestPki.leaf(ca, TestPki.keys(TestPki.KeyType.EC), now.minus(Duration.ofDays(80)),
                Duration.ofDays(85).plus(Duration.ofHours(1)), "soon.test");
        KeyPair other = TestPki.keys(TestPki.KeyType.EC);

        TestPki.write(directory, A_CERT, TestPki.pem(aLeaf.certificate(), intermediate.certificate()));
        TestPki.write(directory, A_KEY, TestPki.pkcs8(aLeaf.key()));
        TestPki.write(directory, WILD_CERT, TestPki.pem(wild.certificate()));
        TestPki.write(directory, WILD_KEY, TestPki.pkcs1(wild.key()));
        TestPki.write(directory, SEC1_CERT, TestPki.pem(sec1.certificate()));
        TestPki.write(directory, SEC1_KEY, TestPki.sec1((ECPrivateKey) sec1.key(), true, true));
        TestPki.write(directory, ED_CERT, TestPki.pem(ed.certificate()));
        TestPki.write(directory, ED_KEY, TestPki.pkcs8(ed.key()));
        TestPki.write(directory, CA, TestPki.pem(ca.certificate()));
        TestPki.write(directory, SOON_CERT, TestPki.pem(soon.certificate()));
        TestPki.write(directory, SOON_KEY, TestPki.pkcs8(soon.key()));

        TestPki.write(directory, WRONG_ORDER_CERT, TestPki.pem(intermediate.certificate(), aLeaf.certificate()));
        TestPki.write(directory, OTHER_KEY, TestPki.pkcs8(other.getPrivate()));
        TestPki.write(directory, ENCRYPTED_KEY, TestPki.encryptedPkcs8(aLeaf.key()));
        TestPki.write(directory, PROC_TYPE_KEY, TestPki.procTypeEncrypted(wild.key()));
        TestPki.write(directory, EXPIRED_CERT, TestPki.pem(expired.certificate()));
        TestPki.write(directory, EXPIRED_KEY, TestPki.pkcs8(expired.key()));
        TestPki.write(directory, NOT_PEM, "this is not a certificate\n");
        return aLeaf;
    }
}
